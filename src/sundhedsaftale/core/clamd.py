"""A small client for ClamAV's daemon (clamd): scan bytes with the INSTREAM command.

Protocol (clamd(8)): send `zINSTREAM\\0`, then the data in chunks, each prefixed with its
length as a 4-byte big-endian unsigned integer, then a zero-length chunk; clamd answers one
NUL-terminated line: `stream: OK`, `stream: <signature> FOUND`, or `... ERROR`.

Where clamd is: settings.CLAMD_SOCKET (a unix socket path) or CLAMD_HOST/CLAMD_PORT (TCP). With
neither, scanning is off (`scanner_configured()` is False) and callers say so to staff. Anything
but a clear OK or FOUND answer raises ScannerUnavailable: callers refuse the upload (fail
closed).
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass

from django.conf import settings

CHUNK = 64 * 1024


class ScannerUnavailable(Exception):
    """clamd could not be reached or gave no usable answer."""


@dataclass(frozen=True)
class ScanResult:
    clean: bool
    signature: str = ""  # the name clamd gives the finding, e.g. "Eicar-Test-Signature"


def scanner_configured() -> bool:
    return bool(getattr(settings, "CLAMD_SOCKET", "") or getattr(settings, "CLAMD_HOST", ""))


def _connect() -> socket.socket:
    timeout = float(getattr(settings, "CLAMD_TIMEOUT", 30))
    path = getattr(settings, "CLAMD_SOCKET", "")
    if path:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(path)
        except OSError:
            sock.close()
            raise
        return sock
    return socket.create_connection(
        (settings.CLAMD_HOST, int(getattr(settings, "CLAMD_PORT", 3310))), timeout=timeout)


def scan_bytes(data: bytes) -> ScanResult:
    """Scan `data` with clamd. Raises ScannerUnavailable if scanning is not configured, clamd
    cannot be reached, or its answer is neither OK nor FOUND."""
    if not scanner_configured():
        raise ScannerUnavailable("no scanner configured")
    try:
        with _connect() as sock:
            sock.sendall(b"zINSTREAM\0")
            for start in range(0, len(data), CHUNK):
                chunk = data[start:start + CHUNK]
                sock.sendall(struct.pack("!I", len(chunk)) + chunk)
            sock.sendall(struct.pack("!I", 0))
            reply = b""
            while not reply.endswith(b"\0") and len(reply) < 4096:
                part = sock.recv(4096)
                if not part:
                    break
                reply += part
    except OSError as exc:
        raise ScannerUnavailable(str(exc)) from exc
    answer = reply.rstrip(b"\0").decode("utf-8", "replace").strip()
    # "stream: OK" / "stream: Eicar-Test-Signature FOUND" (older clamd may omit "stream")
    body = answer.split(":", 1)[1].strip() if ":" in answer else answer
    if body == "OK":
        return ScanResult(clean=True)
    if body.endswith(" FOUND"):
        return ScanResult(clean=False, signature=body[: -len(" FOUND")].strip())
    raise ScannerUnavailable(f"unexpected answer: {answer[:200]!r}")
