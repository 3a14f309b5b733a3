"""The app's models, one module per aggregate; import them from here."""

from dashboard.models.accounts import AccountStatus, VendorAccount
from dashboard.models.api_requests import ApiRateWindow, IdempotentRequest
from dashboard.models.api_tokens import ApiToken
from dashboard.models.approvals import ApprovalMode, ApprovalRule
from dashboard.models.audit import AuditAction, AuditEvent
from dashboard.models.batches import AccountThrottle, Batch, BatchRow, BatchSource, BatchStatus
from dashboard.models.device_logins import DeviceLogin, DeviceLoginStatus
from dashboard.models.exports import ExportChunk, ExportStatus, ProjectExport
from dashboard.models.identity import GroupMapping, Identity
from dashboard.models.notifications import (
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    Destination,
    DestinationKind,
    EmailNotice,
    EmailStatus,
    EventType,
    NotificationPreference,
    OutboxEvent,
)
from dashboard.models.policies import AccountPolicy, PolicySeverity
from dashboard.models.project_templates import ProjectTemplate
from dashboard.models.projects import (
    NO_ERROR,
    NOT_FOUND_AT_VENDOR,
    PROJECT_TRANSITIONS,
    RETRYABLE,
    Project,
    ProjectOrigin,
    ProjectStatus,
)
from dashboard.models.scheduling import ScheduledJob
from dashboard.models.tallies import ProjectTally
from dashboard.models.teams import (
    ROLE_RANK,
    Membership,
    Role,
    Team,
    TeamScopedQuerySet,
    admin_teams,
    role_in,
    roles_at_least,
    team_ids_for,
)

__all__ = [
    "NOT_FOUND_AT_VENDOR",
    "NO_ERROR",
    "PROJECT_TRANSITIONS",
    "RETRYABLE",
    "ROLE_RANK",
    "AccountPolicy",
    "AccountStatus",
    "AccountThrottle",
    "ApiRateWindow",
    "ApiToken",
    "ApprovalMode",
    "ApprovalRule",
    "AuditAction",
    "AuditEvent",
    "Batch",
    "BatchRow",
    "BatchSource",
    "BatchStatus",
    "Delivery",
    "DeliveryAttempt",
    "DeliveryStatus",
    "Destination",
    "DestinationKind",
    "DeviceLogin",
    "DeviceLoginStatus",
    "EmailNotice",
    "EmailStatus",
    "EventType",
    "ExportChunk",
    "ExportStatus",
    "GroupMapping",
    "IdempotentRequest",
    "Identity",
    "Membership",
    "NotificationPreference",
    "OutboxEvent",
    "PolicySeverity",
    "Project",
    "ProjectExport",
    "ProjectOrigin",
    "ProjectStatus",
    "ProjectTally",
    "ProjectTemplate",
    "Role",
    "ScheduledJob",
    "Team",
    "TeamScopedQuerySet",
    "VendorAccount",
    "admin_teams",
    "role_in",
    "roles_at_least",
    "team_ids_for",
]
