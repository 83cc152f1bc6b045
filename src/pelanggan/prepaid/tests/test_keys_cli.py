"""`keys_admin_app`: init-dev warns and is idempotent, list shows keys without values."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import typer
from typer.testing import CliRunner

from pelanggan.prepaid.keys_cli import keys_admin_app, register_key_admin_commands
from pelanggan.prepaid.keystore import reset_key_store
from pelanggan.prepaid.models import VendingKey

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_store() -> Iterator[None]:
    reset_key_store()
    yield
    reset_key_store()


def test_init_dev_then_list() -> None:
    runner = CliRunner()
    first = runner.invoke(keys_admin_app, ["init-dev", "--sgc", "999998"])
    again = runner.invoke(keys_admin_app, ["init-dev", "--sgc", "999998"])
    listed = runner.invoke(keys_admin_app, ["list"])

    assert first.exit_code == 0, first.output
    assert "WARNING: DEVELOPMENT vending keys" in first.stderr
    created = json.loads(first.stdout)
    assert created["is_development"] is True
    assert [k["label"] for k in created["created"]] == [
        "sts-vk-999998-1-dkga02",
        "sts-vk-999998-1-dkga04",
    ]
    assert json.loads(again.stdout)["created"] == []
    rows = json.loads(listed.stdout)
    assert [(k["label"], k["is_active"], k["backend"]) for k in rows] == [
        ("sts-vk-999998-1-dkga02", True, "software"),
        ("sts-vk-999998-1-dkga04", True, "software"),
    ]
    assert "sealed" not in listed.stdout
    assert VendingKey.objects.count() == 2


def test_commands_call_the_setup_they_were_given() -> None:
    calls: list[str] = []
    app = typer.Typer()
    register_key_admin_commands(app, setup=lambda: calls.append("setup"))
    result = CliRunner().invoke(app, ["list"])
    assert (result.exit_code, json.loads(result.stdout), calls) == (0, [], ["setup"])


def test_bad_supply_group_code_is_one_line_on_stderr() -> None:
    result = CliRunner().invoke(keys_admin_app, ["init-dev", "--sgc", "12"])
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: supply_group_code must have 6 digits"
