"""A team's R4 account with a policy saved through the service, as an admin would."""

import pytest

from dashboard import services
from tests.api.conftest import api_as, member_api  # noqa: F401  (fixtures for the API tests)

ENV_APP = r"^(dev|staging|prod)-[a-z0-9-]+$"
# Passes the probes when saved (no run of one character blows it up), yet "abab…!" makes
# it backtrack without end: only the time limit stops it.
OVERLAPPING = r"^(ab|a|b)+$"
SLOW_NAME = "ab" * 60 + "!"


def set_policy(account, user, **given):
    values = {
        "name_pattern": ENV_APP,
        "name_pattern_description": "env-app, lowercase",
        "name_pattern_severity": "error",
        "required_fields": [],
        "defaults": {},
    }
    values.update(given)
    return services.policy_save(account=account, user=user, **values)


@pytest.fixture
def strict(r4_account, owner):
    """The pattern as an error, the description required, externalId defaulted."""
    return set_policy(
        r4_account, owner, required_fields=["description"], defaults={"externalId": "team-ext"}
    )


@pytest.fixture
def advisory(r4_account, owner):
    return set_policy(r4_account, owner, name_pattern_severity="advice")


@pytest.fixture
def runaway(r4_account, owner):
    return set_policy(r4_account, owner, name_pattern=OVERLAPPING, name_pattern_description="ab")
