"""What a delivery sends: a Standard Webhooks request, or a Slack message.

A webhook's body is `{"type", "timestamp", "data"}`, serialized once, and those exact
bytes are signed (`standardwebhooks`). The webhook-id is the event's, the same on every
retry; the webhook-timestamp is the attempt's, as receivers refuse old ones. During the
overlap after a rotation both secrets sign: the header carries both signatures.
"""

from __future__ import annotations

import base64
import json
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from standardwebhooks.webhooks import Webhook

from dashboard.models import Destination, DestinationKind, OutboxEvent
from dashboard.services.event_texts import slack_message
from dashboard.validation.text import printable

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
EXCERPT_BYTES = 1024


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def rotated(stored: dict, now: datetime) -> tuple[dict, str]:
    """The secrets after a rotation, and the new one: the current one keeps signing until
    WEBHOOK_SECRET_OVERLAP_HOURS from now, and so does each one retired before it whose
    hours are not over (two rotations in a day drop no secret a receiver may still hold)."""
    fresh = new_secret()
    until = now + timedelta(hours=settings.WEBHOOK_SECRET_OVERLAP_HOURS)
    retiring = _retiring(stored, now)
    if stored.get("current"):
        retiring.append({"secret": stored["current"], "until": until.isoformat()})
    return {"current": fresh, "retiring": retiring}, fresh


def signing_secrets(stored: dict, now: datetime) -> list[str]:
    """The secrets that sign now: the current one, then each retiring one until its end."""
    signing = [stored["current"]] if stored.get("current") else []
    return signing + [kept["secret"] for kept in _retiring(stored, now)]


def _retiring(stored: dict, now: datetime) -> list[dict]:
    """Retired secrets still signing, oldest first."""
    kept = stored.get("retiring") or []
    return [k for k in kept if datetime.fromisoformat(k["until"]) > now]


def event_body(event: OutboxEvent) -> bytes:
    timestamp = event.created_at.isoformat().replace("+00:00", "Z")
    envelope = {"type": event.type, "timestamp": timestamp, "data": event.data}
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode()


def delivery_request(
    event: OutboxEvent, destination: Destination, now: datetime
) -> tuple[bytes, dict[str, str]]:
    """The body's bytes and the headers of one attempt."""
    if destination.kind == DestinationKind.SLACK:
        body = json.dumps(slack_message(event, destination.team.name)).encode()
        return body, {"Content-Type": "application/json"}
    body = event_body(event)
    signing = signing_secrets(destination.secrets, now)
    if not signing:
        raise ValueError("The destination has no signing secret.")
    msg_id = event.webhook_id
    signatures = [
        Webhook(secret).sign(msg_id=msg_id, timestamp=now, data=body) for secret in signing
    ]
    headers = {
        "Content-Type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
    return body, headers


def excerpt(text: str) -> str:
    """The first kilobyte of an answer, as printable text (line breaks kept)."""
    cut = text.encode("utf-8", errors="replace")[:EXCERPT_BYTES].decode("utf-8", errors="ignore")
    return printable(cut, multiline=True)
