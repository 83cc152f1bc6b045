"""`pelanggan privacy ...`: the retention job, the request queue and the field registry.

Thin: parse flags, call one service or selector, print. Django starts only when a command
runs, so importing this module (the main CLI does) stays cheap.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

privacy_app = typer.Typer(
    no_args_is_help=True, help="Personal-data protection (UU PDP): retention, requests, registry"
)
out = Console(soft_wrap=True)

HomeOption = Annotated[
    Path | None, typer.Option("--home", help="Data directory (default: $PELANGGAN_HOME or ./var)")
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table")]


def _setup(home: Path | None) -> None:
    if home is not None:
        os.environ["PELANGGAN_HOME"] = str(home.resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()


@privacy_app.command("retention")
def retention(
    home: HomeOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would happen; change nothing")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Apply the retention policy: anonymise or delete what is past its retention period."""
    _setup(home)
    from pelanggan.platform.audit import Actor
    from pelanggan.privacy.services.retention import apply_retention

    report = apply_retention(dry_run=dry_run, actor=Actor("cli", None, "cli:privacy retention"))
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "dry_run": report.dry_run,
                    "total": report.total,
                    "rules": [
                        {
                            "rule": o.rule,
                            "record_kind": o.record_kind,
                            "action": o.action,
                            "cutoff": o.cutoff.isoformat() if o.cutoff else None,
                            "count": o.count,
                        }
                        for o in report.outcomes
                    ],
                },
                indent=2,
            )
        )
        return
    title = "Retensi - uji coba, tidak ada yang diubah" if dry_run else "Retensi diterapkan"
    table = Table(title=title)
    for column in ("Aturan", "Jenis catatan", "Tindakan", "Berakhir sebelum", "Jumlah"):
        table.add_column(column, justify="right" if column == "Jumlah" else "left")
    for o in report.outcomes:
        table.add_row(
            o.rule,
            o.record_kind,
            o.action,
            o.cutoff.isoformat() if o.cutoff else "-",
            f"{o.count:,}".replace(",", "."),
        )
    out.print(table)
    verb = "akan diproses" if dry_run else "diproses"
    out.print(f"Total {report.total:,} catatan {verb}.".replace(",", "."))


@privacy_app.command("requests")
def requests_queue(
    home: HomeOption = None,
    state: Annotated[str, typer.Option(help="open, closed or all")] = "open",
    as_json: JsonFlag = False,
) -> None:
    """Data-subject requests with their deadlines, overdue first."""
    _setup(home)
    from pelanggan.platform.errors import ValidationFailed
    from pelanggan.privacy.selectors import request_queue

    try:
        rows = request_queue(state=state)
    except ValidationFailed as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(1) from exc
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        "reference": r.reference,
                        "kind": r.kind,
                        "status": r.status,
                        "idpels": r.idpels,
                        "due_at": r.due_at.isoformat(),
                        "hours_left": r.hours_left,
                        "overdue": r.overdue,
                    }
                    for r in rows
                ],
                indent=2,
            )
        )
        return
    table = Table(title="Permintaan subjek data")
    for column in ("Nomor", "Hak", "IDPEL", "Batas waktu (UTC)", "Sisa jam", "Status"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            r.reference,
            r.kind,
            ", ".join(r.idpels),
            r.due_at.isoformat(timespec="minutes"),
            ("TERLAMBAT " if r.overdue else "") + f"{r.hours_left:.1f}",
            r.status,
        )
    out.print(table)


@privacy_app.command("registry")
def registry_table(as_json: JsonFlag = False) -> None:
    """The personal-data field registry (no database needed)."""
    from pelanggan.privacy.registry import REGISTRY_FILE, registry

    if as_json:
        typer.echo(REGISTRY_FILE.read_text(encoding="utf-8"))
        return
    table = Table(title="Register data pribadi")
    for column in ("Kolom", "Klasifikasi", "Kategori", "Retensi", "Saat penghapusan"):
        table.add_column(column)
    for f in registry().fields:
        table.add_row(f.key, f.classification, f.category, f.retention, f.erasure)
    out.print(table)
