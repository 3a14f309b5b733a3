"""Approval rules per account, and a team's self-approval setting, set by team admins.

A rule is "every create", "a create whose name matches …", or none. The pattern is a team
admin's regular expression: compiled and probed when saved, matched under a time limit.
"""

from __future__ import annotations

from collections.abc import Callable

import regex
from django.db import transaction
from django.utils import timezone

from dashboard.models import (
    ApprovalMode,
    ApprovalRule,
    AuditAction,
    Membership,
    Role,
    Team,
    VendorAccount,
    role_in,
)
from dashboard.services.audit import audit_record
from dashboard.services.errors import ServiceError
from dashboard.validation.team_patterns import TeamPattern, TeamPatternError, team_pattern


def approval_rule_for(account: VendorAccount) -> ApprovalRule:
    """The account's rule, or an unsaved "none" rule. Read through the relation, so an
    account fetched with `select_related("approval_rule")` (the live form's) asks nothing."""
    try:
        return account.approval_rule
    except ApprovalRule.DoesNotExist:
        return ApprovalRule(account=account, mode=ApprovalMode.NONE)


def needs_approval(account: VendorAccount, name: str) -> bool:
    """Whether a create of `name` at the account waits for approval."""
    return approval_test(account)(name)


def approval_test(account: VendorAccount) -> Callable[[str], bool]:
    """The account's rule as a test of a name, compiled once (for a batch's many rows). A
    match that runs out of time counts as a match: the safe side is a second look."""
    rule = approval_rule_for(account)
    if rule.mode == ApprovalMode.EVERY:
        return lambda name: True
    if rule.mode != ApprovalMode.PATTERN or not rule.pattern:
        return lambda name: False
    try:
        # Probed when it was saved; compiled here, and every match is timed.
        pattern = TeamPattern(source=rule.pattern, compiled=regex.compile(rule.pattern))
    except (regex.error, OverflowError, RecursionError, ValueError):
        return lambda name: True  # unusable now: hold creates rather than guess
    return lambda name: pattern.matches(name) is not False


def approval_rule_save(
    *, account: VendorAccount, user, mode: str, pattern: str = ""
) -> ApprovalRule:
    """Set the account's rule (team admins); a pattern that can't be used is refused."""
    _require_admin(user, account.team_id)
    if mode not in ApprovalMode.values:
        raise ServiceError(field_errors={"mode": "Choose one of the rules."})
    pattern = pattern if isinstance(pattern, str) else ""
    if mode == ApprovalMode.PATTERN:
        try:
            pattern = team_pattern(pattern).source
        except TeamPatternError as exc:
            raise ServiceError(field_errors={"pattern": exc.message}) from None
    else:
        pattern = ""
    with transaction.atomic():
        rule, _ = ApprovalRule.objects.update_or_create(
            account=account,
            defaults={
                "mode": mode,
                "pattern": pattern,
                "updated_by": user,
                "updated_at": timezone.now(),
            },
        )
        shown = f" /{pattern}/" if pattern else ""
        audit_record(
            team=account.team,
            actor=user,
            action=AuditAction.APPROVAL_RULE_CHANGED,
            target=account,
            summary=f"Approval at “{account.label}”: {ApprovalMode(mode).label.lower()}{shown}.",
        )
    return rule


def team_admin_count(team_id: int) -> int:
    return Membership.objects.filter(team_id=team_id, role=Role.ADMIN).count()


def self_approval_set(*, team: Team, user, allowed: bool) -> Team:
    """Let the team's single admin approve their own creates, or stop it (team admins).
    Only a team with one admin may turn it on: with two, the second approves."""
    _require_admin(user, team.pk)
    if not isinstance(allowed, bool):
        raise ServiceError(field_errors={"self_approval": "Choose yes or no."})
    with transaction.atomic():
        locked = Team.objects.select_for_update().get(pk=team.pk)
        if allowed and team_admin_count(team.pk) != 1:
            raise ServiceError(
                field_errors={
                    "self_approval": "Only a team with a single admin may approve its own "
                    "requests; this team has several, so another admin approves."
                }
            )
        if locked.self_approval == allowed:
            return locked
        Team.objects.filter(pk=team.pk).update(self_approval=allowed)
        locked.self_approval = allowed
        audit_record(
            team=locked,
            actor=user,
            action=AuditAction.SELF_APPROVAL_CHANGED,
            target=locked,
            summary="The single admin may approve their own creates."
            if allowed
            else "Creates are approved by an admin other than the requester.",
        )
    team.self_approval = allowed
    return locked


def may_self_approve(team: Team) -> bool:
    """The setting holds only while the team has one admin."""
    return team.self_approval and team_admin_count(team.pk) == 1


def _require_admin(user, team_id: int) -> None:
    if role_in(user, team_id) != Role.ADMIN:
        raise ServiceError("Only a team admin may change approval settings.")
