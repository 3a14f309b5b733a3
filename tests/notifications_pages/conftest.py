"""Fixtures: a webhook and a Slack destination of "Rocket", and one of "Elsewhere" with a
delivery of its own; receivers on loopback are let through the SSRF guard."""

import pytest

from dashboard.models import DestinationKind
from tests.notifications_pages.made import SLACK_URL, delivery_of, destination_made


@pytest.fixture(autouse=True)
def _receivers_on_loopback(settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]


@pytest.fixture
def webhook(team, owner):
    destination, secret = destination_made(team, owner)
    destination.first_secret = secret
    return destination


@pytest.fixture
def slack(team, owner):
    destination, _ = destination_made(
        team, owner, kind=DestinationKind.SLACK, url=SLACK_URL, description="#launches"
    )
    return destination


@pytest.fixture
def elsewhere(other_team, outsider):
    """A destination of the other team, with a delivery of its own team's event."""
    destination, _ = destination_made(
        other_team, outsider, url="https://127.0.0.1:9/hooks/elsewhere", description="Theirs"
    )
    delivery_of(destination, event_data={"name": "Elsewhere-only project"})
    return destination
