"""A vendor fault while creating: the form says the vendor's own words, or the project's
page says the outcome is unknown. Never a 500."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from dashboard.models import Project, ProjectStatus

from .test_views import HX, form_data

FAULT_OUTCOMES = [
    # R4's own refusal: nothing was made
    (
        "error_400",
        ProjectStatus.FAILED,
        "R4 refused the project: Failed to create the project. Please verify your input "
        "and try again.",
    ),
    # R4's own error body: nothing was made
    (
        "error_500",
        ProjectStatus.FAILED,
        "R4 had an internal error and did not create the project. Try again later.",
    ),
    (
        "rate_limit",
        ProjectStatus.FAILED,
        "R4 is limiting requests for this key (100 a minute). Try again in 30 seconds.",
    ),
    ("malformed_json", ProjectStatus.UNKNOWN, None),  # it may have been made
    ("html_error", ProjectStatus.UNKNOWN, None),  # a proxy's page: it may have been made
    ("drop", ProjectStatus.UNKNOWN, None),
    ("timeout_after_create", ProjectStatus.UNKNOWN, None),
]


@pytest.mark.parametrize(
    ("fault", "status", "message"), FAULT_OUTCOMES, ids=[fault for fault, *_ in FAULT_OUTCOMES]
)
def test_no_fault_makes_the_create_page_fail(
    client, member, r4_account, sandbox, fault, status, message
):
    client.force_login(member)
    sandbox.inject(fault, vendor="r4", delay=1.5)
    response = client.post(reverse("dashboard:project_new"), form_data(r4_account), **HX)
    assert response.status_code == 200
    project = Project.objects.get()
    assert project.status == status
    if status == ProjectStatus.FAILED:  # said on the form, which stays for another try
        assert "HX-Redirect" not in response
        assert project.error_message == message
        alert = f'<div class="form-error" role="alert"><p>{escape(message)}</p></div>'
        assert alert in response.content.decode()
    else:  # sent on to the project's page, which says the outcome is unknown
        assert response["HX-Redirect"] == reverse(
            "dashboard:project_detail", args=[project.reference]
        )
