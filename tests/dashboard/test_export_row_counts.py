"""An export counts the projects it wrote, whatever line breaks their names hold."""

import csv
import io
import itertools

import pytest
from django.urls import reverse

from dashboard import services
from dashboard.models import ProjectExport
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db(transaction=True)

# Typed names can't hold a line break; a vendor's answer or an operator can still store one.
NAMES = ["First line\nsecond line", "Windows\r\nbreak", "Old Mac\rbreak", "Plain"]


@pytest.fixture
def projects_with_line_breaks(r4_account):
    return [ProjectFactory(account=r4_account, name=name, status="created") for name in NAMES]


def test_a_built_export_counts_projects_not_line_breaks(
    client, member, projects_with_line_breaks, settings, monkeypatch
):
    settings.EXPORT_STREAM_MAX_ROWS = 2  # four projects: built in the background
    monkeypatch.setattr(services.exports, "BATCH", 3)  # and over two chunks
    client.force_login(member)

    page = client.get(client.get(reverse("dashboard:project_export"))["Location"]).content.decode()

    export = ProjectExport.objects.get()
    assert export.rows == len(NAMES) and "4 projects" in page
    download = client.get(reverse("dashboard:export_download", args=[export.reference]))
    text = b"".join(download.streaming_content).decode()
    header, *rows = csv.reader(io.StringIO(text, newline=""))
    assert sorted(row[header.index("name")] for row in rows) == sorted(NAMES)


def test_a_stream_that_breaks_says_how_many_projects_it_wrote(
    client, member, r4_account, monkeypatch
):
    for name in ("One\ntwo", "Three\r\nfour", "Five\nsix"):
        ProjectFactory(account=r4_account, name=name, status="created")
    monkeypatch.setattr(services.exports, "BATCH", 2)
    real_safe_cell, cells = services.exports.safe_cell, itertools.count(1)
    columns = len(services.exports.CSV_COLUMNS)

    def failing_in_the_third_row(value):
        if next(cells) > 2 * columns:
            raise OSError("database went away")
        return real_safe_cell(value)

    monkeypatch.setattr(services.exports, "safe_cell", failing_in_the_third_row)
    client.force_login(member)
    response = client.get(reverse("dashboard:project_export"))

    received = []
    with pytest.raises(OSError):  # after its last line, the transfer is aborted
        for part in response.streaming_content:
            received.append(part.decode())
    assert received[-1].startswith("ERROR: the export stopped after 2 rows;")
