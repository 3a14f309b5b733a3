"""An API client per role: requests with a bearer token, JSON in and out."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from dashboard.models import Role
from tests.dashboard.api_tokens import bearer, new_token


class ApiClient:
    """Django's test client with one token and JSON bodies."""

    def __init__(self, plaintext: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": bearer(plaintext)} if plaintext else {}

    def get(self, path: str, **params):
        return self.client.get(path, params, headers=self.headers)

    def post(self, path: str, body=None, *, key: str | None = None, raw: str | None = None):
        headers = dict(self.headers)
        if key is not None:
            headers["Idempotency-Key"] = key
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return self.client.post(path, data, content_type="application/json", headers=headers)


@pytest.fixture
def api_as():
    """api_as(user, team, role=...) -> ApiClient acting through a new token."""

    def make(user, team, *, role=Role.MEMBER, name="CI"):
        _, plaintext = new_token(user, team, role=role, name=name)
        return ApiClient(plaintext)

    return make


@pytest.fixture
def member_api(api_as, member, team):
    return api_as(member, team, role=Role.MEMBER)


@pytest.fixture
def viewer_api(api_as, viewer, team):
    return api_as(viewer, team, role=Role.VIEWER)


@pytest.fixture
def admin_api(api_as, owner, team):
    return api_as(owner, team, role=Role.ADMIN)


@pytest.fixture
def outsider_api(api_as, outsider, other_team):
    return api_as(outsider, other_team, role=Role.ADMIN)


@pytest.fixture
def anonymous_api():
    return ApiClient(None)
