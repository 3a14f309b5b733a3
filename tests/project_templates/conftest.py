"""A team with an R4 account and a template for it, and another team with its own."""

import pytest

from dashboard import services
from dashboard.models import AccountStatus
from tests.factories import R4AccountFactory


def save(team, user, account, **given):
    """A template saved through the service, with good values unless `given` says."""
    values = {"name": "Checkout", "name_pattern": "{app}-{env}", "defaults": {}}
    values.update(given)
    return services.template_save(team=team, user=user, account=account, **values)


@pytest.fixture
def template(team, owner, r4_account):
    return save(team, owner, r4_account, defaults={"description": "Made from a template"})


@pytest.fixture
def second_r4(team, sandbox):
    return R4AccountFactory(team=team, label="R4 second", base_url=sandbox.base_url("r4"))


@pytest.fixture
def disconnected_r4(team, sandbox):
    return R4AccountFactory(
        team=team,
        label="R4 gone",
        base_url=sandbox.base_url("r4"),
        status=AccountStatus.DISCONNECTED,
        credentials={},
    )


@pytest.fixture
def outsider_account(other_team, sandbox):
    return R4AccountFactory(team=other_team, label="Elsewhere R4", base_url=sandbox.base_url("r4"))


@pytest.fixture
def outsider_template(other_team, outsider, outsider_account):
    return save(other_team, outsider, outsider_account, name="Elsewhere secret plan")
