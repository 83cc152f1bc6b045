"""Audit records for console sessions: login, logout and failed login (Django auth signals)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

from pelanggan.platform import audit

ANONYMOUS = audit.Actor("anonymous", None, "anonymous")


def _staff(user: Any) -> audit.Actor:
    return audit.Actor("staff", user.pk, user.get_username())


def record_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit.record(
        "security.session.login", actor=_staff(user), subject_type="staff", subject_ids=[user.pk]
    )


def record_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None or not user.is_authenticated:
        return  # logging out without a session changes nothing
    audit.record(
        "security.session.logout", actor=_staff(user), subject_type="staff", subject_ids=[user.pk]
    )


def record_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    # The typed username is not stored: people type their password into it by mistake.
    audit.record(
        "security.session.login_failed", actor=ANONYMOUS, subject_type="staff", subject_ids=[]
    )


def connect() -> None:
    user_logged_in.connect(record_login, dispatch_uid="pelanggan.web.record_login")
    user_logged_out.connect(record_logout, dispatch_uid="pelanggan.web.record_logout")
    user_login_failed.connect(record_login_failed, dispatch_uid="pelanggan.web.record_login_failed")
