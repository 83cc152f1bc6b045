"""`pelanggan users ...` commands for sign-in security: codes, locks, suspension, sessions.

Registered on the `users` group by the main CLI, which passes its `setup` (start Django on the
data directory) and `fail` (print one error line and exit 1). Models are imported only after
`setup`. No command prints personal data; `users otp` prints a second-factor code and works
only in a demo data directory (built by `pelanggan demo`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

HomeOption = Annotated[
    Path | None, typer.Option("--home", help="Data directory (default: $PELANGGAN_HOME or ./var)")
]
DEMO_MARKER = Path("demo") / "DEMO-DATA-DIRECTORY"
"""Written by `pelanggan demo`: marks a data directory whose staff are demo accounts."""


def is_demo_home(home: Path) -> bool:
    return (home / DEMO_MARKER).is_file()


def mark_demo_home(home: Path) -> None:
    marker = home / DEMO_MARKER
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(
        "Demo data directory: staff are demo accounts; `pelanggan users otp` works here.\n",
        encoding="utf-8",
    )


def _user_id(username: str, fail: Callable[[str], None]) -> int:
    from django.contrib.auth import get_user_model

    user_id = (
        get_user_model().objects.filter(username=username).values_list("pk", flat=True).first()
    )
    if user_id is None:
        fail(f"no staff account named {username!r}")
        raise typer.Exit(1)
    return int(user_id)


def register_security_commands(
    app: typer.Typer, *, setup: Callable[..., None], fail: Callable[[str], None]
) -> None:
    """Add `otp`, `enrol-totp`, `unlock`, `suspend`, `reinstate`, `logout-everywhere`."""
    cli_actor_label = "cli"

    def actor() -> Any:
        from pelanggan.platform.audit import Actor

        return Actor("cli", None, cli_actor_label)

    @app.command("otp")
    def otp(username: str, home: HomeOption = None) -> None:
        """Print USERNAME's current authenticator code (demo data directories only)."""
        setup(home)
        from django.conf import settings

        from pelanggan.security.totp import current_code

        if not is_demo_home(Path(settings.PELANGGAN_HOME)):
            fail("users otp only works in a demo data directory (built by `pelanggan demo`)")
        code = current_code(_user_id(username, fail))
        if code is None:
            fail(f"{username} has no authenticator app enrolled")
        sys.stdout.write(f"{code}\n")

    @app.command("enrol-totp")
    def enrol(username: str, home: HomeOption = None) -> None:
        """Give USERNAME an authenticator app and print its otpauth:// URI (shown once)."""
        setup(home)
        from urllib.parse import quote

        from pelanggan.platform.errors import DomainError
        from pelanggan.security.services import enrol_totp

        try:
            secret = enrol_totp(user_id=_user_id(username, fail), actor=actor())
        except DomainError as exc:
            fail(exc.message)
            return
        sys.stdout.write(
            f"otpauth://totp/Pelanggan:{quote(username)}?secret={secret}&issuer=Pelanggan\n"
        )

    @app.command("unlock")
    def unlock(
        username: str,
        home: HomeOption = None,
        reason: Annotated[str, typer.Option(help="Why (kept in the audit trail)")] = "",
    ) -> None:
        """Lift a sign-in lock on USERNAME after repeated failures."""
        setup(home)
        from pelanggan.security.lockout import unlock_account

        if unlock_account(user_id=_user_id(username, fail), actor=actor(), reason=reason):
            sys.stdout.write(f"unlocked {username}\n")
        else:
            sys.stdout.write(f"{username} was not locked\n")

    @app.command("suspend")
    def suspend(
        username: str,
        reason: Annotated[str, typer.Option(help="Why (required; kept in the audit trail)")],
        home: HomeOption = None,
    ) -> None:
        """Suspend USERNAME: every session and token stops working at once."""
        setup(home)
        from pelanggan.platform.errors import DomainError
        from pelanggan.security.services import suspend_staff

        try:
            suspend_staff(_user_id(username, fail), reason=reason, actor=actor())
        except DomainError as exc:
            fail(exc.message)
        sys.stdout.write(f"suspended {username}\n")

    @app.command("reinstate")
    def reinstate(
        username: str,
        reason: Annotated[str, typer.Option(help="Why (required; kept in the audit trail)")],
        home: HomeOption = None,
    ) -> None:
        """Lift USERNAME's suspension (they sign in again)."""
        setup(home)
        from pelanggan.platform.errors import DomainError
        from pelanggan.security.services import reinstate_staff

        try:
            reinstate_staff(_user_id(username, fail), reason=reason, actor=actor())
        except DomainError as exc:
            fail(exc.message)
        sys.stdout.write(f"reinstated {username}\n")

    @app.command("logout-everywhere")
    def logout_all(username: str, home: HomeOption = None) -> None:
        """End every console session of USERNAME."""
        setup(home)
        from pelanggan.security.services import logout_everywhere

        logout_everywhere(_user_id(username, fail), actor=actor())
        sys.stdout.write(f"ended every session of {username}\n")
