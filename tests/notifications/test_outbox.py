"""Events are written next to the change they describe, fanned out in the same
transaction, and carry facts and a link, never a secret."""

import json
import uuid

import pytest
from django.db import transaction

from dashboard import services
from dashboard.api.webhook_schemas import ENVELOPES
from dashboard.models import (
    AccountStatus,
    BatchSource,
    Delivery,
    EmailNotice,
    EventType,
    OutboxEvent,
    Project,
    ProjectStatus,
)
from dashboard.services import RowInput
from dashboard.services.outbox import events_record
from dashboard.services.vendor_calls import mark_needs_reconnect
from tests import factories
from tests.factories import ProjectFactory
from tests.notifications.conftest import webhook

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def payloads_match_the_api_document(db):
    """Every event the services wrote in a test here is what the OpenAPI document's
    `webhooks` says it is (the hand-made events with empty data aside)."""
    yield
    for event in OutboxEvent.objects.exclude(data={}):
        ENVELOPES[event.type].model_validate(
            {"type": event.type, "timestamp": event.created_at, "data": event.data}
        )


@pytest.fixture
def hooks(team, admin, resolving):
    resolving("hooks.example.com", "93.184.216.34")
    everything, _ = webhook(team, admin, "https://hooks.example.com/all")
    failures, _ = webhook(
        team, admin, "https://hooks.example.com/failures", event_types=["project.failed"]
    )
    off, _ = webhook(team, admin, "https://hooks.example.com/off", enabled=False)
    return everything, failures, off


def create(account, user, name="checkout"):
    return services.project_create(
        account=account, user=user, data={"name": name}, idempotency_key=uuid.uuid4()
    )


def types() -> list[str]:
    return list(OutboxEvent.objects.order_by("id").values_list("type", flat=True))


def test_an_event_fans_out_to_the_destinations_that_want_it(team, hooks):
    everything, failures, off = hooks
    created = services.event_record(team=team, type=EventType.PROJECT_CREATED, data={})
    failed = services.event_record(team=team, type=EventType.PROJECT_FAILED, data={})

    assert {d.destination for d in created.deliveries.all()} == {everything}
    assert {d.destination for d in failed.deliveries.all()} == {everything, failures}
    assert not Delivery.objects.filter(destination=off).exists()
    assert created.webhook_id == f"evt_{created.uid.hex}"


def test_another_teams_destinations_get_nothing(team, other_team, outsider, hooks, resolving):
    theirs, _ = webhook(other_team, outsider, "https://hooks.example.com/theirs")
    services.event_record(team=team, type=EventType.PROJECT_FAILED, data={})
    assert not Delivery.objects.filter(destination=theirs).exists()


def test_an_event_in_a_transaction_that_rolls_back_leaves_nothing_and_queues_nothing(
    team, hooks, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.event_record(team=team, type=EventType.PROJECT_FAILED, data={})
        raise RuntimeError("the change failed")
    assert callbacks == []
    assert not OutboxEvent.objects.exists() and not Delivery.objects.exists()


def test_work_is_queued_only_after_the_commit(team, hooks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        services.event_record(team=team, type=EventType.PROJECT_FAILED, data={})
    assert len(callbacks) == 1


def test_many_events_are_recorded_together(team, hooks):
    events = events_record(team_id=team.pk, type=EventType.PROJECT_CREATED, datas=[{}] * 50)
    assert len({e.uid for e in events}) == 50
    assert Delivery.objects.count() == 50


def test_an_unknown_type_is_a_bug(team):
    with pytest.raises(ValueError):
        services.event_record(team=team, type="project.exploded", data={})


def test_a_create_announces_itself_with_its_facts_and_link(team, member, r4_account, settings):
    project = create(r4_account, member)

    event = OutboxEvent.objects.get()
    assert event.type == EventType.PROJECT_CREATED
    data = event.data["project"]
    assert data["reference"] == str(project.reference)
    assert data["name"] == "checkout" and data["vendor"] == "r4"
    assert data["account"] == {"id": r4_account.pk, "label": r4_account.label}
    assert data["status"] == ProjectStatus.CREATED and data["remote_id"] == project.remote_id
    assert data["url"] == settings.SITE_URL + project.get_absolute_url()
    assert data["error"] is None


def test_a_refused_create_announces_a_failure_with_the_vendors_words(
    team, member, r4_account, sandbox
):
    sandbox.inject("error_400", vendor="r4", method="POST")
    create(r4_account, member)
    event = OutboxEvent.objects.get()
    assert event.type == EventType.PROJECT_FAILED
    assert event.data["project"]["error"]["message"]


def test_a_lost_answer_announces_an_unknown_outcome(team, member, r4_account, sandbox):
    sandbox.inject("drop", vendor="r4")
    create(r4_account, member)
    assert types() == [EventType.PROJECT_OUTCOME_UNKNOWN]


def test_a_refused_credential_announces_the_account_once(team, member, r4_account):
    mark_needs_reconnect(r4_account, reason="Invalid API key")
    mark_needs_reconnect(r4_account, reason="Invalid API key")
    event = OutboxEvent.objects.get()
    assert event.type == EventType.ACCOUNT_NEEDS_CREDENTIALS
    assert event.data["account"]["status"] == AccountStatus.NEEDS_RECONNECT
    assert event.data["reason"] == "Invalid API key"


def test_a_disconnect_announces_itself_without_any_credential(team, owner, r4_account):
    api_key = r4_account.credentials["api_key"]
    services.account_disconnect(account=r4_account, user=owner)
    event = OutboxEvent.objects.get()
    assert event.type == EventType.ACCOUNT_DISCONNECTED
    assert api_key not in json.dumps(event.data)


def test_a_project_gone_from_the_vendor_is_announced_once(team, member, r4_account):
    project = ProjectFactory(account=r4_account, status=ProjectStatus.CREATED, remote_id="gone1")
    services.project_refresh(project=project, user=member)
    services.project_refresh(project=project, user=member)
    assert types() == [EventType.PROJECT_MISSING_AT_VENDOR]


def test_a_project_changed_at_the_vendor_is_announced_with_its_changes(team, member, r4_account):
    project = create(r4_account, member, name="checkout")
    Project.objects.filter(pk=project.pk).update(name="renamed here")
    project.refresh_from_db()
    services.account_sync(account=r4_account)
    changed = OutboxEvent.objects.filter(type=EventType.PROJECT_CHANGED_AT_VENDOR).get()
    assert changed.data["changes"] == ["name “renamed here” → “checkout”"]
    services.account_sync(account=r4_account)  # nothing new: nothing announced
    assert OutboxEvent.objects.filter(type=EventType.PROJECT_CHANGED_AT_VENDOR).count() == 1


def test_a_finished_batch_is_announced_with_its_counts(team, member, r4_account, sandbox):
    sandbox.inject("error_400", vendor="r4", method="POST", times=1)
    batch = services.batch_create(
        team=team,
        user=member,
        name="Launch",
        source=BatchSource.API,
        rows=[RowInput(account=str(r4_account.pk), fields={"name": f"row-{n}"}) for n in range(3)],
    )
    services.batch_send(batch=batch, user=member)
    completed = OutboxEvent.objects.get(type=EventType.BATCH_COMPLETED)
    assert completed.data["batch"]["counts"]["created"] == 2
    assert completed.data["batch"]["counts"]["failed"] == 1
    assert completed.data["batch"]["url"].endswith(batch.get_absolute_url())


def test_no_project_secret_is_in_any_payload(team, owner, member, sandbox):
    account = factories.photon_account(team, sandbox, created_by=owner)
    project = services.project_create(
        account=account,
        user=member,
        data={"name": "Support bot", "location": "United States", "spectrum": True},
        idempotency_key=uuid.uuid4(),
    )
    secret = Project.objects.get(pk=project.pk).secrets["projectSecret"]
    assert secret.startswith("ps_")
    assert OutboxEvent.objects.get().type == EventType.PROJECT_CREATED
    assert secret not in json.dumps(list(OutboxEvent.objects.values_list("data", flat=True)))


def test_admins_are_owed_mail_for_an_unknown_outcome_by_default(
    team, admin, colleague, member, r4_account, sandbox
):
    sandbox.inject("drop", vendor="r4")
    create(r4_account, member)
    assert list(EmailNotice.objects.values_list("user__username", flat=True)) == ["ada"]
