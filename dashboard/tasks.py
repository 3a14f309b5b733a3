"""Background work. Tasks take ids, never model instances or secrets."""

from django.tasks import task

from . import services
from .models import AccountStatus, VendorAccount


@task()
def submit_project(project_id: int) -> None:
    services.project_submit(project_id)


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
