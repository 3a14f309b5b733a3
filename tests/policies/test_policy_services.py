"""The team's rules in the services: saved only when usable (by admins, audited), and
judged in project_validate and project_create, which every door goes through."""

import uuid

import pytest

from dashboard import services
from dashboard.models import AccountPolicy, AuditAction, AuditEvent, Project
from dashboard.services import ServiceError
from dashboard.validation.team_patterns import PATTERN_MAX
from tests.policies.conftest import ENV_APP, OVERLAPPING, SLOW_NAME, set_policy, slipped_in

pytestmark = pytest.mark.django_db


def create(account, user, **fields):
    return services.project_create(
        account=account, user=user, data=fields, idempotency_key=uuid.uuid4()
    )


def test_a_pattern_set_as_an_error_refuses_the_name_and_says_it_is_the_teams(
    strict, r4_account, member, sandbox
):
    _, errors, _ = services.project_validate(
        account=r4_account, data={"name": "Billing", "description": "x"}
    )
    assert errors == {"name": "Team rule: names must be env-app, lowercase."}
    with pytest.raises(ServiceError) as refused:
        create(r4_account, member, name="Billing", description="x")
    assert refused.value.field_errors == {"name": "Team rule: names must be env-app, lowercase."}
    assert Project.objects.count() == 0
    assert sandbox.calls() == []
    made = create(r4_account, member, name="prod-billing", description="x")
    assert made.name == "prod-billing"


def test_a_pattern_set_as_advice_warns_and_lets_the_create_through(
    advisory, r4_account, member, sandbox
):
    _, errors, guidance = services.project_validate(account=r4_account, data={"name": "Billing"})
    assert errors == {}
    assert guidance["name"] == ["Team advice: names should be env-app, lowercase."]
    assert create(r4_account, member, name="Billing").name == "Billing"
    _, _, guidance = services.project_validate(account=r4_account, data={"name": "dev-x"})
    assert "name" not in guidance


def test_required_fields_are_refused_empty_at_their_field(strict, r4_account, member, sandbox):
    for empty in ({}, {"description": ""}, {"description": "   "}):
        _, errors, _ = services.project_validate(
            account=r4_account, data={"name": "dev-a", **empty}
        )
        assert errors == {"description": "Team rule: Description is required."}, empty
    with pytest.raises(ServiceError) as refused:
        create(r4_account, member, name="dev-a")
    assert refused.value.field_errors == {"description": "Team rule: Description is required."}
    assert Project.objects.count() == 0
    # The vendor's own error on a field comes first; the team's is not said twice.
    _, errors, _ = services.project_validate(
        account=r4_account, data={"name": "dev-a", "description": "x" * 1001}
    )
    assert "1001 characters" in errors["description"]


def test_defaults_fill_what_a_create_leaves_empty_and_nothing_else(
    strict, r4_account, member, sandbox
):
    made = create(r4_account, member, name="dev-a", description="d")
    assert made.payload["externalId"] == "team-ext"
    blank = create(r4_account, member, name="dev-b", description="d", externalId="  ")
    assert blank.payload["externalId"] == "team-ext"
    given = create(r4_account, member, name="dev-c", description="d", externalId="mine")
    assert given.payload["externalId"] == "mine"


def test_box_and_list_defaults_fill_only_an_absent_field(owner, member, team, sandbox):
    from tests.factories import photon_account

    photon = photon_account(team, sandbox)
    set_policy(photon, owner, name_pattern="", defaults={"spectrum": True, "platforms": ["voice"]})
    cleaned, errors, _ = services.project_validate(account=photon, data={"name": "Bot"})
    assert errors == {} and cleaned["spectrum"] is True and cleaned["platforms"] == ["voice"]
    cleaned, _, _ = services.project_validate(
        account=photon, data={"name": "Bot", "spectrum": False, "platforms": []}
    )
    assert cleaned["spectrum"] is False and cleaned["platforms"] == []


def test_a_runaway_pattern_is_stopped_by_its_time_limit_and_refuses_as_an_error(
    runaway, r4_account, owner, member, sandbox
):
    _, errors, _ = services.project_validate(account=r4_account, data={"name": SLOW_NAME})
    assert errors["name"].startswith("Team rule: this name took too long to check")
    with pytest.raises(ServiceError):
        create(r4_account, member, name=SLOW_NAME)
    assert Project.objects.count() == 0 and sandbox.calls() == []
    slipped_in(set_policy(
        r4_account, owner, name_pattern_description="ab", name_pattern_severity="advice"
    ))  # fmt: skip
    _, errors, guidance = services.project_validate(account=r4_account, data={"name": SLOW_NAME})
    assert errors == {}
    assert guidance["name"][-1].startswith("Team advice: this name took too long to check")


@pytest.mark.parametrize(
    ("given", "field", "says"),
    [
        ({"name_pattern": "x" * (PATTERN_MAX + 1)}, "name_pattern", f"limit is {PATTERN_MAX}"),
        ({"name_pattern": "^dev\x00-"}, "name_pattern", "control characters"),
        ({"name_pattern": "^dev\x1b-"}, "name_pattern", "control characters"),
        ({"name_pattern": "(x+x+)+y"}, "name_pattern", "takes too long"),
        ({"name_pattern": OVERLAPPING}, "name_pattern", "takes too long"),
        ({"name_pattern": "^(abc|ab|c)*$"}, "name_pattern", "takes too long"),
        ({"name_pattern": "(dev"}, "name_pattern", "isn't valid"),
        ({"name_pattern": 5}, "name_pattern", "must be text"),
        ({"name_pattern_description": ""}, "name_pattern_description", "plain words"),
        ({"name_pattern_description": "a\x00b"}, "name_pattern_description", "control"),
        ({"name_pattern_description": "x" * 201}, "name_pattern_description", "at most 200"),
        ({"name_pattern_severity": "maybe"}, "name_pattern_severity", "error or advice"),
        ({"required_fields": ["colour"]}, "required_fields", "not a field the team can require"),
        ({"required_fields": ["name"]}, "required_fields", "R4 already requires Name"),
        ({"required_fields": "description"}, "required_fields", "as a list"),
        ({"required_fields": [7]}, "required_fields", "as a list"),
        ({"defaults": {"name": "dev-x"}}, "defaults", "The name can't have a default"),
        ({"defaults": {"colour": "red"}}, "defaults", "not a field a policy can set"),
        ({"defaults": {"description": 5}}, "description", "must be a string"),
        ({"defaults": {"description": "x" * 1001}}, "description", "1001 characters"),
        ({"defaults": {"externalId": "a\x00b"}}, "externalId", "control characters"),
        ({"defaults": ["description"]}, "defaults", "vendor's fields"),
    ],
)
def test_bad_input_is_refused_at_its_field_and_changes_nothing(
    strict, r4_account, owner, given, field, says
):
    before = AccountPolicy.objects.values().get()
    audits = AuditEvent.objects.count()
    with pytest.raises(ServiceError) as refused:
        set_policy(r4_account, owner, **given)
    assert says in refused.value.field_errors[field], refused.value.field_errors
    assert AccountPolicy.objects.values().get() == before
    assert AuditEvent.objects.count() == audits


def test_a_tick_box_cannot_be_required_and_a_default_cannot_be_secret(owner, team, sandbox):
    from tests.factories import photon_account

    photon = photon_account(team, sandbox)
    with pytest.raises(ServiceError) as refused:
        set_policy(photon, owner, required_fields=["spectrum"])
    assert "tick box" in refused.value.field_errors["required_fields"]
    assert not AccountPolicy.objects.exists()


def test_only_the_teams_admins_change_it(r4_account, member, viewer, outsider):
    for user in (member, viewer, outsider):
        with pytest.raises(ServiceError, match="Only the team's admins"):
            set_policy(r4_account, user)
    assert not AccountPolicy.objects.exists()


def test_saving_is_audited_with_what_changed_and_shows_in_the_activity_feed(r4_account, owner):
    from dashboard.listing import activity

    set_policy(r4_account, owner)
    set_policy(r4_account, owner, name_pattern_severity="advice", required_fields=["description"])
    set_policy(r4_account, owner, name_pattern_severity="advice", required_fields=["description"])
    events = list(AuditEvent.objects.filter(action=AuditAction.POLICY_CHANGED).order_by("pk"))
    assert len(events) == 2  # saving the same policy again records nothing
    assert events[0].summary.startswith("Policy of R4 · ")
    assert f"names now “{ENV_APP}” (error)" in events[0].summary
    assert "error or advice, required fields changed" in events[1].summary
    assert "required: description" in events[1].summary
    feed = activity(user=owner, kind="policy", person=None, vendor="r4")
    assert [e.pk for e in feed] == [e.pk for e in reversed(events)]


def test_removing_the_pattern_leaves_no_name_rule(strict, r4_account, owner, member, sandbox):
    set_policy(r4_account, owner, name_pattern="", name_pattern_description="")
    _, errors, _ = services.project_validate(
        account=r4_account, data={"name": "Anything", "description": "x"}
    )
    assert errors == {}
    assert (
        "no name pattern now"
        in AuditEvent.objects.filter(action=AuditAction.POLICY_CHANGED).first().summary
    )


def test_another_accounts_policy_judges_only_its_own_creates(
    strict, r4_account, team, member, sandbox
):
    from tests.factories import R4AccountFactory

    other = R4AccountFactory(team=team, label="R4 two", base_url=sandbox.base_url("r4"))
    _, errors, _ = services.project_validate(account=other, data={"name": "Billing"})
    assert errors == {}


def test_the_column_holds_the_longest_pattern_the_check_allows():
    from dashboard.models.columns import column_max

    assert column_max(AccountPolicy, "name_pattern") == PATTERN_MAX
