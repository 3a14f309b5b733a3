"""The activity feed records a batch's start and end, filters them as "Batches", and links
each to the batch's page."""

from django.urls import reverse

from dashboard import services
from dashboard.models import BatchSource
from dashboard.services import RowInput
from tests.batches.html import parse


def test_a_batch_sent_and_finished_shows_in_the_feed_linked_to_its_page(
    client, team, member, r4_account, sandbox
):
    batch = services.batch_create(
        team=team,
        user=member,
        name="Checkout environments",
        source=BatchSource.CSV,
        rows=[RowInput(account=str(r4_account.pk), fields={"name": "checkout-dev"})],
    )
    services.batch_send(batch=batch, user=member)
    client.force_login(member)
    page = parse(client.get(reverse("dashboard:activity"), {"kind": "batch"}).content)
    items = page.one("ol").find_all("li")
    assert [i.one("strong").text for i in items] == ["Batch finished", "Batch sent"]
    assert {i.one("a").attrs["href"] for i in items} == {batch.get_absolute_url()}
    assert "Batches" in [o.text for o in page.find_all("option")]
    projects_only = client.get(reverse("dashboard:activity"), {"kind": "project"}).content
    assert b"Batch sent" not in projects_only and b"Project create requested" in projects_only
