from django.urls import path, register_converter

from dashboard.validation.ids import IdConverter
from dashboard.views import (
    accounts,
    activity,
    api_tokens,
    approvals,
    batch_actions,
    batches,
    deliveries,
    destinations,
    device_login,
    exports,
    notification_preferences,
    policies,
    project_secrets,
    project_templates,
    projects,
    teams,
    template_batches,
    tracking,
)

register_converter(IdConverter, "id")

app_name = "dashboard"

urlpatterns = [
    path("", projects.project_list, name="project_list"),
    path("projects/new/", projects.project_new, name="project_new"),
    path("projects/exports.csv", exports.project_export, name="project_export"),
    path("exports/<uuid:reference>/", exports.export_detail, name="export_detail"),
    path("exports/<uuid:reference>/file.csv", exports.export_download, name="export_download"),
    path("projects/new/validate/", projects.project_validate, name="project_validate"),
    path("projects/<uuid:reference>/", projects.project_detail, name="project_detail"),
    path("projects/<uuid:reference>/refresh/", tracking.project_refresh, name="project_refresh"),
    path(
        "projects/<uuid:reference>/reconcile/", tracking.project_reconcile, name="project_reconcile"
    ),
    path("projects/<uuid:reference>/retry/", tracking.project_retry, name="project_retry"),
    path(
        "projects/<uuid:reference>/secret/",
        project_secrets.project_secret_reveal,
        name="project_secret_reveal",
    ),
    path(
        "projects/<uuid:reference>/secret/regenerate/",
        project_secrets.project_secret_regenerate,
        name="project_secret_regenerate",
    ),
    path("approvals/", approvals.approvals, name="approvals"),
    path(
        "approvals/<uuid:reference>/approve/",
        approvals.approval_decide,
        {"verb": "approve"},
        name="approval_approve",
    ),
    path(
        "approvals/<uuid:reference>/reject/",
        approvals.approval_decide,
        {"verb": "reject"},
        name="approval_reject",
    ),
    path("accounts/<id:pk>/approval/", approvals.approval_rule, name="approval_rule"),
    path("accounts/", accounts.account_list, name="account_list"),
    path("accounts/connect/<slug:vendor>/", accounts.account_connect, name="account_connect"),
    path(
        "accounts/device/<slug:vendor>/start/",
        device_login.device_login_start,
        name="device_login_start",
    ),
    path(
        "accounts/device/<uuid:reference>/",
        device_login.device_login_status,
        name="device_login_status",
    ),
    path("accounts/<id:pk>/", accounts.account_detail, name="account_detail"),
    path("accounts/<id:pk>/replace/", accounts.account_replace, name="account_replace"),
    path("accounts/<id:pk>/verify/", accounts.account_verify, name="account_verify"),
    path("accounts/<id:pk>/plan/", accounts.account_plan, name="account_plan"),
    path("accounts/<id:pk>/policy/", policies.account_policy, name="account_policy"),
    path("accounts/<id:pk>/import/", tracking.account_import, name="account_import"),
    path("accounts/<id:pk>/disconnect/", accounts.account_disconnect, name="account_disconnect"),
    path("batches/", batches.batch_list, name="batch_list"),
    path("batches/new/", batches.batch_new, name="batch_new"),
    path("batches/new/template/", template_batches.template_batch_new, name="template_batch_new"),
    path("batches/examples/<slug:vendor>.csv", batches.batch_example, name="batch_example"),
    path("batches/<uuid:reference>/", batches.batch_detail, name="batch_detail"),
    path("batches/<uuid:reference>/rows/", batches.batch_rows, name="batch_rows"),
    path(
        "batches/<uuid:reference>/rows/<id:number>/",
        batch_actions.batch_row_edit,
        name="batch_row_edit",
    ),
    path(
        "batches/<uuid:reference>/rows/<id:number>/remove/",
        batch_actions.batch_row_remove,
        name="batch_row_remove",
    ),
    path("batches/<uuid:reference>/send/", batch_actions.batch_send, name="batch_send"),
    path("batches/<uuid:reference>/progress/", batches.batch_progress, name="batch_progress"),
    path("batches/<uuid:reference>/cancel/", batch_actions.batch_cancel, name="batch_cancel"),
    path("batches/<uuid:reference>/retry/", batch_actions.batch_retry, name="batch_retry"),
    path("batches/<uuid:reference>/results.csv", batches.batch_results, name="batch_results"),
    path("templates/", project_templates.template_list, name="template_list"),
    path("templates/new/", project_templates.template_new, name="template_new"),
    path("templates/<id:pk>/", project_templates.template_edit, name="template_edit"),
    path("templates/<id:pk>/delete/", project_templates.template_delete, name="template_delete"),
    path("teams/", teams.team_list, name="team_list"),
    path("activity/", activity.activity, name="activity"),
    path("api-tokens/", api_tokens.api_token_list, name="api_token_list"),
    path("api-tokens/<id:pk>/revoke/", api_tokens.api_token_revoke, name="api_token_revoke"),
    path("teams/<id:pk>/members/add/", teams.team_member_add, name="team_member_add"),
    path(
        "teams/<id:pk>/members/<id:member>/role/", teams.team_member_role, name="team_member_role"
    ),
    path(
        "teams/<id:pk>/members/<id:member>/remove/",
        teams.team_member_remove,
        name="team_member_remove",
    ),
    path("teams/<id:pk>/destinations/", destinations.destination_list, name="destination_list"),
    path("teams/<id:pk>/destinations/new/", destinations.destination_new, name="destination_new"),
    path("destinations/<id:pk>/edit/", destinations.destination_edit, name="destination_edit"),
    path(
        "destinations/<id:pk>/switch/", destinations.destination_switch, name="destination_switch"
    ),
    path(
        "destinations/<id:pk>/delete/", destinations.destination_delete, name="destination_delete"
    ),
    path(
        "destinations/<id:pk>/rotate/", destinations.destination_rotate, name="destination_rotate"
    ),
    path("destinations/<id:pk>/test/", deliveries.destination_test, name="destination_test"),
    path("destinations/<id:pk>/deliveries/", deliveries.delivery_log, name="delivery_log"),
    path("deliveries/<id:pk>/resend/", deliveries.delivery_resend, name="delivery_resend"),
    path(
        "notifications/",
        notification_preferences.notification_preferences,
        name="notification_preferences",
    ),
]
