"""A raw TCP listener on loopback, for answers the sandbox cannot give: trickled, huge,
or a proxy that must never be contacted. It records every connection it accepts."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Callable

Handler = Callable[[socket.socket, bytes], None]


def read_request_head(connection: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


class RawServer:
    def __init__(
        self,
        handler: Handler | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: ssl.SSLContext | None = None,
        read_head: bool = True,
    ):
        self.handler = handler
        self.tls = tls
        self.read_head = read_head  # False: the handler gets the connection as accepted
        self.received: list[bytes] = []  # the request head of each accepted connection
        self.listener = socket.create_server((host, port))
        self.host, self.port = self.listener.getsockname()[:2]
        self.stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> RawServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stopping.set()
        self.listener.close()
        self._thread.join(timeout=10)

    def _serve(self) -> None:
        self.listener.settimeout(0.05)
        while not self.stopping.is_set():
            try:
                connection, _ = self.listener.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection: socket.socket) -> None:
        try:
            if self.tls is not None:
                connection = self.tls.wrap_socket(connection, server_side=True)
            with connection:
                head = read_request_head(connection) if self.read_head else b""
                self.received.append(head)
                if self.handler is not None:
                    self.handler(connection, head)
        except OSError:  # ssl.SSLError too
            pass  # the client hung up, or refused the certificate, as these tests expect
