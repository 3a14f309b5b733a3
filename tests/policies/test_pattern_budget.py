"""A batch's rows share one time budget for the team's patterns: a slow pattern that was
saved before the probes caught its kind costs the budget once, not its time limit per row,
and what it can't check is refused (a naming rule) or held (an approval rule)."""

import pytest

from dashboard import services
from dashboard.models import ApprovalMode, ApprovalRule, BatchSource, Project, ProjectStatus
from dashboard.services import RowInput
from dashboard.validation import team_patterns
from dashboard.validation.team_patterns import (
    MATCH_TIMEOUT,
    TeamPattern,
    match_budget,
    match_budget_gave_up,
    saved_pattern,
)
from tests.policies.conftest import OVERLAPPING, SLOW_NAME, set_policy

ROWS = 12
BUDGET = 0.12  # seconds: two or three timed-out matches


@pytest.fixture
def searches(monkeypatch):
    """How many matches actually ran."""
    ran = []
    real = TeamPattern._search

    def counted(self, name, timeout):
        ran.append(name)
        return real(self, name, timeout)

    monkeypatch.setattr(TeamPattern, "_search", counted)
    return ran


def _slow_names():
    return [f"{SLOW_NAME}{n}" for n in range(ROWS)]  # distinct, each as slow


def _slow_batch(team, member, account):
    return services.batch_create(
        team=team,
        user=member,
        name="Slow",
        source=BatchSource.CSV,
        rows=[RowInput(account=str(account.pk), fields={"name": n}) for n in _slow_names()],
    )


def test_a_name_is_matched_once_per_pattern_within_a_budget(searches):
    pattern = saved_pattern(r"^dev-")
    with match_budget(seconds=1.0):
        assert [pattern.matches("dev-a"), pattern.matches("dev-a")] == [True, True]
        assert pattern.matches("prod-a") is False
    assert searches == ["dev-a", "prod-a"]
    assert pattern.matches("dev-a") and len(searches) == 3  # outside: no memory


def test_a_spent_budget_answers_ran_out_of_time_without_matching(searches):
    pattern = saved_pattern(OVERLAPPING)
    with match_budget(seconds=MATCH_TIMEOUT * 2):
        verdicts = [pattern.matches(name) for name in _slow_names()]
        assert match_budget_gave_up(OVERLAPPING)
    assert verdicts == [None] * ROWS
    assert len(searches) <= 3
    assert not match_budget_gave_up(OVERLAPPING)  # outside any budget


def test_a_pattern_that_keeps_running_out_of_time_is_given_up_on(searches):
    slow, quick = saved_pattern(OVERLAPPING), saved_pattern(r"^ab")
    with match_budget(seconds=100.0):
        verdicts = [slow.matches(name) for name in _slow_names()]
        assert [quick.matches(name) for name in _slow_names()] == [True] * ROWS
        assert match_budget_gave_up(OVERLAPPING) and not match_budget_gave_up(r"^ab")
    assert verdicts == [None] * ROWS
    assert len(searches) == team_patterns.TIMEOUTS_BEFORE_GIVING_UP + ROWS


def test_a_slow_naming_rule_costs_a_batch_its_budget_once(
    team, member, owner, r4_account, monkeypatch, searches, sandbox
):
    monkeypatch.setattr(team_patterns, "BATCH_MATCH_BUDGET", BUDGET)
    policy = set_policy(r4_account, owner, name_pattern_description="ab")
    type(policy).objects.filter(pk=policy.pk).update(name_pattern=OVERLAPPING)
    searches.clear()  # the probes of the pattern saved first
    batch = _slow_batch(team, member, r4_account)
    assert len(searches) <= 4
    said = [row.errors["name"][0] for row in batch.rows.order_by("number")]
    assert said[0].startswith("Team rule: this name took too long to check")
    assert said[-1].startswith("Team rule: this batch's names took too long to check")
    assert all("refused" in message for message in said)
    with pytest.raises(services.ServiceError):
        services.batch_send(batch=batch, user=member)
    assert Project.objects.count() == 0 and sandbox.calls() == []


def test_a_slow_approval_rule_holds_the_rows_it_cannot_check(
    team, member, owner, r4_account, monkeypatch, searches, sandbox
):
    monkeypatch.setattr(team_patterns, "BATCH_MATCH_BUDGET", BUDGET)
    services.approval_rule_save(
        account=r4_account, user=owner, mode=ApprovalMode.PATTERN, pattern="^prod-"
    )
    ApprovalRule.objects.filter(account=r4_account).update(pattern=OVERLAPPING)
    searches.clear()
    batch = _slow_batch(team, member, r4_account)
    assert len(searches) <= 4
    searches.clear()
    services.batch_send(batch=batch, user=member)
    assert len(searches) <= 4  # at the send too, under the accounts' locks
    statuses = set(Project.objects.values_list("status", flat=True))
    assert statuses == {ProjectStatus.AWAITING}
    assert sandbox.calls("r4", method="POST") == []
