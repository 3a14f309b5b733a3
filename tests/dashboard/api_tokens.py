"""API tokens made for tests, as the tokens page or the command line would make them."""

from dashboard import services
from dashboard.models import Role


def bearer(plaintext: str) -> str:
    return f"Bearer {plaintext}"


def new_token(user, team, *, role=Role.MEMBER, name="CI", expires_days=90):
    """(token row, plaintext) for `user` in `team`."""
    created = services.api_token_create(
        by=user, team=team, name=name, role=role, expires_days=expires_days
    )
    return created.token, created.plaintext
