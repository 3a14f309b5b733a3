"""Any number of vendor projects can be imported: all at once, or a large selection."""

import pytest
from django.urls import reverse

from dashboard import services
from dashboard.models import AuditEvent, Project


@pytest.fixture
def many_at_vendor(sandbox, r4_account):
    listed = sandbox.vendors["r4"].projects["team0001"]
    for i in range(1200):
        remote_id = f"{i:024x}"
        listed[remote_id] = {"id": remote_id, "name": f"Vendor {i}", "externalId": None}
    return sorted(listed)


def test_import_all_adopts_every_untracked_project_in_batches(
    client, member, r4_account, many_at_vendor, monkeypatch
):
    monkeypatch.setattr(services.importing, "BATCH", 500)
    client.force_login(member)
    page = client.get(reverse("dashboard:account_import", args=[r4_account.pk])).content.decode()
    assert "Import all 1200 not tracked yet" in page
    response = client.post(reverse("dashboard:account_import", args=[r4_account.pk]), {"all": "1"})
    assert response.status_code == 302
    assert Project.objects.filter(origin="imported").count() == 1200
    assert AuditEvent.objects.filter(action="project.imported").count() == 1200
    client.post(
        reverse("dashboard:account_import", args=[r4_account.pk]), {"all": "1"}
    )  # nothing new
    assert Project.objects.count() == 1200


def test_a_selection_past_the_form_field_limit_arrives_as_one_field(
    client, member, r4_account, many_at_vendor
):
    client.force_login(member)
    chosen = many_at_vendor[:1100]
    response = client.post(
        reverse("dashboard:account_import", args=[r4_account.pk]), {"remote_ids": "\n".join(chosen)}
    )
    assert response.status_code == 302
    assert set(Project.objects.values_list("remote_id", flat=True)) == set(chosen)
