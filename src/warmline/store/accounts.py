"""Passwords (argon2id hashes) and API tokens (random, kept only as SHA-256 digests)."""

from __future__ import annotations

import hashlib
import secrets
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from warmline.errors import InvalidInputError

#: Every API token starts with this, so that a leaked one is recognisable (secret scanners, logs).
TOKEN_PREFIX = "wlt_"
MIN_PASSWORD_LENGTH = 8


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id with the RFC 9106 low-memory parameters


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``; short passwords are refused."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInputError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters", field="password")
    return _hasher().hash(password)


def check_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash``."""
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than today's (rehash on the next sign-in)."""
    try:
        return _hasher().check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@lru_cache(maxsize=1)
def _decoy_hash() -> str:
    return _hasher().hash(secrets.token_hex(16))


def spend_a_check(password: str) -> None:
    """Verify against a decoy hash, so that an unknown username takes as long as a wrong password."""
    check_password(_decoy_hash(), password)


def new_token() -> str:
    """A new API token: 256 random bits, URL-safe, with the ``wlt_`` prefix."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """What the store keeps of a token: its SHA-256 (enough, as the token is random, not a password)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
