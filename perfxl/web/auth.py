"""The county office's password, the session flag and the CSRF token (stdlib only).

The password is kept as a slow hash (``hashlib.scrypt``, n=2**14, r=8, p=1, a 16-byte salt) in
the text form ``scrypt$n$r$p$salt_hex$hash_hex``, compared in constant time. The session is
Starlette's signed cookie (a plain dict here): ``admin`` says the county office signed in,
``csrf`` is the token every form sends back in its hidden field ``csrf`` (or ``upload.js`` in
the ``X-CSRF-Token`` header).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import MutableMapping
from typing import Any

PASSWORD_SETTING = "admin_password"  # Store setting holding the hash
MIN_PASSWORD = 8
_N, _R, _P = 2**14, 8, 1
_DKLEN = 32
_MAXMEM = 64 * 1024 * 1024  # scrypt needs 128*n*r bytes = 16 MiB at these parameters

Session = MutableMapping[str, Any]


def hash_password(password: str) -> str:
    """The stored form of ``password``: ``scrypt$n$r$p$salt_hex$hash_hex``."""
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, _N, _R, _P)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str | None) -> bool:
    """True when ``password`` matches ``stored`` (False for a missing or malformed hash)."""
    if not stored:
        return False
    try:
        kind, n, r, p, salt_hex, hash_hex = stored.split("$")
        if kind != "scrypt":
            return False
        salt, expected = bytes.fromhex(salt_hex), bytes.fromhex(hash_hex)
        digest = _scrypt(password, salt, int(n), int(r), int(p))
    except ValueError:  # wrong field count, bad hex or numbers, parameters scrypt refuses
        return False
    return hmac.compare_digest(digest, expected)


def password_problem(password: str, again: str | None = None) -> str | None:
    """Why ``password`` cannot be the admin password (Chinese), or None."""
    if len(password) < MIN_PASSWORD:
        return f"密码至少需要 {MIN_PASSWORD} 个字符。"
    if again is not None and again != password:
        return "两次输入的密码不一致，请重新输入。"
    return None


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM, dklen=_DKLEN
    )


def csrf_token(session: Session) -> str:
    """The session's CSRF token, created on first use."""
    token = session.get("csrf")
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def csrf_ok(session: Session, sent: str | None) -> bool:
    """True when ``sent`` is the session's CSRF token (constant-time comparison)."""
    token = session.get("csrf")
    if not isinstance(token, str) or not token or not sent:
        return False
    return hmac.compare_digest(token.encode("utf-8"), sent.encode("utf-8"))


def is_admin(session: Session) -> bool:
    """True when the county office signed in with this session."""
    return session.get("admin") is True


def sign_in(session: Session) -> None:
    """Mark the session signed in, with a fresh CSRF token (no fixation of the old one)."""
    session.clear()
    session["admin"] = True
    csrf_token(session)


def sign_out(session: Session) -> None:
    """Forget everything the session held."""
    session.clear()


def same_secret(a: str | None, b: str | None) -> bool:
    """Constant-time equality of two secrets (the one-time setup token); False when either is
    missing."""
    if not a or not b:
        return False
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))
