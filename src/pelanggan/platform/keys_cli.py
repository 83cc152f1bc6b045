"""`pelanggan keys`: the data-key lifecycle (rotate, status, reencrypt, retire).

Not to be confused with `pelanggan sts keys` (STS vending/decoder keys). Thin commands: parse
flags, call `platform.keys`, print. When the keys come from the environment nothing is written:
the new key-ring JSON is printed for the operator to store as PELANGGAN_DATA_KEYS.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from pelanggan.platform.audit import Actor
    from pelanggan.platform.keys import RingChange

data_keys_app = typer.Typer(
    no_args_is_help=True, help="Personal-data encryption keys: rotate, status, reencrypt, retire"
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

HomeOption = Annotated[
    Path | None, typer.Option("--home", help="Data directory (default: $PELANGGAN_HOME or ./var)")
]


def _setup(home: Path | None) -> None:
    if home is not None:
        os.environ["PELANGGAN_HOME"] = str(home.resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()


def _actor() -> Actor:
    from pelanggan.platform.audit import Actor

    return Actor("cli", None, f"cli:{os.environ.get('USER', 'operator')}"[:150])


def _fail(message: str, code: int = 1) -> None:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(code)


def _show_change(change: RingChange, verb: str) -> None:
    if change.written_to is not None:
        out.print(f"{verb}; key file {change.written_to} updated", highlight=False)
        return
    err.print(
        f"{verb}. The keys come from the environment, so nothing was written: store this JSON "
        "as PELANGGAN_DATA_KEYS (or in the file PELANGGAN_DATA_KEYS_FILE names) and restart "
        "every process.",
        highlight=False,
    )
    print(change.json_to_set)


@data_keys_app.command("rotate")
def rotate(
    home: HomeOption = None,
    key_id: Annotated[str | None, typer.Option(help="Id of the new key (default kN)")] = None,
    index: Annotated[
        bool, typer.Option("--index", help="Rotate the blind-index key (needs a re-index)")
    ] = False,
) -> None:
    """Add a new data key and make it active: new writes use it, old values stay readable."""
    _setup(home)
    from pelanggan.platform import keys
    from pelanggan.platform.errors import KeyUnavailable

    if index:
        _fail(
            "rotating the blind-index key means recomputing every blind index from the decrypted "
            "values; that re-index is not implemented yet (see docs/security.md)"
        )
    actor = _actor()
    try:
        change = keys.rotate(actor=actor, key_id=key_id)
    except (keys.KeyLifecycleError, KeyUnavailable) as exc:
        _fail(str(exc))
        return
    _show_change(change, f"Data key {change.key_id} added and active")
    err.print("Next: `pelanggan keys reencrypt` moves existing rows to it.", highlight=False)


@data_keys_app.command("status")
def status(
    home: HomeOption = None, as_json: Annotated[bool, typer.Option("--json")] = False
) -> None:
    """Rows per key id in every encrypted column."""
    _setup(home)
    from pelanggan.platform import keys
    from pelanggan.platform.errors import KeyUnavailable

    try:
        ring = keys.load_ring()
    except KeyUnavailable as exc:
        _fail(str(exc))
        return
    usages = keys.usage()
    if as_json:
        payload = {
            "source": keys.key_source().describe(),
            "active": ring.active_key_id,
            "keys": sorted(ring.keys),
            "columns": {
                u.label: {"rows_by_key": u.rows_by_key, "not_encrypted": u.not_encrypted}
                for u in usages
            },
        }
        print(json.dumps(payload, indent=2))
        return
    out.print(
        f"Keys from {keys.key_source().describe()}; active: {ring.active_key_id}; "
        f"in the ring: {', '.join(sorted(ring.keys))}",
        highlight=False,
    )
    table = Table("column", *sorted(ring.keys), "other")
    totals = dict.fromkeys(ring.keys, 0)
    for u in usages:
        unknown = sum(n for kid, n in u.rows_by_key.items() if kid not in ring.keys)
        for kid in ring.keys:
            totals[kid] += u.rows_by_key.get(kid, 0)
        table.add_row(
            u.label,
            *(str(u.rows_by_key.get(kid, 0)) for kid in sorted(ring.keys)),
            str(unknown + u.not_encrypted),
        )
    out.print(table)
    for kid in sorted(ring.keys):
        if kid != ring.active_key_id:
            state = "unused, can be retired" if not totals[kid] else f"{totals[kid]} rows"
            out.print(f"{kid}: {state}", highlight=False)


@data_keys_app.command("reencrypt")
def reencrypt(
    home: HomeOption = None,
    batch: Annotated[int, typer.Option(min=1, max=100_000, help="Rows per transaction")] = 1000,
    background: Annotated[
        bool, typer.Option("--background", help="Enqueue the job for `pelanggan worker`")
    ] = False,
) -> None:
    """Move rows under older keys to the active key (resumable, safe with concurrent writes)."""
    _setup(home)
    from pelanggan.platform import keys
    from pelanggan.platform.errors import KeyUnavailable

    if background:
        from pelanggan.platform.tasks import reencrypt_data_keys

        result = reencrypt_data_keys.enqueue(batch_size=batch)
        out.print(f"Re-encryption job {result.id} enqueued", highlight=False)
        return
    actor = _actor()

    def progress(label: str, moved: int) -> None:
        err.print(f"{label}: {moved} rows moved", highlight=False)

    try:
        report = keys.reencrypt(actor=actor, batch_size=batch, progress=progress)
    except (keys.KeyLifecycleError, KeyUnavailable) as exc:
        _fail(str(exc))
        return
    out.print(
        f"{report.total_moved} values moved to key {report.active_key_id}; "
        f"{sum(report.changed_meanwhile.values())} changed meanwhile (run again), "
        f"{report.total_unreadable} unreadable",
        highlight=False,
    )
    if report.total_unreadable:
        raise typer.Exit(2)


@data_keys_app.command("retire")
def retire(
    key_id: Annotated[str, typer.Argument(help="The key id to remove from the ring")],
    home: HomeOption = None,
) -> None:
    """Remove a key from the ring; refused while any row still uses it."""
    _setup(home)
    from pelanggan.platform import keys
    from pelanggan.platform.errors import KeyUnavailable

    actor = _actor()
    try:
        change = keys.retire(key_id=key_id, actor=actor)
    except (keys.KeyLifecycleError, KeyUnavailable) as exc:
        _fail(str(exc))
        return
    _show_change(change, f"Data key {key_id} retired")
