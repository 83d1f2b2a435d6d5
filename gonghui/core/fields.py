"""Model fields for the PII vault (see gonghui.core.pii)."""

from typing import Any

from django.db import models

from gonghui.core import pii


class EncryptedTextField(models.TextField):
    """Holds plaintext on the instance, AES-GCM ciphertext in the column (column name as associated data).

    Only `isnull` lookups make sense on it; look rows up through a BlindIndexField instead.
    A plain text column (not a BinaryField) keeps Django's fast bulk-insert path on PostgreSQL.
    """

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str | None:
        if value is None:
            return None
        return pii.decrypt(value, aad=str(self.column))

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return None
        return pii.encrypt(str(value), aad=str(self.column))

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name != "isnull":
            raise TypeError(f"encrypted field {self.name!r} cannot be queried with {lookup_name!r}")
        return super().get_lookup(lookup_name)


class BlindIndexField(models.CharField):
    """HMAC-SHA256 of another field's value, computed on every save (also in bulk_create).

    Indexed by default. On PostgreSQL db_index/unique on a varchar also build a second, pattern-ops index
    for LIKE, which an exact-match hash never uses; a table written in bulk (members.Person) passes
    db_index=False and declares a plain Index or UniqueConstraint in its Meta instead.
    """

    def __init__(self, *args: Any, source: str = "", purpose: str = "", **kwargs: Any):
        self.source = source
        self.purpose = purpose or source
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        kwargs["purpose"] = self.purpose
        for key, default in (("max_length", 64), ("editable", False), ("null", True), ("blank", True)):
            if kwargs.get(key, default) == default:
                kwargs.pop(key, None)
        if kwargs.get("db_index") is True:
            kwargs.pop("db_index")
        else:
            kwargs["db_index"] = False
        return name, path, args, kwargs

    def pre_save(self, model_instance: models.Model, add: bool) -> str | None:
        plain = getattr(model_instance, self.source)
        value = pii.blind_index(plain, purpose=self.purpose) if plain else None
        setattr(model_instance, self.attname, value)
        return value
