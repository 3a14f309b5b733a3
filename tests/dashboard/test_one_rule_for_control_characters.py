"""One definition of a control character (dashboard.validation.text) for every check and every
cleaning: a name the form accepts is the name that is stored, looked up and searched, and a
vendor's name passes the very same check."""

import pytest
from django.urls import reverse

from dashboard import services
from dashboard.models import Project
from tests.factories import ProjectFactory, connect_devkit4ai


@pytest.fixture
def devkit_account(team, owner, sandbox):
    return connect_devkit4ai(team, owner, sandbox)


@pytest.mark.parametrize(
    "name",
    [
        "Cafe\u00a0Menu",  # a no-break space
        "Team 👩\u200d💻 Portal",  # a joined emoji
        "Soft\u00adhyphen app",  # a soft hyphen
    ],
)
def test_a_name_the_form_accepts_is_looked_up_when_typed_again(devkit_account, member, name):
    ProjectFactory(account=devkit_account, name=name)

    _, errors, guidance = services.project_validate(
        account=devkit_account, data={"name": name.upper()}
    )

    assert errors == {}
    assert "Another project on this account already has this name." in guidance["name"]


def test_a_tab_in_a_name_is_refused_as_typed(devkit_account, member):
    _, errors, _ = services.project_validate(account=devkit_account, data={"name": "Tab\there"})
    assert errors == {"name": "Name contains control characters; remove them."}


def test_a_tab_in_a_vendors_name_is_refused_as_a_typed_one_is(client, member, r4_account, sandbox):
    listed = sandbox.vendors["r4"].projects["team0001"]
    listed["a" * 24] = {"id": "a" * 24, "name": "Tab\there", "externalId": None}
    listed["b" * 24] = {"id": "b" * 24, "name": "Fine", "externalId": None}
    client.force_login(member)
    url = reverse("dashboard:account_import", args=[r4_account.pk])

    page = client.post(url, {"all": "1"}, follow=True).content.decode()

    assert list(Project.objects.values_list("name", flat=True)) == ["Fine"]
    assert "a name typed here would be refused: Name contains control characters" in page


def test_half_a_surrogate_pair_from_a_vendor_is_refused_and_the_rest_imported(
    client, member, r4_account, sandbox
):
    listed = sandbox.vendors["r4"].projects["team0001"]
    listed["a" * 24] = {"id": "a" * 24, "name": "Half \ud800 pair", "externalId": None}
    listed["b" * 24] = {"id": "b" * 24, "name": "Fine", "externalId": None}
    client.force_login(member)
    url = reverse("dashboard:account_import", args=[r4_account.pk])

    response = client.post(url, {"all": "1"}, follow=True)

    assert response.status_code == 200
    assert list(Project.objects.values_list("name", flat=True)) == ["Fine"]
    assert "Name contains control characters" in response.content.decode()
