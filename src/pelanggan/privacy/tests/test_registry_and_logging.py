"""The personal-data registry covers every encrypted field; the log filter masks personal data."""

from __future__ import annotations

import io
import logging

import pytest
from django.apps import apps

from pelanggan.customers.services.privacy import ERASABLE_KEYS
from pelanggan.platform.fields import EncryptedField
from pelanggan.privacy.logging import PersonalDataScrubFilter, scrub
from pelanggan.privacy.registry import RegistryInvalid, parse_registry, registry


def encrypted_field_keys(models: object = None) -> set[str]:
    return {
        f"{model._meta.app_label}.{model._meta.model_name}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, EncryptedField)
    }


def test_every_encrypted_model_field_is_in_the_registry() -> None:
    found = encrypted_field_keys()
    assert "customers.person.nik" in found
    assert sorted(found - registry().encrypted_keys()) == []


def test_the_walk_catches_an_encrypted_field_missing_from_the_registry() -> None:
    from django.db import models

    from pelanggan.platform.fields import EncryptedTextField

    class Scratch(models.Model):
        secret_name = EncryptedTextField()

        class Meta:
            app_label = "privacy"

    try:
        assert "privacy.scratch.secret_name" in encrypted_field_keys() - registry().keys()
    finally:
        apps.all_models["privacy"].pop("scratch")
        apps.clear_cache()


def test_registry_entries_that_say_encrypted_are_encrypted_fields() -> None:
    found = encrypted_field_keys()
    stale = sorted(k for k in registry().encrypted_keys() if k not in found)
    assert stale == []


def test_classifications_follow_the_seed_table() -> None:
    reg = registry()
    for key in (
        "customers.person.full_name",
        "customers.person.nik",
        "customers.premise.street",
        "customers.personphone.number",
    ):
        assert reg.get(key).classification == "sangat_rahasia", key  # type: ignore[union-attr]
    assert reg.get("customers.premise.latitude").classification == "rahasia"  # type: ignore[union-attr]
    assert reg.get("customers.premise.latitude").category == "data_lokasi"  # type: ignore[union-attr]


def test_every_customers_field_the_registry_erases_can_be_erased() -> None:
    reg = registry()
    erasable = reg.by_erasure("erase_on_request", context="customers") | reg.by_erasure(
        "retain_with_account", context="customers"
    )
    assert sorted(erasable - ERASABLE_KEYS) == []
    assert "customers.person.nik" in erasable


def test_a_registry_with_an_unknown_classification_is_refused() -> None:
    raw = {
        "categories": {
            "data_pribadi": {"label": "x", "label_en": "x", "classification": "rahasia"}
        },
        "fields": [
            {
                "key": "a.b.c",
                "context": "a",
                "label": "x",
                "label_en": "x",
                "category": "data_pribadi",
                "classification": "public",
                "purpose": "",
                "legal_basis": "",
                "retention": "",
                "erasure": "keep",
                "encrypted": False,
                "export": False,
            }
        ],
    }
    with pytest.raises(RegistryInvalid, match="unknown classification public"):
        parse_registry(raw)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nik 3273055207850003 ditolak", "nik 3273********0003 ditolak"),
        ("telepon 0812-3456-7890 salah", "telepon 0812****7890 salah"),
        ("telepon +62 812 3456 7890", "telepon +62 812****7890"),
        ("hp 081234567890.", "hp 0812****7890."),
        ("kirim ke siti.rahma@example.co.id", "kirim ke s***@example.co.id"),
        ("idpel 531100000001 meter 14123456789", "idpel 531100000001 meter 14123456789"),
        ("tanpa data pribadi", "tanpa data pribadi"),
    ],
)
def test_scrub_masks_nik_phone_and_email(text: str, expected: str) -> None:
    assert scrub(text) == expected


def test_the_masks_come_from_the_registry() -> None:
    assert registry().log_masks() == frozenset({"nik", "phone", "email"})
    assert registry().get("customers.person.nik").log_mask == "nik"  # type: ignore[union-attr]
    assert scrub("nik 3273055207850003", frozenset({"email"})) == "nik 3273055207850003"


def test_the_filter_masks_arguments_and_exception_text() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(PersonalDataScrubFilter())
    logger = logging.getLogger("pelanggan.tests.scrub")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("import of %s failed", "3273055207850003")
        try:
            raise ValueError("bad phone 081234567890")
        except ValueError:
            logger.exception("boom for %s", "siti@example.id")
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert "3273055207850003" not in output
    assert "081234567890" not in output
    assert "siti@example.id" not in output
    assert "import of 3273********0003 failed" in output
    assert "bad phone 0812****7890" in output
    assert "boom for s***@example.id" in output


def test_settings_wire_the_filter_into_every_handler() -> None:
    from django.conf import settings

    for handler in settings.LOGGING["handlers"].values():
        assert "scrub_personal_data" in handler["filters"]
