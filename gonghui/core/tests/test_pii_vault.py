import base64

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from gonghui.accounts.models import User
from gonghui.core import pii
from gonghui.core.pii import DecryptionError, blind_index, mask_phone, mask_resident_id

NEW_KEY = "k2026:" + base64.b64encode(b"n" * 32).decode()


def raw_column(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def test_it_never_stores_the_plaintext_digits(personas):
    user = User.objects.create_user("phoneholder", password="x" * 12)
    user.phone = "13812345678"
    user.save()
    stored = raw_column("accounts_user", "phone", user.pk)
    assert "13812345678" not in stored
    assert stored.startswith(pii.key_ring().primary_id + "$")
    assert User.objects.get(pk=user.pk).phone == "13812345678"


def test_it_finds_a_row_by_blind_index(personas):
    user = User.objects.create_user("phoneholder", password="x" * 12)
    user.phone = "13912345678"
    user.save()
    found = User.objects.filter(phone_index=blind_index("13912345678", purpose="phone"))
    assert list(found) == [user]
    assert not User.objects.filter(phone_index=blind_index("13912345679", purpose="phone")).exists()


def test_it_binds_ciphertext_to_its_column():
    token = pii.encrypt("110112199001011236", aad="resident_id")
    assert pii.decrypt(token, aad="resident_id") == "110112199001011236"
    with pytest.raises(DecryptionError):
        pii.decrypt(token, aad="phone")


def test_it_refuses_tampered_ciphertext():
    token = pii.encrypt("13812345678", aad="phone")
    kid, _, body = token.partition("$")
    raw = bytearray(base64.b64decode(body))
    raw[-1] ^= 1
    with pytest.raises(DecryptionError):
        pii.decrypt(f"{kid}${base64.b64encode(bytes(raw)).decode()}", aad="phone")


def test_it_rotates_keys_and_keeps_every_value_readable(personas, settings):
    enterprise = personas.enterprise("yunrui")
    enterprise.contact_phone = "13700001111"
    enterprise.save()
    user = personas.luyuan_officer
    user.phone = "13600002222"
    user.save()
    old_ring = settings.GONGHUI_PII_KEYS
    with override_settings(GONGHUI_PII_KEYS=f"{NEW_KEY},{old_ring}"):
        call_command("rotate_pii_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
        assert raw_column("accounts_user", "phone", user.pk).startswith("k2026$")
        assert raw_column("enterprises_enterprise", "contact_phone", enterprise.pk).startswith("k2026$")
    # After rotation the old key can be dropped: the new key alone reads everything.
    with override_settings(GONGHUI_PII_KEYS=NEW_KEY):
        assert User.objects.get(pk=user.pk).phone == "13600002222"
        enterprise.refresh_from_db()
        assert enterprise.contact_phone == "13700001111"
        # The blind index does not depend on the encryption key, so lookups keep working.
        assert User.objects.filter(phone_index=blind_index("13600002222", purpose="phone")).get() == user


def test_it_masks_ids_and_phones():
    assert mask_resident_id("110112199001011236") == "110112********1236"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("") == ""


def test_it_refuses_lookups_that_cannot_work_on_ciphertext(db):
    with pytest.raises(TypeError):
        User.objects.filter(phone="13812345678").exists()


def test_it_seals_many_values_each_with_its_own_nonce():
    values = ["13812345678", "13812345678", "110112199001011236", ""]
    tokens = pii.encrypt_many(values, aad="phone")
    assert [pii.decrypt(t, aad="phone") for t in tokens] == values
    # The same value twice never gives the same ciphertext: every nonce is fresh.
    nonces = {base64.b64decode(t.partition("$")[2])[: pii.NONCE_BYTES] for t in tokens}
    assert len(nonces) == len(values)
    assert pii.encrypt_many([], aad="phone") == []


def test_its_blind_index_is_the_keyed_hmac_of_purpose_and_value(settings):
    import hashlib
    import hmac

    key = base64.b64decode(settings.GONGHUI_BLIND_INDEX_KEY)
    expected = hmac.new(key, b"phone\x0013812345678", hashlib.sha256).hexdigest()
    assert blind_index("13812345678", purpose="phone") == expected
    assert blind_index("13812345678", purpose="resident_id") != expected
