"""The `pelanggan` command: one entry point for operators, scripts and the demo.

Every command finds its data directory from `--home DIR`, else `PELANGGAN_HOME`, else `./var`.
Commands are thin: parse flags, call one service or selector, print the result.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from pelanggan.metering.headend.cli import ami_app, simulate_app
from pelanggan.platform.keys_cli import data_keys_app
from pelanggan.prepaid.cli import keys_app, sts_app
from pelanggan.prepaid.keys_cli import register_key_admin_commands
from pelanggan.privacy.cli import privacy_app
from pelanggan.security.cli_commands import register_security_commands

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="Pelanggan — utility customer information system",
)
users_app = typer.Typer(no_args_is_help=True, help="Staff accounts and API tokens")
customers_app = typer.Typer(no_args_is_help=True, help="The customer master (DIL)")
audit_app = typer.Typer(no_args_is_help=True, help="The audit trail")
readings_app = typer.Typer(no_args_is_help=True, help="Interval meter readings (the lake)")
app.add_typer(users_app, name="users")
app.add_typer(customers_app, name="customers")
app.add_typer(audit_app, name="audit")
app.add_typer(sts_app, name="sts")
app.add_typer(readings_app, name="readings")
app.add_typer(privacy_app, name="privacy")
app.add_typer(ami_app, name="ami")
app.add_typer(simulate_app, name="simulate")
app.add_typer(data_keys_app, name="keys")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

HomeOption = Annotated[
    Path | None, typer.Option("--home", help="Data directory (default: $PELANGGAN_HOME or ./var)")
]


def _setup(home: Path | None = None, *, settings: str | None = None) -> None:
    """Point Django at the data directory and start it. Must run before any model import."""
    if home is not None:
        os.environ["PELANGGAN_HOME"] = str(home.resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings or "config.settings.base")
    import django

    django.setup()


@app.callback()
def main_callback(home: HomeOption = None) -> None:
    if home is not None:
        os.environ["PELANGGAN_HOME"] = str(home.resolve())


def _fail(message: str, code: int = 1) -> None:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(code)


def _ensure_keys(*, quiet: bool = False) -> None:
    """Generate development data keys on first run, loudly; production supplies its own."""
    from django.conf import settings

    from pelanggan.platform import crypto

    if settings.PELANGGAN_DATA_KEYS:
        return
    path: Path = settings.PELANGGAN_DATA_KEYS_PATH
    if path.is_file():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    ring = crypto.KeyRing.generate("dev1")
    path.write_text(ring.to_json(), encoding="utf-8")
    path.chmod(0o600)
    crypto.ring_holder.set(ring)
    if not quiet:
        err.print(
            "[bold yellow]WARNING:[/bold yellow] generated DEVELOPMENT encryption keys at "
            f"{path}. Personal data is encrypted with them; keep the file safe and never use it in "
            "production (set PELANGGAN_DATA_KEYS or PELANGGAN_DATA_KEYS_FILE).",
            highlight=False,
        )


def _ensure_development_vending_keys() -> None:
    """First run of the embedded default: STS development vending keys, with a loud warning."""
    from django.conf import settings

    if settings.PELANGGAN_KEY_STORE.get("BACKEND", "software") != "software":
        return  # an HSM holds real keys; never generate development ones there
    from pelanggan.platform.audit import Actor
    from pelanggan.prepaid.keystore import get_key_store
    from pelanggan.prepaid.services import init_development_keys

    if get_key_store().list_keys():
        return  # not the first run: keys exist (development or real)
    result = init_development_keys(actor=Actor("cli", None, "cli"))
    if result.created:
        err.print(f"[bold yellow]WARNING:[/bold yellow] {result.warning}", highlight=False)


def _migrate(*, verbosity: int = 0) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=verbosity)


@app.command()
def init(home: HomeOption = None) -> None:
    """Create the data directory, development keys (first run) and the database schema."""
    _setup(home)
    _ensure_keys()
    _migrate()
    _ensure_development_vending_keys()
    from django.conf import settings

    out.print(f"Data directory ready: {settings.PELANGGAN_HOME}")


@app.command()
def migrate(home: HomeOption = None) -> None:
    """Apply database migrations."""
    _setup(home)
    _migrate(verbosity=1)


def _start_background_worker() -> threading.Event:
    """Run the job queue and the outbox in a thread of this process (the embedded default)."""
    from pelanggan.metering.tasks import start_periodic_jobs
    from pelanggan.platform.worker import run_worker

    stop = threading.Event()
    thread = threading.Thread(
        target=run_worker, kwargs={"stop": stop, "quiet": True}, daemon=True, name="worker"
    )
    thread.start()
    start_periodic_jobs(stop)  # lake compaction, enqueued for the worker when due
    return stop


def _start_live_feed() -> Any:
    """Demo data directories only: live readings from the demo's two-way meters."""
    from django.conf import settings

    from pelanggan.metering.demo_live import start_demo_live_feed

    try:
        feed = start_demo_live_feed(home=Path(settings.PELANGGAN_HOME), lake_dir=_lake_dir())
    except ValueError as exc:
        _fail(str(exc))
    if feed is not None:
        out.print(feed.description, highlight=False)
    return feed


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the server as Ctrl+C does: threads end cleanly


def _serve(host: str, port: int, *, with_worker: bool, live: bool = False) -> None:
    import signal

    from django.urls import get_resolver
    from waitress import serve as waitress_serve

    from config.wsgi import application

    # Load every URLconf (routers, allauth) now, so the first request is not the slow one.
    get_resolver().url_patterns  # noqa: B018
    stop = _start_background_worker() if with_worker else None
    feed = _start_live_feed() if live else None
    signal.signal(signal.SIGTERM, _interrupt)
    out.print(
        f"Serving Pelanggan on [bold]http://{host}:{port}/[/bold]  (Ctrl+C to stop)",
        highlight=False,
    )
    try:
        waitress_serve(application, host=host, port=port, threads=8, ident="pelanggan")
    finally:
        if feed is not None:
            feed.stop()
            out.print("Live meter data stopped.", highlight=False)
        if stop is not None:
            stop.set()


@app.command()
def serve(
    home: HomeOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    worker: Annotated[
        bool, typer.Option("--worker/--no-worker", help="Run background jobs in-process")
    ] = True,
    live: Annotated[
        bool, typer.Option("--live/--no-live", help="Demo directories: live meter data")
    ] = True,
) -> None:
    """Serve an existing data directory (production: gunicorn config.wsgi on the same app)."""
    _setup(home)
    from django.conf import settings

    if (
        not str(settings.DATABASES["default"]["ENGINE"]).endswith("postgresql")
        and not Path(str(settings.DATABASES["default"]["NAME"])).is_file()
    ):
        _fail(
            f"no database in {settings.PELANGGAN_HOME}; "
            "run `pelanggan demo` or `pelanggan init` first"
        )
    _migrate()
    _serve(host, port, with_worker=worker, live=live)


@app.command()
def worker(home: HomeOption = None) -> None:
    """Run background jobs (django-tasks database queue) and deliver outbox events."""
    _setup(home)
    from pelanggan.metering.tasks import start_periodic_jobs
    from pelanggan.platform.worker import run_worker

    out.print("Worker running (Ctrl+C to stop)")
    stop = threading.Event()
    start_periodic_jobs(stop)
    with contextlib.suppress(KeyboardInterrupt):
        run_worker(stop=stop)
    stop.set()


@app.command()
def demo(
    home: HomeOption = None,
    customers: Annotated[
        int, typer.Option(min=10, max=2_000_000, help="Number of customer accounts")
    ] = 10_000,
    seed: Annotated[
        int, typer.Option(help="Seed for the synthetic data (same seed, same utility)")
    ] = 42,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Only build the demo, do not serve it")
    ] = False,
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    live: Annotated[
        bool,
        typer.Option(
            "--live/--no-live",
            help="Live meter data while serving: over MQTT when a broker answers at "
            "PELANGGAN_MQTT_URL, else in-process",
        ),
    ] = True,
) -> None:
    """Build a demo utility with realistic synthetic data in the data directory, then serve it."""
    started = time.perf_counter()
    _setup(home)
    _ensure_keys()
    _migrate()
    _ensure_development_vending_keys()
    from pelanggan.demo import build_demo

    password = os.environ.get("PELANGGAN_DEMO_PASSWORD") or "pelanggan-demo-2026"
    result = build_demo(customers=customers, seed=seed, password=password, console=out)
    table = Table(title="Demo staff (password: PELANGGAN_DEMO_PASSWORD or the default below)")
    for column in ("username", "role", "units", "password"):
        table.add_column(column)
    for user in result.staff:
        table.add_row(
            user["username"], user["role"], ", ".join(user["units"]) or "national", password
        )
    out.print(table)
    out.print(
        "Sign-in asks for an authenticator code after the password: run "
        "`pelanggan users otp USERNAME` for the current one (demo data directories only).",
        highlight=False,
    )
    out.print(f"{result.summary}  Ready in {time.perf_counter() - started:.1f} s.", highlight=False)
    if not no_serve:
        _serve(host, port, with_worker=True, live=live)


@users_app.command("list")
def users_list(
    home: HomeOption = None, as_json: Annotated[bool, typer.Option("--json")] = False
) -> None:
    """List staff with roles and units."""
    _setup(home)
    from pelanggan.security.selectors import staff_listing

    rows = staff_listing()
    if as_json:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return
    table = Table()
    for column in ("username", "role", "units", "national", "active"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row["username"]),
            str(row["role"]),
            ", ".join(row["units"]),  # type: ignore[arg-type]
            str(row["national"]),
            str(row["active"]),
        )
    out.print(table)


@users_app.command("create")
def users_create(
    username: str,
    role: Annotated[
        str, typer.Option(help="administrator, supervisor, agent, billing_officer, ...")
    ],
    unit: Annotated[list[str] | None, typer.Option(help="Unit code (repeatable)")] = None,
    home: HomeOption = None,
) -> None:
    """Create a staff account; the password is read from PELANGGAN_NEW_PASSWORD or prompted."""
    _setup(home)
    from pelanggan.platform.audit import Actor
    from pelanggan.platform.errors import DomainError
    from pelanggan.security.roles import is_service_account
    from pelanggan.security.services import create_staff

    # A service account (head_end) has no password: it uses `users token` only.
    password = "" if is_service_account(role) else (
        os.environ.get("PELANGGAN_NEW_PASSWORD")
        or typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    )
    try:
        create_staff(
            username=username,
            password=password,
            role=role,
            unit_codes=unit or [],
            actor=Actor("cli", None, "cli"),
        )
    except DomainError as exc:
        _fail(_describe(exc))
    out.print(f"Created {username} ({role})")


@users_app.command("token")
def users_token(
    username: str,
    home: HomeOption = None,
    name: Annotated[str, typer.Option(help="What the token is for")] = "cli",
    days: Annotated[
        int, typer.Option("--expires-days", "--days", min=1, max=365, help="Days until it expires")
    ] = 90,
    scope: Annotated[
        list[str] | None,
        typer.Option(help="Permission the token is limited to (repeatable; default: the role's)"),
    ] = None,
) -> None:
    """Issue an API bearer token for USERNAME and print it (shown once)."""
    import datetime as dt

    _setup(home)
    from pelanggan.platform.audit import Actor
    from pelanggan.platform.errors import DomainError
    from pelanggan.security.services import issue_token

    try:
        _, secret = issue_token(
            username=username,
            name=name,
            actor=Actor("cli", None, "cli"),
            valid_for=dt.timedelta(days=days),
            scopes=scope or [],
        )
    except DomainError as exc:
        _fail(_describe(exc))
    sys.stdout.write(secret + "\n")


def _describe(exc: Any) -> str:
    fields = exc.details.get("fields") if isinstance(exc.details, dict) else None
    if fields:
        parts = [
            f"{name}: {', '.join(p['message'] for p in problems)}"
            for name, problems in fields.items()
        ]
        return f"{exc.message} ({'; '.join(parts)})"
    return str(exc.message)


@customers_app.command("import")
def customers_import(
    file: Annotated[Path, typer.Argument(help="DIL extract as CSV (UTF-8, header row)")],
    home: HomeOption = None,
    partial: Annotated[
        bool, typer.Option("--partial", help="Load good rows; write rejected rows to a report")
    ] = False,
    report: Annotated[
        Path | None, typer.Option(help="Where to write the error/rejected report")
    ] = None,
    scan: Annotated[
        bool, typer.Option("--scan/--no-scan", help="Run the data-quality scan afterwards")
    ] = True,
) -> None:
    """Import a DIL extract: validate every row, then all-or-nothing (or --partial)."""
    _setup(home)
    from pelanggan.customers.services import import_dil, scan_data_quality
    from pelanggan.customers.services.importer import ImportAborted
    from pelanggan.platform.audit import Actor

    if not file.is_file():
        _fail(f"{file}: no such file")
    actor = Actor("cli", None, f"cli:{os.environ.get('USER', 'operator')}")
    try:
        result = import_dil(path=file, partial=partial, actor=actor, report_path=report)
    except ImportAborted as exc:
        for problem in exc.report.problems[:20]:
            err.print(
                f"line {problem.line}, column {problem.column or '-'}: "
                f"{problem.message} [{problem.code}]",
                highlight=False,
            )
        _fail("the file is not a DIL extract; nothing was imported", 2)
        return
    out.print(
        f"{result.file_name}: {result.rows_total} rows, {result.rows_created} created, "
        f"{result.rows_unchanged} unchanged, {result.rows_rejected} rejected "
        f"in {result.seconds:.1f} s",
        highlight=False,
    )
    if result.problems:
        for problem in result.problems[:20]:
            err.print(
                f"line {problem.line}, column {problem.column}: {problem.message} [{problem.code}]",
                highlight=False,
            )
        if len(result.problems) > 20:
            err.print(f"... and {len(result.problems) - 20} more; see the report", highlight=False)
        err.print(f"Report: {result.report_path}", highlight=False)
    if not result.committed:
        _fail("nothing was imported (all-or-nothing); fix the rows or use --partial", 1)
    if scan and result.rows_created:
        scan_data_quality(actor=actor)


@customers_app.command("quality")
def customers_quality(
    home: HomeOption = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    rescan: Annotated[
        bool, typer.Option("--scan/--no-scan", help="Rescan for duplicates first")
    ] = True,
) -> None:
    """Data-quality report per ULP: completeness and consistency percentages, duplicate findings."""
    _setup(home)
    from pelanggan.customers.services import quality_report, scan_data_quality
    from pelanggan.platform.audit import Actor

    if rescan:
        scan_data_quality(actor=Actor("cli", None, "cli"))
    report = quality_report()
    if as_json:
        rows = [
            {
                "ulp_code": u.ulp_code,
                "ulp_name": u.ulp_name,
                "accounts": u.accounts,
                "completeness": {k: str(v) for k, v in u.completeness.items()},
                "completeness_overall": str(u.completeness_overall),
                "findings": u.findings,
                "consistency": str(u.consistency),
            }
            for u in report.units
        ]
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return
    table = Table(title="Kualitas data DIL per ULP (%)")
    columns = [
        "ULP",
        "accounts",
        "NIK",
        "phone",
        "e-mail",
        "birth date",
        "coordinates",
        "postcode",
        "complete",
        "consistent",
        "findings",
    ]
    for column in columns:
        table.add_column(column, justify="right" if column not in ("ULP", "findings") else "left")
    for u in report.units:
        c = u.completeness
        table.add_row(
            f"{u.ulp_code} {u.ulp_name}",
            str(u.accounts),
            *(
                str(c[k])
                for k in ("nik", "phone", "email", "birth_date", "coordinates", "postal_code")
            ),
            str(u.completeness_overall),
            str(u.consistency),
            ", ".join(f"{k}={v}" for k, v in sorted(u.findings.items())) or "-",
        )
    out.print(table)


@audit_app.command("verify")
def audit_verify(home: HomeOption = None) -> None:
    """Walk the audit hash chain; exit non-zero naming the first broken row."""
    _setup(home)
    from pelanggan.platform.audit import default_workers, verify_chain

    # This process runs no other thread, so the chain can be split over forked workers.
    report = verify_chain(workers=default_workers())
    if report.ok:
        out.print(f"Audit chain intact: {report.rows_checked} rows verified")
        return
    _fail(
        f"audit chain broken at row {report.first_broken_seq}: {report.problem} "
        f"({report.rows_checked} rows verified before it)",
        3,
    )


def _lake_dir() -> Path:
    from django.conf import settings

    return Path(settings.PELANGGAN_LAKE_DIR)


def _registered_meters_of(file: Path, mapping: Any) -> set[str] | None:
    """The file's meters that the registry knows, or ``None`` (no check) while the registry
    is empty, as on a fresh installation that imports readings before its meters."""
    from pelanggan.metering import selectors
    from pelanggan.metering.models import Meter
    from pipelines.intervals.validation import meter_numbers_in_file

    known = selectors.existing_meter_numbers(meter_numbers_in_file(file, mapping=mapping))
    if not known and not Meter.objects.exists():
        return None
    return known


@readings_app.command("import")
def readings_import(
    file: Annotated[Path, typer.Argument(help="Head-end file: CSV or Parquet")],
    home: HomeOption = None,
    mapping: Annotated[
        str, typer.Option(help="Column mapping of the head-end layout: canonical, sgsc")
    ] = "canonical",
    source_name: Annotated[str | None, typer.Option(help="Defaults to the file name")] = None,
) -> None:
    """Validate interval readings and land the good ones in the lake (idempotent)."""
    _setup(home)
    from pelanggan.platform import clock
    from pipelines.intervals.ingest import ingest_file
    from pipelines.intervals.layout import MAPPINGS, mapping_by_name

    if not file.is_file():
        _fail(f"{file}: no such file")
    if mapping not in MAPPINGS:
        _fail(f"unknown mapping {mapping!r}; known: {', '.join(sorted(MAPPINGS))}")
    try:
        report = ingest_file(
            file,
            lake_dir=_lake_dir(),
            mapping=mapping_by_name(mapping),
            source_name=source_name or file.name,
            as_of=clock.now(),
            known_meters=_registered_meters_of(file, mapping_by_name(mapping)),
        )
    except ValueError as exc:
        _fail(f"{file}: {exc}")
    out.print(
        f"{file.name}: {report.rows_read} rows, {report.rows_landed} landed, "
        f"{report.already_in_lake} already in the lake, {report.duplicates_in_file} repeated, "
        f"{report.rows_rejected} rejected, {report.conflicts} conflicts",
        highlight=False,
    )
    for row in report.rejected[:20]:
        err.print(f"{row.file}, line {row.line}: {row.reason}", highlight=False)
    if report.report_path:
        err.print(f"Report: {report.report_path}", highlight=False)
    if report.rows_rejected or report.conflicts:
        raise typer.Exit(1)


@readings_app.command("compact")
def readings_compact(
    home: HomeOption = None,
    day: Annotated[
        list[str] | None, typer.Option(help="UTC day YYYY-MM-DD (repeatable; default: all due)")
    ] = None,
    min_parts: Annotated[
        int, typer.Option(min=2, help="Without --day: compact days with at least this many parts")
    ] = 2,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Merge each lake day's small part files into one sorted file (safe beside a listener)."""
    _setup(home)
    from pelanggan.metering.tasks import compact_lake

    try:
        result = compact_lake(lake=_lake_dir(), min_parts=min_parts, days=day or None)
    except (ValueError, RuntimeError) as exc:
        _fail(str(exc))
    if as_json:
        sys.stdout.write(json.dumps(result.as_dict()) + "\n")
        return
    out.print(
        f"{len(result.days)} day(s) compacted ({result.parts_before} parts) "
        f"in {result.seconds:.1f} s" + (f": {', '.join(result.days)}" if result.days else ""),
        highlight=False,
    )


def _setup_for_keys() -> None:
    _setup()
    _ensure_keys()  # the software key store encrypts vending keys with the data keys


register_key_admin_commands(keys_app, setup=_setup_for_keys)
register_security_commands(users_app, setup=_setup, fail=_fail)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
