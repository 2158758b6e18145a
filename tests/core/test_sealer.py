"""The bulk Sealer gives exactly what the one-value functions give, and never repeats a nonce."""

from __future__ import annotations

import base64
import os

import pytest

from yanglao.core.crypto import Sealer, decrypt, encrypt, lookup_hash

VALUES = ["44170219500101123X", "13800001234", "0662-3123456", "张三", "买买提·艾力", "a" * 200, "x"]


@pytest.mark.parametrize("purpose", ["", "id", "phone"])
def test_the_sealers_keyed_hash_is_the_lookup_hash(purpose):
    sealer = Sealer()
    for value in VALUES:
        assert sealer.hash(value, purpose=purpose) == lookup_hash(value, purpose=purpose)
    assert sealer.hash("", purpose=purpose) == lookup_hash("", purpose=purpose) == ""


def test_the_sealers_ciphertext_is_read_by_decrypt_and_the_other_way_round():
    sealer = Sealer()
    for value in VALUES:
        assert decrypt(sealer.encrypt(value)) == value
        assert decrypt(encrypt(value)) == value
    assert sealer.encrypt("") == ""


def _nonce(token: str) -> bytes:
    return base64.b64decode(token[3:])[:12]


def test_nonces_never_repeat_across_the_pool_refills():
    sealer = Sealer()
    nonces = {_nonce(sealer.encrypt("44170219500101123X")) for _ in range(3 * Sealer._NONCES + 5)}
    assert len(nonces) == 3 * Sealer._NONCES + 5


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork only")
def test_a_forked_process_does_not_reuse_its_parents_nonces():
    sealer = Sealer()
    sealer.encrypt("warm the pool")  # the parent's pool now holds 1,023 unused nonces
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: the same Sealer object, copied by the fork
        os.close(read)
        os.write(write, _nonce(sealer.encrypt("child")))
        os._exit(0)
    os.close(write)
    child = os.read(read, 12)
    os.waitpid(pid, 0)
    parent = _nonce(sealer.encrypt("parent"))
    assert child != parent
