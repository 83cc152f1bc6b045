"""Loads the public STS vectors bundled beside the tests (a copy of
shared/data/sts_vectors_public.json, public test data) so the tests run without shared/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

VECTOR_FILE = Path(__file__).parent / "data" / "sts_vectors_public.json"
VECTORS: list[dict[str, Any]] = json.loads(VECTOR_FILE.read_text(encoding="utf-8"))


def of_kind(kind: str) -> list[Any]:
    """pytest params for the vectors of one kind, with their ids."""
    return [pytest.param(v, id=v["id"]) for v in VECTORS if v["kind"] == kind]
