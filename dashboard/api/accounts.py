"""The team's vendor accounts: status, plan and how much of it is used."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from dashboard.api.lookups import team_account
from dashboard.api.problems import documented
from dashboard.api.schemas import AccountOut, AccountPage
from dashboard.listing.tallies import active_projects
from dashboard.models import VendorAccount
from dashboard.services.projects import ACTIVE_STATUSES
from providers.registry import get_provider

router = Router(tags=["accounts"])


def account_out(account: VendorAccount, active: dict[int, int]) -> dict:
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
            "active_projects": active.get(account.pk, 0),
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
    accounts = list(
        VendorAccount.objects.filter(team_id=request.auth.team_id).order_by("label", "pk")
    )
    active = active_projects([a.pk for a in accounts], statuses=ACTIVE_STATUSES)
    return {"items": [account_out(account, active) for account in accounts]}


@router.get(
    "/accounts/{account_id}",
    response={200: AccountOut, **documented(401, 404, 429)},
    summary="One account",
)
def get_account(request: HttpRequest, account_id: str):
    account = team_account(request.auth, account_id)
    return account_out(account, active_projects([account.pk], statuses=ACTIVE_STATUSES))
