"""Live validation says only what is true, and says it accessibly."""

import re
import uuid

from django.urls import reverse

from tests.factories import connect_devkit4ai, photon_account

HX = {"HTTP_HX_REQUEST": "true"}


def live(client, account, field, **values):
    data = {"account": account.pk, "idempotency_key": str(uuid.uuid4()), "_field": field, **values}
    return client.post(reverse("dashboard:project_validate"), data, **HX).content.decode()


def test_looks_good_never_sits_beside_advice_or_under_a_checkbox(
    client, team, owner, member, sandbox
):
    devkit = connect_devkit4ai(team, owner, sandbox)
    client.force_login(member)
    advice = live(client, devkit, "name", name="Test")
    assert 'class="advice"' in advice and "Looks good." not in advice
    assert "Looks good." in live(client, devkit, "name", name="Staging - Checkout API")
    photon = photon_account(team, sandbox)
    assert "Looks good." not in live(client, photon, "spectrum", name="Bot", spectrum="on")


def test_every_described_by_id_exists_and_checkbox_groups_have_a_legend(
    client, team, member, sandbox
):
    photon = photon_account(team, sandbox)
    client.force_login(member)
    page = client.get(reverse("dashboard:project_new"), {"account": photon.pk}).content.decode()
    described = re.findall(r'aria-describedby="([^"]+)"', page)
    assert described
    for ids in described:
        for target in ids.split():
            assert f'id="{target}"' in page, target
    assert page.count("<legend>Platforms</legend>") == 1
    assert page.count('aria-live="polite"') >= 4  # one stable region per field
