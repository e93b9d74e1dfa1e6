"""A stand-in for ClamAV's daemon in tests: a thread serving a unix socket that speaks clamd's
INSTREAM protocol (length-prefixed chunks ending with a zero-length chunk) and answers
`stream: Eicar-Test-Signature FOUND` when the stream contains the EICAR test string, else
`stream: OK`. No signature database can be fetched on these machines, so the real clamd is
not used; the client (sundhedsaftale.core.clamd) is tested against this."""

from __future__ import annotations

import os
import socket
import struct
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# The standard antivirus test file (not a virus); assembled so this file itself is not flagged.
EICAR = (b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*")


def _recv_exact(conn: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        part = conn.recv(n - len(data))
        if not part:
            raise ConnectionError("short read")
        data += part
    return data


def _serve_one(conn: socket.socket, received: list[bytes]) -> None:
    with conn:
        command = b""
        while not command.endswith(b"\0"):
            part = conn.recv(1)
            if not part:
                return
            command += part
        if command != b"zINSTREAM\0":
            conn.sendall(b"UNKNOWN COMMAND\0")
            return
        stream = b""
        while True:
            (length,) = struct.unpack("!I", _recv_exact(conn, 4))
            if length == 0:
                break
            stream += _recv_exact(conn, length)
        received.append(stream)
        answer = b"stream: Eicar-Test-Signature FOUND\0" if EICAR in stream else b"stream: OK\0"
        conn.sendall(answer)


@contextmanager
def clamd_standin(*, tcp: bool = False) -> Iterator[tuple[str, list[bytes]]]:
    """Serve until the block ends; yields (socket path, the streams received). With tcp=True
    it listens on 127.0.0.1 instead and yields "127.0.0.1:<port>"."""
    folder = tempfile.mkdtemp(prefix="clamd-", dir="/tmp")  # unix socket paths must be short
    path = os.path.join(folder, "clamd.sock")
    if tcp:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.bind(("127.0.0.1", 0))
        path = f"127.0.0.1:{server.getsockname()[1]}"
    else:
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(path)
    server.listen(4)
    server.settimeout(0.2)
    received: list[bytes] = []
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(5)
            _serve_one(conn, received)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield path, received
    finally:
        stop.set()
        thread.join(timeout=2)
        server.close()
        if not tcp:
            os.unlink(path)
        os.rmdir(folder)
