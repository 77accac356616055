"""Raw HTTP/1.1 over a socket: requests no well-behaved client library would send."""

from __future__ import annotations

import socket
import time


def exchange(
    port: int,
    head: bytes,
    body: bytes = b"",
    *,
    pause: float = 0.0,
    tail: bytes = b"",
    timeout: float = 20.0,
) -> bytes:
    """Sends ``head`` and ``body``, waits ``pause`` s, sends ``tail``; returns what came back.

    Returns:
        Everything the server wrote before closing (or before ``timeout``); b"" when nothing.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(head + body)
        if pause:
            time.sleep(pause)
        if tail:
            try:
                sock.sendall(tail)
            except OSError:
                pass
        chunks = []
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        except (TimeoutError, ConnectionResetError):
            pass
    return b"".join(chunks)


def status(answer: bytes) -> int:
    """The status code of a raw HTTP answer (0 when there is none)."""
    line = answer.split(b"\r\n", 1)[0].split()
    return int(line[1]) if len(line) >= 2 and line[1].isdigit() else 0


def request_head(path: str, headers: dict[str, str], method: str = "POST") -> bytes:
    """A request line and headers (the blank line included)."""
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in
                                                               headers.items()), "", ""]
    return "\r\n".join(lines).encode("latin-1")
