""" "May this create be retried" is one definition: the query the retry's conditional update
uses and the property the page, the admin and the services read agree on every row."""

import itertools
import uuid

from dashboard.models import NOT_FOUND_AT_VENDOR, RETRYABLE, Project, ProjectStatus
from providers.errors import ErrorKind
from tests.factories import ProjectFactory

ERROR_CODES = ["", NOT_FOUND_AT_VENDOR, "stale_pending", "name_taken"]
ERROR_KINDS = ["", *ErrorKind]


def test_the_query_and_the_property_agree_for_every_status_and_error(db):
    account = ProjectFactory().account
    combinations = list(itertools.product(ProjectStatus.values, ERROR_CODES, ERROR_KINDS))
    Project.objects.bulk_create(
        Project(
            team=account.team,
            account=account,
            vendor=account.vendor,
            name=f"{status} {code} {kind}",
            idempotency_key=uuid.uuid4(),
            status=status,
            error_code=code,
            error_kind=kind,
        )
        for status, code, kind in combinations
    )
    rows = Project.objects.filter(account=account).exclude(error_code="", error_kind="")
    by_query = set(rows.filter(RETRYABLE).values_list("pk", flat=True))
    by_property = {project.pk for project in rows if project.retryable}

    assert by_query == by_property
    # Not vacuous: some rows of each kind, and only failed ones.
    retryable = Project.objects.filter(pk__in=by_query)
    assert set(retryable.values_list("status", flat=True)) == {ProjectStatus.FAILED}
    assert retryable.filter(error_code=NOT_FOUND_AT_VENDOR, error_kind="").exists()
    assert retryable.filter(error_code="", error_kind=ErrorKind.UNAVAILABLE).exists()
    assert not retryable.filter(error_code="", error_kind=ErrorKind.OUTCOME_UNKNOWN).exists()


def test_a_failed_create_that_may_have_happened_is_not_retryable(db):
    project = ProjectFactory(
        status=ProjectStatus.FAILED, error_kind=ErrorKind.OUTCOME_UNKNOWN, error_code="x"
    )
    assert not project.retryable
    project.error_code = NOT_FOUND_AT_VENDOR
    assert project.retryable
