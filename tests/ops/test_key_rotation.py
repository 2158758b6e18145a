"""Key rotation: with a new data key and the old one retired, everything stays readable and searchable
while `yanglao rotate_data_key` re-encrypts the sensitive fields in batches; afterwards the old key can
go. Values from before key ids ("v1:") are rotated too; a value changed meanwhile is not overwritten."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.test import override_settings

from tests.conftest import make_id
from yanglao.core import crypto
from yanglao.core.models import AuditEntry, User
from yanglao.ops import keyrotation
from yanglao.people.models import Person
from yanglao.people.selectors import search_people

from .conftest import REPO

pytestmark = pytest.mark.django_db
OLD, NEW = "old-data-key-for-the-rotation-test", "new-data-key-for-the-rotation-test"


def _plain(person: Person) -> tuple[str, str]:
    person.refresh_from_db()
    return crypto.decrypt(person.id_number_enc), crypto.decrypt(person.phone_enc)


def test_rotation_re_encrypts_everything_under_the_new_key_and_search_still_works(jiangcheng, new_person) -> None:
    with override_settings(DATA_KEY=OLD, LOOKUP_KEY=OLD, DATA_KEYS_OLD=[]):
        people = [new_person(id_number=make_id(seq=f"{i:03d}"), phone=f"1380000{i:04d}") for i in range(7)]
        jiangcheng.totp_secret = crypto.encrypt("JBSWY3DPEHPK3PXP")
        jiangcheng.save(update_fields=["totp_secret"])
        expected = {p.pk: _plain(p) for p in people}
        old_prefix = crypto.current_prefix()
    # a value from before key ids existed, sealed with the old key
    legacy = people[0]
    with override_settings(DATA_KEY=OLD):
        import base64

        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        nonce = os.urandom(12)
        raw = AESGCM(crypto._keys(OLD)[0]).encrypt(nonce, expected[legacy.pk][0].encode(), None)
        Person.objects.filter(pk=legacy.pk).update(id_number_enc="v1:" + base64.b64encode(nonce + raw).decode())

    with override_settings(DATA_KEY=NEW, DATA_KEYS_OLD=[OLD], LOOKUP_KEY=OLD):
        new_prefix = crypto.current_prefix()
        assert new_prefix != old_prefix
        # before the rotation: old values readable, new writes under the new key, search by ID number works
        assert {p.pk: _plain(p) for p in people} == expected
        added = new_person(id_number=make_id(seq="901"))
        assert added.id_number_enc.startswith(new_prefix)
        assert search_people(jiangcheng, {"q": expected[people[3].pk][0]}).get().pk == people[3].pk
        before = keyrotation.remaining()
        assert before["people.Person.id_number_enc"] == 7 and before["people.Person.phone_enc"] == 7
        assert before["core.User.totp_secret"] == 1

        call_command("rotate_data_key", "--batch", "3", stdout=open(os.devnull, "w"))

        assert not any(keyrotation.remaining().values())
        for p in people:
            p.refresh_from_db()
            assert p.id_number_enc.startswith(new_prefix) and p.phone_enc.startswith(new_prefix)
        assert AuditEntry.objects.filter(extra__operation="rotate_data_key").exists()
    # afterwards the old key is no longer needed
    with override_settings(DATA_KEY=NEW, DATA_KEYS_OLD=[], LOOKUP_KEY=OLD):
        assert {p.pk: _plain(p) for p in people} == expected
        assert crypto.decrypt(User.objects.get(pk=jiangcheng.pk).totp_secret) == "JBSWY3DPEHPK3PXP"
        assert search_people(jiangcheng, {"q": expected[people[5].pk][0]}).get().pk == people[5].pk
    # and without it the old ciphertexts would not have opened: the rotation really changed them
    with override_settings(DATA_KEY=OLD, DATA_KEYS_OLD=[], LOOKUP_KEY=OLD), pytest.raises(ValueError):
        crypto.decrypt(Person.objects.get(pk=people[1].pk).id_number_enc)


def test_rotation_never_overwrites_a_value_changed_while_it_ran(jiangcheng, new_person) -> None:
    with override_settings(DATA_KEY=OLD, LOOKUP_KEY=OLD, DATA_KEYS_OLD=[]):
        person = new_person(id_number=make_id(seq="777"))
    with override_settings(DATA_KEY=NEW, DATA_KEYS_OLD=[OLD], LOOKUP_KEY=OLD):
        changed = crypto.encrypt("13999999999")
        real_batches = keyrotation._batches

        def batches_then_a_concurrent_edit(column, size):  # type: ignore[no-untyped-def]
            for batch in real_batches(column, size):
                if column.label == "people.Person.phone_enc":
                    Person.objects.filter(pk=person.pk).update(phone_enc=changed)  # the platform writes meanwhile
                yield batch

        keyrotation._batches = batches_then_a_concurrent_edit
        try:
            keyrotation.rotate(batch_size=10)
        finally:
            keyrotation._batches = real_batches
        person.refresh_from_db()
        assert person.phone_enc == changed and crypto.decrypt(person.phone_enc) == "13999999999"


def test_settings_refuse_a_retired_key_without_the_lookup_key() -> None:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"} | {
        "PYTHONPATH": str(REPO), "SECRET_KEY": "x" * 50, "YANGLAO_DATA_KEY": NEW, "YANGLAO_DATA_KEYS_OLD": OLD,
        "YANGLAO_DEMO": "false"}
    env.pop("YANGLAO_LOOKUP_KEY", None)
    result = subprocess.run([sys.executable, "-c", "import yanglao.config.settings"], env=env, capture_output=True,
                            text=True)
    assert result.returncode != 0 and "YANGLAO_LOOKUP_KEY" in result.stderr
