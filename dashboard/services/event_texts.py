"""Events in words, for people: a mail's subject and lines, a Slack message.

Built from the event's payload only, which never holds a secret.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.models import EventType, OutboxEvent, ProjectStatus


@dataclass(frozen=True)
class EventText:
    title: str  # one line: a mail's subject, a Slack message's first line
    lines: tuple[str, ...]  # the facts, one a line
    url: str  # the page to look at


def event_text(event: OutboxEvent) -> EventText:
    data = event.data or {}
    label = EventType(event.type).label
    if "project" in data:
        return _project_text(label, data)
    if "account" in data:
        account = data["account"]
        title = f"{label}: {account.get('label', '')}"
        lines = [f"Account: {account.get('label', '')} ({account.get('vendor', '')})"]
        if data.get("reason"):
            lines.append(f"Why: {data['reason']}")
        return EventText(title, tuple(lines), account.get("url", ""))
    if "batch" in data:
        batch = data["batch"]
        counts = batch.get("counts", {})
        words = ", ".join(
            f"{counts[s]} {ProjectStatus(s).label.lower()}"
            for s in ProjectStatus.values
            if counts.get(s)
        )
        return EventText(
            f"{label}: {batch.get('name', '')}",
            (f"Projects: {words or 'none'}",),
            batch.get("url", ""),
        )
    message = data.get("message") or "A test event from the dashboard."
    return EventText(label, (str(message),), data.get("url", ""))


def _project_text(label: str, data: dict) -> EventText:
    project = data["project"]
    account = project.get("account") or {}
    lines = [
        f"Project: {project.get('name', '')}",
        f"Account: {account.get('label', '')} ({project.get('vendor', '')})",
        f"Status: {project.get('status', '')}",
    ]
    if project.get("remote_id"):
        lines.append(f"Id at the vendor: {project['remote_id']}")
    if project.get("error"):
        lines.append(f"Error: {project['error'].get('message', '')}")
    if data.get("requested_by"):
        lines.append(f"Requested by: {data['requested_by']}")
    if data.get("decided_by"):
        lines.append(f"Decided by: {data['decided_by']}")
    if data.get("comment"):
        lines.append(f"Comment: {data['comment']}")
    if data.get("changes"):
        lines.append("Changes: " + "; ".join(data["changes"]))
    return EventText(f"{label}: {project.get('name', '')}", tuple(lines), project.get("url", ""))


def slack_message(event: OutboxEvent, team_name: str) -> dict:
    """Slack's incoming-webhook body: plain text, links in Slack's own <url|words> form."""
    text = event_text(event)
    link = f"\n<{text.url}|Open in the dashboard>" if text.url else ""
    body = "\n".join(_slack_escape(line) for line in text.lines)
    return {"text": f"*{_slack_escape(text.title)}* ({_slack_escape(team_name)})\n{body}{link}"}


def _slack_escape(text: str) -> str:
    # Slack reads &, < and > as markup: a project name must not become a link or a mention.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mail_text(event: OutboxEvent, team_name: str) -> tuple[str, str]:
    """(subject, plain-text body) of one event's mail."""
    text = event_text(event)
    body = [f"{text.title}", f"Team: {team_name}", "", *text.lines]
    if text.url:
        body += ["", f"Open it: {text.url}"]
    body += ["", _FOOTER]
    return f"[{team_name}] {text.title}"[:200], "\n".join(body)


def digest_text(events: list[OutboxEvent], team_name: str) -> tuple[str, str]:
    count = len(events)
    subject = f"[{team_name}] Daily digest: {count} event{'s' if count != 1 else ''}"
    body = [f"What happened in {team_name}:", ""]
    for event in events:
        text = event_text(event)
        when = event.created_at.strftime("%Y-%m-%d %H:%M UTC")
        body.append(f"- {when} {text.title}")
        if text.url:
            body.append(f"  {text.url}")
    body += ["", _FOOTER]
    return subject, "\n".join(body)


_FOOTER = "You get this because of your email notification settings for this team."
