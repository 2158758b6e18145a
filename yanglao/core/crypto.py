"""Encryption at rest for sensitive fields, and keyed hashes for exact lookup.

AES-256-GCM with a key derived from YANGLAO_DATA_KEY; a separate derived key for HMAC-SHA256
lookup hashes, so the hash reveals nothing without the key. Ciphertext is stored as text:
"v2:<key id>:" + base64(nonce || ciphertext+tag), the key id being 8 hex digits derived from the key
(`key_id`), so a value names the key that sealed it. Values written before key ids existed are
"v1:" + base64(...) and are opened with whichever configured key authenticates them.

Key rotation (docs/deployment.md): YANGLAO_DATA_KEY is the new key (it seals everything written from
then on), YANGLAO_DATA_KEYS_OLD the retired ones (they only open); `yanglao rotate_data_key` re-encrypts
the stored values in batches while the platform runs. The lookup hashes use YANGLAO_LOOKUP_KEY (the
original data key by default), which a rotation leaves alone: they are unique keys of live tables.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_LEGACY = "v1:"


@functools.cache
def _keys(master: str) -> tuple[bytes, bytes]:
    material = HKDF(algorithm=hashes.SHA256(), length=64, salt=b"yanglao-data-key", info=b"enc+mac").derive(
        master.encode("utf-8")
    )
    return material[:32], material[32:]


@functools.cache
def key_id(master: str) -> str:
    """8 hex digits naming a data key in the ciphertexts it seals (reveals nothing about the key)."""
    return hmac.digest(_keys(master)[0], b"yanglao-key-id", "sha256")[:4].hex()


def current_key_id() -> str:
    return key_id(settings.DATA_KEY)


def current_prefix() -> str:
    """What every value sealed under the current data key starts with."""
    return f"v2:{current_key_id()}:"


def _enc_key() -> bytes:
    return _keys(settings.DATA_KEY)[0]


def _mac_key() -> bytes:
    return _keys(getattr(settings, "LOOKUP_KEY", "") or settings.DATA_KEY)[1]


def _ring() -> list[str]:
    return [settings.DATA_KEY, *getattr(settings, "DATA_KEYS_OLD", [])]


def encrypt(plaintext: str) -> str:
    if plaintext == "":
        return ""
    nonce = os.urandom(12)
    sealed = AESGCM(_enc_key()).encrypt(nonce, plaintext.encode("utf-8"), None)
    return current_prefix() + base64.b64encode(nonce + sealed).decode("ascii")


def decrypt(token: str) -> str:
    if token == "":
        return ""
    if token.startswith("v2:"):
        kid, _sep, body = token[3:].partition(":")
        for master in _ring():
            if key_id(master) == kid:
                raw = base64.b64decode(body)
                return AESGCM(_keys(master)[0]).decrypt(raw[:12], raw[12:], None).decode("utf-8")
        raise ValueError(f"ciphertext sealed with data key {kid}, which is not configured (YANGLAO_DATA_KEYS_OLD)")
    if not token.startswith(_LEGACY):
        raise ValueError("unknown ciphertext format")
    raw = base64.b64decode(token[len(_LEGACY) :])
    for master in _ring():  # before key ids: the key whose tag authenticates it
        try:
            return AESGCM(_keys(master)[0]).decrypt(raw[:12], raw[12:], None).decode("utf-8")
        except InvalidTag:
            continue
    raise InvalidTag()


def token_key_id(token: str) -> str | None:
    """The key id a stored value names ("v1" for values from before key ids, None for empty)."""
    if not token:
        return None
    if token.startswith("v2:"):
        return token[3:].partition(":")[0]
    return token.partition(":")[0]


def lookup_hash(value: str, *, purpose: str = "") -> str:
    """A keyed hash (hex) for exact-match search on an encrypted value."""
    if value == "":
        return ""
    return hmac.digest(_mac_key(), f"{purpose}:{value}".encode(), "sha256").hex()


_generation = 0  # bumped in a forked child: a Sealer made before the fork never reuses its parent's nonces


def _after_fork() -> None:
    global _generation
    _generation += 1


os.register_at_fork(after_in_child=_after_fork)


class Sealer:
    """Encrypts many values with one cipher object (for set-based imports and seeding).

    The same ciphertext format and hashes as encrypt() and lookup_hash(), cheaper per value: nonces are cut
    from one os.urandom() read of 1,024 at a time (each is still 12 fresh random bytes, never reused, and a
    forked process reads its own), and the HMAC-SHA256 (RFC 2104) starts from SHA-256 states that have
    already absorbed the key's inner and outer pads, instead of keying a new HMAC for every value."""

    _NONCES = 1024

    def __init__(self) -> None:
        self._aes = AESGCM(_enc_key())
        self._prefix = current_prefix()
        key = _mac_key()  # 32 bytes: shorter than SHA-256's 64-byte block, so used as is, padded with zeros
        block = key.ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))
        self._pool = b""
        self._at = 0
        self._generation = _generation

    def _nonce(self) -> bytes:
        if self._at >= len(self._pool) or self._generation != _generation:
            self._pool, self._at, self._generation = os.urandom(12 * self._NONCES), 0, _generation
        nonce = self._pool[self._at : self._at + 12]
        self._at += 12
        return nonce

    def encrypt(self, plaintext: str) -> str:
        if plaintext == "":
            return ""
        nonce = self._nonce()
        return self._prefix + base64.b64encode(nonce + self._aes.encrypt(nonce, plaintext.encode("utf-8"), None)).decode(
            "ascii"
        )

    def hash(self, value: str, *, purpose: str = "") -> str:
        if value == "":
            return ""
        inner = self._inner.copy()
        inner.update(f"{purpose}:{value}".encode())
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()
