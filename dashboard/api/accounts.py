"""The team's vendor accounts: status, plan and how much of it is used."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import HttpRequest
from ninja import Router

from dashboard.api.lookups import team_account
from dashboard.api.problems import documented
from dashboard.api.schemas import AccountOut, AccountPage
from dashboard.models import VendorAccount
from dashboard.services.projects import ACTIVE_STATUSES
from providers.registry import get_provider

router = Router(tags=["accounts"])


def _with_usage(accounts):
    return accounts.annotate(
        active_projects=Count("projects", filter=Q(projects__status__in=ACTIVE_STATUSES))
    )


def account_out(account: VendorAccount) -> dict:
    provider = get_provider(account.vendor)
    return {
        "id": str(account.pk),
        "vendor": account.vendor,
        "label": account.label,
        "status": account.status,
        "credential_hint": account.credential_hint,
        "plan": account.plan,
        "plan_label": provider.plan_label(account.plan) if account.plan else "",
        "usage": {
            "active_projects": account.active_projects,
            "limit": provider.plan_limit(account.plan),
        },
        "last_verified_at": account.last_verified_at,
        "last_synced_at": account.last_synced_at,
        "created_at": account.created_at,
    }


@router.get(
    "/accounts",
    response={200: AccountPage, **documented(401, 429)},
    summary="The team's vendor accounts",
)
def list_accounts(request: HttpRequest):
    accounts = _with_usage(VendorAccount.objects.filter(team=request.auth.team)).order_by(
        "label", "pk"
    )
    return {"items": [account_out(account) for account in accounts]}


@router.get(
    "/accounts/{account_id}",
    response={200: AccountOut, **documented(401, 404, 429)},
    summary="One account",
)
def get_account(request: HttpRequest, account_id: str):
    account = team_account(request.auth, account_id)
    return account_out(_with_usage(VendorAccount.objects.filter(pk=account.pk)).get())
