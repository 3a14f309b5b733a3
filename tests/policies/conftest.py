"""A team's R4 account with a policy saved through the service, as an admin would."""

import pytest

from dashboard import services
from tests.api.conftest import api_as, member_api  # noqa: F401  (fixtures for the API tests)

ENV_APP = r"^(dev|staging|prod)-[a-z0-9-]+$"
# Overlapping choices: "abab…!" makes it backtrack without end. The probes refuse it when
# saved now; one saved before they did (`slipped_in`) is stopped only by the time limits.
OVERLAPPING = r"^(ab|a|b)+$"
SLOW_NAME = "ab" * 60 + "!"


def slipped_in(policy, pattern=OVERLAPPING):
    """`pattern` stored as the policy's as if it had passed the probes when it was saved."""
    type(policy).objects.filter(pk=policy.pk).update(name_pattern=pattern)
    policy.name_pattern = pattern  # the account's own instance: it judges by it from now on
    return policy


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
    return slipped_in(set_policy(r4_account, owner, name_pattern_description="ab"))
