"""What a team can do. Views call these; these call providers.

One namespace (`services.project_create`, ...), one module per area.
"""

from .accounts import (
    account_connect,
    account_disconnect,
    account_rename,
    account_replace_credentials,
    account_set_plan,
    account_verify,
)
from .background import projects_reconcile_unknown, projects_sweep
from .common import ServiceError, audit_record
from .device_login import (
    device_login_poll,
    device_login_start,
    device_logins_sweep,
    enqueue_device_login_poll,
)
from .exports import (
    export_build,
    export_file,
    export_size,
    export_start,
    export_still_theirs,
    exports_prune,
    stream_csv,
)
from .importing import account_import, account_import_candidates
from .projects import project_create, project_submit, project_validate
from .reconciling import not_found_yet_message, project_reconcile, project_reconcile_pick
from .secrets import project_regenerate_secret, project_secret_reveal
from .teams import (
    team_member_add,
    team_member_remove,
    team_member_set_role,
    team_membership_edited,
    teams_keep_an_admin,
)
from .tracking import (
    account_sync,
    project_can_retry,
    project_refresh,
    project_retry,
)

__all__ = [
    "ServiceError",
    "account_connect",
    "account_disconnect",
    "account_import",
    "account_import_candidates",
    "account_rename",
    "account_replace_credentials",
    "account_set_plan",
    "account_sync",
    "account_verify",
    "audit_record",
    "device_login_poll",
    "device_login_start",
    "device_logins_sweep",
    "enqueue_device_login_poll",
    "export_build",
    "export_file",
    "export_size",
    "export_start",
    "export_still_theirs",
    "exports_prune",
    "not_found_yet_message",
    "project_can_retry",
    "project_create",
    "project_reconcile",
    "project_reconcile_pick",
    "project_refresh",
    "project_regenerate_secret",
    "project_retry",
    "project_secret_reveal",
    "project_submit",
    "project_validate",
    "projects_reconcile_unknown",
    "projects_sweep",
    "stream_csv",
    "team_member_add",
    "team_member_remove",
    "team_member_set_role",
    "team_membership_edited",
    "teams_keep_an_admin",
]
