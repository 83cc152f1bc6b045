"""Audit records for sessions: login, logout and failed login (Django auth signals).

Staff and portal customers both sign in through Django's `login()`. A customer is not staff:
their sign-in is audited by `security.customer_login.verify_login` as
`security.customer.login` with the customer as the actor, so no staff event is written for it
here, and their sign-out is `portal.session.logout`, again with the customer as the actor.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

from pelanggan.platform import audit
from pelanggan.security.customer_login import person_ref_of

ANONYMOUS = audit.Actor("anonymous", None, "anonymous")


def _staff(user: Any) -> audit.Actor:
    return audit.Actor("staff", user.pk, user.get_username())


def _customer(user: Any) -> audit.Actor:
    return audit.Actor("customer", user.pk, user.get_username())


def _is_customer(user: Any) -> bool:
    return person_ref_of(user) is not None


def record_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if _is_customer(user):
        return  # already audited as security.customer.login (customer actor) in this request
    audit.record(
        "security.session.login", actor=_staff(user), subject_type="staff", subject_ids=[user.pk]
    )


def record_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None or not user.is_authenticated:
        return  # logging out without a session changes nothing
    if _is_customer(user):
        audit.record(
            "portal.session.logout",
            actor=_customer(user),
            subject_type="customer_user",
            subject_ids=[user.pk],
        )
        return
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
