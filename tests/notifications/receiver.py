"""A webhook receiver, as a team would run one: every delivery is verified with the
`standardwebhooks` library, with each configured secret on its own, and recorded.

Run as its own process: `python tests/notifications/receiver.py PORT LOG_FILE`. It is told
what to do by `PUT /_config` (JSON):
  secrets   the signing secrets to verify with (each one tried alone)
  answers   statuses to answer first, one per delivery, then `status` (default 200)
  sleep     seconds to wait before answering the first `sleep_times` deliveries
  body      the answer's body (default "ok")
Each delivery is one JSON line in LOG_FILE: its path, webhook-id, which secrets verified
it (by index), its signatures' count, the event type, the status answered, and the time.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

_lock = threading.Lock()
_config: dict = {"secrets": [], "answers": [], "status": 200, "sleep": 0, "sleep_times": 0}
_log_path = ""


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # quiet
        pass

    def do_PUT(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with _lock:
            _config.update(json.loads(body))
        self._answer(204, b"")

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k.lower(): v for k, v in self.headers.items()}
        with _lock:
            secrets = list(_config["secrets"])
            status = _config["answers"].pop(0) if _config["answers"] else _config["status"]
            pause = _config["sleep"] if _config["sleep_times"] > 0 else 0
            _config["sleep_times"] = max(0, _config["sleep_times"] - 1)
            answer = str(_config.get("body", "ok")).encode()
        verified = []
        for index, secret in enumerate(secrets):
            try:
                Webhook(secret).verify(body, headers)
            except WebhookVerificationError:
                continue
            verified.append(index)
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = {}
        record = {
            "path": self.path,
            "webhook_id": headers.get("webhook-id"),
            "verified_with": verified,
            "signatures": len(headers.get("webhook-signature", "").split()),
            "type": parsed.get("type"),
            "text": parsed.get("text"),
            "data": parsed.get("data"),
            "status": status,
            "at": time.time(),
            "arrived": True,
        }
        with _lock, open(_log_path, "a") as log:
            log.write(json.dumps({**record, "answered": False}) + "\n")
        if pause:
            time.sleep(pause)
        self._answer(status, answer)
        with _lock, open(_log_path, "a") as log:
            log.write(json.dumps({**record, "answered": True}) + "\n")

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        if 300 <= status < 400:
            self.send_header("Location", "http://127.0.0.1:9/elsewhere")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main() -> None:
    global _log_path
    port, _log_path = int(sys.argv[1]), sys.argv[2]
    open(_log_path, "a").close()
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    print("listening", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
