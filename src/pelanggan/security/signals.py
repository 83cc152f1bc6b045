"""Reactions to sign-in events: lockout counters, session bookkeeping, MFA time and audit.

The console's own audit of login/logout/failed login lives in `pelanggan.web.signals`; this
module adds what security needs. Nothing here logs or stores the typed username.
"""

from __future__ import annotations

from typing import Any

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed

from pelanggan.platform import audit
from pelanggan.security import lockout, sessions, stepup
from pelanggan.security.models import StaffProfile


def _address(request: Any) -> str:
    return lockout.client_address(request) if request is not None else ""


def _staff_actor(user: Any) -> audit.Actor:
    return audit.Actor("staff", user.pk, user.get_username())


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **_: Any
) -> None:
    username = credentials.get("username") or credentials.get("login") or ""
    user_id = (
        get_user_model().objects.filter(username=username).values_list("pk", flat=True).first()
        if username
        else None
    )
    lockout.record_failure(user_id=user_id, address=_address(request))


def on_logged_in(sender: Any, request: Any, user: Any, **_: Any) -> None:
    if request is None or not hasattr(request, "session"):
        return
    lockout.record_success(user_id=user.pk)
    generation = (
        StaffProfile.objects.filter(user_id=user.pk)
        .values_list("session_generation", flat=True)
        .first()
    )
    sessions.start(request, generation=generation or 0)


def on_mfa_used(sender: Any, request: Any, user: Any, authenticator: Any, **kwargs: Any) -> None:
    stepup.note_mfa_used(request)
    audit.record(
        "security.mfa.used",
        actor=_staff_actor(user),
        subject_type="staff",
        subject_ids=[user.pk],
        changes={
            "type": audit.change(None, str(authenticator.type)),
            "reauthenticated": audit.change(None, bool(kwargs.get("reauthenticated"))),
        },
    )


def on_mfa_failed(sender: Any, request: Any, user: Any, authenticator: Any, **_: Any) -> None:
    audit.record(
        "security.mfa.failed",
        actor=_staff_actor(user),
        subject_type="staff",
        subject_ids=[user.pk],
        changes={"type": audit.change(None, str(authenticator.type))},
    )
    lockout.record_failure(user_id=user.pk, address=_address(request))


def on_authenticator_added(
    sender: Any, request: Any, user: Any, authenticator: Any, **_: Any
) -> None:
    # Enrolling proves possession of the factor just now.
    if request is not None and str(authenticator.type) != "recovery_codes":
        stepup.note_mfa_used(request)
    audit.record(
        "security.mfa.enrolled",
        actor=_staff_actor(user),
        subject_type="staff",
        subject_ids=[user.pk],
        changes={"type": audit.change(None, str(authenticator.type))},
    )


def on_authenticator_removed(
    sender: Any, request: Any, user: Any, authenticator: Any, **_: Any
) -> None:
    audit.record(
        "security.mfa.removed",
        actor=_staff_actor(user),
        subject_type="staff",
        subject_ids=[user.pk],
        changes={"type": audit.change(str(authenticator.type), None)},
    )


def on_password_changed(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit.record(
        "security.password.changed",
        actor=_staff_actor(user),
        subject_type="staff",
        subject_ids=[user.pk],
        changes={"password": audit.change(None, "changed")},
    )


def connect() -> None:
    for signal in (account_signals.password_changed, account_signals.password_reset):
        signal.connect(on_password_changed, dispatch_uid=f"pelanggan.security.pw.{id(signal)}")
    user_login_failed.connect(on_login_failed, dispatch_uid="pelanggan.security.login_failed")
    user_logged_in.connect(on_logged_in, dispatch_uid="pelanggan.security.logged_in")
    mfa_signals.authenticator_used.connect(on_mfa_used, dispatch_uid="pelanggan.security.mfa_used")
    mfa_signals.authentication_failed.connect(
        on_mfa_failed, dispatch_uid="pelanggan.security.mfa_failed"
    )
    mfa_signals.authenticator_added.connect(
        on_authenticator_added, dispatch_uid="pelanggan.security.mfa_added"
    )
    mfa_signals.authenticator_removed.connect(
        on_authenticator_removed, dispatch_uid="pelanggan.security.mfa_removed"
    )
