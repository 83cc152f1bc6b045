"""`pelanggan sts keys init-dev` and `pelanggan sts keys list`: vending-key administration.

Unlike `prepaid.cli` these commands need Django: each calls the `setup` function it was built
with before touching a model (the main CLI passes its `_setup`). Output is JSON on stdout;
the development-key warning also goes to stderr; errors are one line on stderr, exit status 1.
Key values are never printed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

import typer

from pelanggan.platform.errors import DomainError


def _info_json(info: Any) -> dict[str, Any]:
    return {
        "label": info.ref.label,
        "supply_group_code": info.ref.supply_group_code,
        "key_revision_number": info.ref.key_revision_number,
        "dkga": info.ref.dkga,
        "is_development": info.is_development,
        "is_active": info.is_active,
        "created_at": None if info.created_at is None else info.created_at.isoformat(),
        "retired_at": None if info.retired_at is None else info.retired_at.isoformat(),
        "backend": info.backend,
    }


def register_key_admin_commands(app: typer.Typer, *, setup: Callable[[], None]) -> None:
    """Add `init-dev` and `list` to `app` (e.g. the `sts keys` group)."""

    @app.command("init-dev")
    def init_dev(
        supply_group_code: Annotated[
            str, typer.Option("--sgc", help="Supply group code of the development keys")
        ] = "999999",
        key_revision_number: Annotated[int, typer.Option("--krn", min=1, max=9)] = 1,
    ) -> None:
        """Generate DEVELOPMENT vending keys (DKGA02 and DKGA04); tokens made with them work
        only on simulated meters."""
        setup()
        from pelanggan.platform.audit import Actor
        from pelanggan.prepaid.services import init_development_keys

        try:
            result = init_development_keys(
                actor=Actor.system("cli"),
                supply_group_code=supply_group_code,
                key_revision_number=key_revision_number,
            )
        except DomainError as error:
            typer.echo(f"error: {error.message}", err=True)
            raise typer.Exit(1) from None
        typer.echo(f"WARNING: {result.warning}", err=True)
        typer.echo(
            json.dumps(
                {
                    "is_development": result.is_development,
                    "warning": result.warning,
                    "created": [_info_json(info) for info in result.created],
                    "existing": [_info_json(info) for info in result.existing],
                },
                indent=2,
            )
        )

    @app.command("list")
    def list_keys() -> None:
        """List the stored vending keys (never their values)."""
        setup()
        from pelanggan.prepaid.keystore import get_key_store

        try:
            keys = get_key_store().list_keys()
        except DomainError as error:
            typer.echo(f"error: {error.message}", err=True)
            raise typer.Exit(1) from None
        typer.echo(json.dumps([_info_json(info) for info in keys], indent=2))


def _django_is_configured() -> None:
    """The default `setup`: the caller has configured Django already."""


keys_admin_app = typer.Typer(
    no_args_is_help=True, add_completion=False, help="Vending keys (key store administration)"
)
register_key_admin_commands(keys_admin_app, setup=_django_is_configured)
