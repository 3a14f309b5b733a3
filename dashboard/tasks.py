"""Background work. Tasks take ids, never model instances or secrets."""

from django.conf import settings
from django.core.management import call_command
from django.tasks import task
from django.utils import timezone

from dashboard import queue, services
from dashboard.models import AccountStatus, VendorAccount


@task()
def submit_project(project_id: int) -> None:
    services.project_submit(project_id)


@task()
def send_batch_rows(account_id: int) -> str:
    """One turn of one of an account's batch senders: one row, then back in the queue
    (behind everyone else's work), at once or after the account's pause."""
    next_turn = services.batch_row_send_next(account_id)
    if next_turn is None:
        return "no row waiting"
    at = next_turn if next_turn > timezone.now() else None
    if queue.enqueue_batch_sender(account_id=account_id, at=at):
        return "next turn queued"
    return "next turn left to the sweep"


@task()
def sweep_projects() -> dict[str, int]:
    return services.projects_sweep().as_dict()


@task()
def reconcile_unknown_projects() -> dict[str, int]:
    return services.projects_reconcile_unknown()


@task()
def sync_accounts() -> int:
    """One task per connected account, so a slow vendor holds up only its own."""
    ids = list(
        VendorAccount.objects.filter(status=AccountStatus.ACTIVE).values_list("pk", flat=True)
    )
    for account_id in ids:
        sync_account.enqueue(account_id)
    return len(ids)


@task()
def sync_account(account_id: int) -> dict[str, int] | str:
    account = VendorAccount.objects.filter(pk=account_id, status=AccountStatus.ACTIVE).first()
    if account is None:
        return "skipped: not connected"
    try:
        totals = services.account_sync(account=account)
    except services.ServiceError as exc:
        return f"vendor unavailable: {exc.message}"
    return vars(totals)


@task()
def build_export(export_id: int) -> str:
    return services.export_build(export_id)


@task()
def prune_task_results() -> None:
    """Finished task rows pile up (one per create and per periodic run); keep recent ones.
    Old CSV exports, Idempotency-Keys and rate windows go too, and the query planner's
    statistics are refreshed."""
    from dashboard.services.background import refresh_planner_statistics

    services.exports_prune()
    services.api_requests_prune()
    services.outbox_prune()
    refresh_planner_statistics()
    call_command(
        "prune_db_task_results",
        min_age_days=settings.TASK_RESULTS_KEEP_DAYS,
        failed_min_age_days=settings.TASK_RESULTS_KEEP_DAYS * 4,
        verbosity=0,
    )


@task()
def poll_device_login(login_id: int) -> str:
    """One step of a device sign-in; the run that asked the vendor queues the next one,
    at the vendor's interval (never later than the code's expiry)."""
    next_poll_at = services.device_login_poll(login_id=login_id)
    if next_poll_at is None:
        return "nothing more for this run"
    if queue.enqueue_device_login_poll(login_id=login_id, at=next_poll_at):
        return "next poll queued"
    return "next poll left to the sweep"


@task()
def sweep_device_logins() -> int:
    return services.device_logins_sweep()


@task()
def deliver_to_destination(destination_id: int) -> str:
    """One turn of a destination: one delivery, then back in the queue behind everyone
    else's work while more are due."""
    if not services.destination_deliver_next(destination_id):
        return "nothing more due now"
    if queue.enqueue_delivery_turn(destination_id=destination_id):
        return "next turn queued"
    return "next turn left to the sweep"


@task()
def send_email_notice(notice_id: int) -> str:
    return services.email_notice_send(notice_id)


@task()
def sweep_outbox() -> dict[str, int]:
    return services.outbox_sweep()


@task()
def send_email_digests() -> int:
    return services.digests_send()


@task()
def expire_approvals() -> int:
    """Creates left awaiting approval for APPROVAL_EXPIRY_DAYS end as expired."""
    return services.approvals_expire()
