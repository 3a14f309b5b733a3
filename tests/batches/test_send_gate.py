"""The send gate on a real database: whose turn it is, and how long a 429 pauses an account."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dashboard.models import AccountThrottle, ProjectStatus
from dashboard.services.send_gate import (
    Turn,
    claim_turn,
    note_success,
    pause_account,
    release_turn,
)
from tests.factories import ProjectFactory, R4AccountFactory


@pytest.fixture
def account(team, owner):
    return R4AccountFactory(team=team, created_by=owner)


def seconds_paused(account) -> float:
    until = AccountThrottle.objects.get(pk=account.pk).paused_until
    return (until - timezone.now()).total_seconds()


def test_a_retry_after_is_honoured_as_asked(account, settings):
    settings.VENDOR_BACKOFF_MAX_SECONDS = 300
    pause_account(account.pk, retry_after=30)
    assert 29 < seconds_paused(account) <= 30


def test_a_retry_after_past_the_ceiling_waits_only_the_ceiling(account, settings):
    settings.VENDOR_BACKOFF_MAX_SECONDS = 60
    pause_account(account.pk, retry_after=86_400)
    assert 59 < seconds_paused(account) <= 60


def test_without_a_retry_after_the_pause_doubles_with_jitter(account, settings):
    settings.VENDOR_BACKOFF_MAX_SECONDS = 300
    pauses = []
    for step in range(5):
        AccountThrottle.objects.filter(pk=account.pk).update(paused_until=None)
        pause_account(account.pk, retry_after=None)
        pauses.append(seconds_paused(account))
        # Full jitter over the upper half: between 2^n / 2 and 2^n seconds.
        assert 2**step * 0.5 - 0.1 < pauses[-1] <= 2**step, (step, pauses)
    assert AccountThrottle.objects.get(pk=account.pk).backoff_step == 5


def test_the_backoff_never_passes_the_ceiling(account, settings):
    settings.VENDOR_BACKOFF_MAX_SECONDS = 5
    AccountThrottle.objects.create(account=account, backoff_step=20)
    pause_account(account.pk, retry_after=None)
    assert seconds_paused(account) <= 5


def test_429s_answering_calls_sent_together_are_one_step(account):
    first = pause_account(account.pk, retry_after=None)
    again = pause_account(account.pk, retry_after=None)
    assert again == first
    assert AccountThrottle.objects.get(pk=account.pk).backoff_step == 1


def test_an_answer_that_is_not_a_429_starts_the_backoff_small_again(account):
    AccountThrottle.objects.create(account=account, backoff_step=4)
    note_success(account.pk)
    assert AccountThrottle.objects.get(pk=account.pk).backoff_step == 0


def test_a_paused_account_gets_no_turn_until_its_pause_ends(account):
    project = ProjectFactory(account=account)
    pause_account(account.pk, retry_after=10)
    claim = claim_turn(account.pk, project_id=project.pk)
    assert claim.turn == Turn.PAUSED
    assert claim.retry_at >= AccountThrottle.objects.get(pk=account.pk).paused_until
    project.refresh_from_db()
    assert project.attempted_at is None


def test_an_account_with_its_most_calls_in_flight_is_busy(account, settings):
    settings.VENDOR_MAX_IN_FLIGHT = 2
    sent = ProjectFactory.create_batch(2, account=account, attempted_at=timezone.now())
    waiting = ProjectFactory(account=account)
    assert claim_turn(account.pk, project_id=waiting.pk).turn == Turn.BUSY
    sent[0].status = ProjectStatus.CREATED
    sent[0].save()
    claim = claim_turn(account.pk, project_id=waiting.pk)
    assert claim.turn == Turn.CLAIMED


def test_a_call_older_than_the_longest_vendor_call_no_longer_counts(account, settings):
    settings.VENDOR_MAX_IN_FLIGHT = 1
    ProjectFactory(account=account, attempted_at=timezone.now() - timedelta(hours=1))
    waiting = ProjectFactory(account=account)
    assert claim_turn(account.pk, project_id=waiting.pk).turn == Turn.CLAIMED


def test_a_project_is_claimed_once_and_released_only_by_its_own_attempt(account):
    project = ProjectFactory(account=account)
    claim = claim_turn(account.pk, project_id=project.pk)
    assert claim.turn == Turn.CLAIMED
    assert claim_turn(account.pk, project_id=project.pk).turn == Turn.NOTHING
    assert not release_turn(project.pk, claim.attempt - timedelta(seconds=1))
    assert release_turn(project.pk, claim.attempt)
    project.refresh_from_db()
    assert project.attempted_at is None and project.status == ProjectStatus.PENDING
