"""What a team can do. Views call these; these call providers.

One namespace (`services.project_create`, ...), one module per area.
"""

from dashboard.services.accounts import (
    account_connect,
    account_disconnect,
    account_rename,
    account_replace_credentials,
    account_set_plan,
    account_verify,
)
from dashboard.services.api_requests import api_requests_prune
from dashboard.services.api_tokens import (
    ApiIdentity,
    api_identity_from_authorization,
    api_token_create,
    api_token_revoke,
    api_tokens_visible,
)
from dashboard.services.approval_rules import (
    approval_rule_for,
    approval_rule_save,
    may_self_approve,
    self_approval_set,
    team_admin_count,
)
from dashboard.services.approvals import (
    NotAwaiting,
    approvals_expire,
    may_approve,
    project_approve,
    project_reject,
    requested_by,
)
from dashboard.services.audit import audit_record
from dashboard.services.background import projects_reconcile_unknown, projects_sweep
from dashboard.services.batch_sending import (
    batch_cancel_rest,
    batch_retry_failed,
    batch_row_send_next,
    batch_send,
)
from dashboard.services.batches import (
    RowInput,
    batch_create,
    batch_preview,
    batch_row_remove,
    batch_row_update,
)
from dashboard.services.deliveries import deliver_in_place, destination_deliver_next
from dashboard.services.destinations import (
    delivery_resend,
    destination_create,
    destination_delete,
    destination_rotate_secret,
    destination_send_test,
    destination_update,
)
from dashboard.services.device_login import (
    device_login_poll,
    device_login_start,
    device_logins_sweep,
)
from dashboard.services.emails import digests_send, email_notice_send
from dashboard.services.errors import ServiceError
from dashboard.services.exports import (
    export_build,
    export_file,
    export_size,
    export_start,
    export_still_theirs,
    exports_prune,
    stream_csv,
)
from dashboard.services.importing import account_import, account_import_candidates
from dashboard.services.notification_preferences import preference_for, preference_save
from dashboard.services.outbox import event_record, outbox_prune, outbox_sweep
from dashboard.services.policies import policy_save
from dashboard.services.project_secrets import project_regenerate_secret, project_secret_reveal
from dashboard.services.project_templates import (
    template_delete,
    template_expand,
    template_save,
    template_unexpandable,
)
from dashboard.services.projects import (
    project_checks,
    project_create,
    project_dry_run,
    project_guidance,
    project_validate,
)
from dashboard.services.reconciling import (
    not_found_yet_message,
    project_reconcile,
    project_reconcile_pick,
)
from dashboard.services.submitting import project_submit
from dashboard.services.teams import (
    team_member_add,
    team_member_remove,
    team_member_set_role,
    team_membership_edited,
    teams_keep_an_admin,
)
from dashboard.services.tracking import (
    SyncTotals,
    account_sync,
    project_refresh,
    project_retry,
)

__all__ = [
    "ApiIdentity",
    "NotAwaiting",
    "RowInput",
    "ServiceError",
    "SyncTotals",
    "account_connect",
    "account_disconnect",
    "account_import",
    "account_import_candidates",
    "account_rename",
    "account_replace_credentials",
    "account_set_plan",
    "account_sync",
    "account_verify",
    "api_identity_from_authorization",
    "api_requests_prune",
    "api_token_create",
    "api_token_revoke",
    "api_tokens_visible",
    "approval_rule_for",
    "approval_rule_save",
    "approvals_expire",
    "audit_record",
    "batch_cancel_rest",
    "batch_create",
    "batch_preview",
    "batch_retry_failed",
    "batch_row_remove",
    "batch_row_send_next",
    "batch_row_update",
    "batch_send",
    "deliver_in_place",
    "delivery_resend",
    "destination_create",
    "destination_delete",
    "destination_deliver_next",
    "destination_rotate_secret",
    "destination_send_test",
    "destination_update",
    "device_login_poll",
    "device_login_start",
    "device_logins_sweep",
    "digests_send",
    "email_notice_send",
    "event_record",
    "export_build",
    "export_file",
    "export_size",
    "export_start",
    "export_still_theirs",
    "exports_prune",
    "may_approve",
    "may_self_approve",
    "not_found_yet_message",
    "outbox_prune",
    "outbox_sweep",
    "policy_save",
    "preference_for",
    "preference_save",
    "project_approve",
    "project_checks",
    "project_create",
    "project_dry_run",
    "project_guidance",
    "project_reconcile",
    "project_reconcile_pick",
    "project_refresh",
    "project_regenerate_secret",
    "project_reject",
    "project_retry",
    "project_secret_reveal",
    "project_submit",
    "project_validate",
    "projects_reconcile_unknown",
    "projects_sweep",
    "requested_by",
    "self_approval_set",
    "stream_csv",
    "team_admin_count",
    "team_member_add",
    "team_member_remove",
    "team_member_set_role",
    "team_membership_edited",
    "teams_keep_an_admin",
    "template_delete",
    "template_expand",
    "template_save",
    "template_unexpandable",
]
