"""The registry of personal-data fields per context, read from `data/registry.json`.

One entry per field (`app_label.model.field`): its classification (the seed's "sangat rahasia"
/ "rahasia"), category, purpose, legal basis, retention rule, whether it goes into a data
subject's export, and what a deletion request does to it. Export, erasure and the log filter
work from this registry; a test fails when a model gains an encrypted field that is not in it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

REGISTRY_FILE = Path(__file__).resolve().parent / "data" / "registry.json"
CLASSIFICATIONS = ("sangat_rahasia", "rahasia")
LOG_MASKS = ("", "nik", "phone", "email")
ERASURE_ACTIONS = ("erase_on_request", "retain_with_account", "erase_after_retention", "keep")


@dataclass(frozen=True)
class Category:
    code: str
    label: str
    label_en: str
    classification: str


@dataclass(frozen=True)
class PersonalField:
    key: str
    context: str
    label: str
    label_en: str
    category: str
    classification: str
    purpose: str
    legal_basis: str
    retention: str
    erasure: str
    encrypted: bool
    export: bool
    blind_indexes: tuple[str, ...]
    personal: bool
    # The shape the log filter masks for this field: "nik", "phone", "email" or "".
    log_mask: str = ""


@dataclass(frozen=True)
class Registry:
    categories: dict[str, Category]
    fields: tuple[PersonalField, ...]

    def get(self, key: str) -> PersonalField | None:
        return next((f for f in self.fields if f.key == key), None)

    def keys(self) -> frozenset[str]:
        return frozenset(f.key for f in self.fields)

    def encrypted_keys(self) -> frozenset[str]:
        return frozenset(f.key for f in self.fields if f.encrypted)

    def by_erasure(self, action: str, *, context: str | None = None) -> frozenset[str]:
        return frozenset(
            f.key
            for f in self.fields
            if f.erasure == action and (context is None or f.context == context)
        )

    def log_masks(self) -> frozenset[str]:
        return frozenset(f.log_mask for f in self.fields if f.log_mask)

    def by_context(self) -> dict[str, list[PersonalField]]:
        grouped: dict[str, list[PersonalField]] = {}
        for f in self.fields:
            grouped.setdefault(f.context, []).append(f)
        return grouped


class RegistryInvalid(ValueError):
    pass


def parse_registry(raw: dict[str, object]) -> Registry:
    """Validate the registry document: known classifications, categories and actions."""
    raw_categories = raw.get("categories")
    raw_fields = raw.get("fields")
    if not isinstance(raw_categories, dict) or not isinstance(raw_fields, list):
        raise RegistryInvalid("the registry needs 'categories' and 'fields'")
    categories = {
        code: Category(code, c["label"], c["label_en"], c["classification"])
        for code, c in raw_categories.items()
    }
    fields = []
    for item in raw_fields:
        entry = PersonalField(
            key=item["key"],
            context=item["context"],
            label=item["label"],
            label_en=item["label_en"],
            category=item["category"],
            classification=item["classification"],
            purpose=item["purpose"],
            legal_basis=item["legal_basis"],
            retention=item["retention"],
            erasure=item["erasure"],
            encrypted=bool(item["encrypted"]),
            export=bool(item["export"]),
            blind_indexes=tuple(item.get("blind_indexes", ())),
            personal=bool(item.get("personal", True)),
            log_mask=str(item.get("log_mask", "")),
        )
        if entry.key.count(".") != 2 or not entry.key.startswith(entry.context + "."):
            raise RegistryInvalid(f"{entry.key}: keys are context.model.field")
        if entry.classification not in CLASSIFICATIONS:
            raise RegistryInvalid(f"{entry.key}: unknown classification {entry.classification}")
        if entry.category not in categories:
            raise RegistryInvalid(f"{entry.key}: unknown category {entry.category}")
        if entry.log_mask not in LOG_MASKS:
            raise RegistryInvalid(f"{entry.key}: unknown log mask {entry.log_mask}")
        if entry.erasure not in ERASURE_ACTIONS:
            raise RegistryInvalid(f"{entry.key}: unknown erasure action {entry.erasure}")
        fields.append(entry)
    keys = [f.key for f in fields]
    if len(keys) != len(set(keys)):
        raise RegistryInvalid("registry keys must be unique")
    return Registry(categories, tuple(fields))


@cache
def registry() -> Registry:
    return parse_registry(json.loads(REGISTRY_FILE.read_text(encoding="utf-8")))
