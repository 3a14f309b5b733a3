"""Notifications' shared set-up: people with addresses, names that resolve as a test says."""

import socket

import pytest

from dashboard import services
from dashboard.models import DestinationKind, Role
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def admin(team):
    return MembershipFactory(
        team=team, role=Role.ADMIN, user=UserFactory(username="ada", email="ada@example.com")
    ).user


@pytest.fixture
def colleague(team):
    return MembershipFactory(
        team=team, role=Role.MEMBER, user=UserFactory(username="cole", email="cole@example.com")
    ).user


@pytest.fixture
def resolving(monkeypatch):
    """`resolving("hooks.example", "93.184.216.34", "10.0.0.5")`: the name answers each
    address in turn (the last one from then on); other names as the system resolves them."""
    answers: dict[str, list[str]] = {}
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if host in answers:
            queue = answers[host]
            address = queue.pop(0) if len(queue) > 1 else queue[0]
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)

    def set_answers(host: str, *addresses: str) -> None:
        answers[host] = list(addresses)

    return set_answers


def webhook(team, user, url, **options):
    """A webhook destination and its secret."""
    return services.destination_create(
        team=team,
        user=user,
        kind=options.pop("kind", DestinationKind.WEBHOOK),
        url=url,
        description=options.pop("description", "Ops hook"),
        event_types=options.pop("event_types", []),
        enabled=options.pop("enabled", True),
    )
