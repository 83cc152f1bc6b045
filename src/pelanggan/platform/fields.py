"""Encrypted model fields.

Values are encrypted on the way to the database and decrypted on the way out; they cannot be
filtered on (use the blind index column beside them). The column label
(`app_label.model.field`) is the associated data of every ciphertext.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from django.core.exceptions import FieldError
from django.db import models

from pelanggan.platform import crypto

# Benchmark only (see crypto.plaintext_for_benchmark): the fields store plain text inside it.
plaintext_for_benchmark = crypto.plaintext_for_benchmark


class EncryptedField(models.Field):  # type: ignore[type-arg]
    """Base: subclasses convert their Python value to and from text (stored in a text column)."""

    description = "Encrypted (AES-256-GCM) value"

    def get_internal_type(self) -> str:
        return "TextField"

    def contribute_to_class(self, cls: Any, name: str, *args: Any, **kwargs: Any) -> None:
        super().contribute_to_class(cls, name, *args, **kwargs)
        self.crypto_context = f"{cls._meta.app_label}.{cls._meta.model_name}.{name}"

    def to_text(self, value: Any) -> str:
        return str(value)

    def from_text(self, text: str) -> Any:
        return text

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        return crypto.encrypt(self.to_text(value), context=self.crypto_context)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return None
        return self.from_text(crypto.decrypt(value, context=self.crypto_context))

    def to_python(self, value: Any) -> Any:
        return value

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name != "isnull":
            raise FieldError(
                f"encrypted field {self.crypto_context} cannot be filtered by {lookup_name}; "
                "search its blind index instead"
            )
        return super().get_lookup(lookup_name)


class EncryptedTextField(EncryptedField):
    _pyi_private_set_type: str | None
    _pyi_private_get_type: str | None


class EncryptedDateField(EncryptedField):
    _pyi_private_set_type: dt.date | None
    _pyi_private_get_type: dt.date | None

    def to_text(self, value: Any) -> str:
        if not isinstance(value, dt.date):
            raise TypeError("EncryptedDateField takes a date")
        return value.isoformat()

    def from_text(self, text: str) -> dt.date:
        return dt.date.fromisoformat(text)


class EncryptedDecimalField(EncryptedField):
    _pyi_private_set_type: Decimal | None
    _pyi_private_get_type: Decimal | None

    def to_text(self, value: Any) -> str:
        return str(Decimal(value))

    def from_text(self, text: str) -> Decimal:
        return Decimal(text)


class EncryptedJSONField(EncryptedField):
    _pyi_private_set_type: Any
    _pyi_private_get_type: Any

    def to_text(self, value: Any) -> str:
        return json.dumps(value, sort_keys=True, separators=(",", ":"))

    def from_text(self, text: str) -> Any:
        return json.loads(text)
