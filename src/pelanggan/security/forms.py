"""Sign-in forms (allauth subclasses) that refuse locked accounts and blocked addresses."""

from __future__ import annotations

import datetime as dt
from typing import Any

from allauth.account.forms import LoginForm
from allauth.core import context
from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from django import forms
from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.utils.formats import time_format
from django.utils.translation import gettext as _

from pelanggan.platform import clock
from pelanggan.security import lockout


def client_address(request: HttpRequest | None) -> str:
    return lockout.client_address(request) if request is not None else ""


def _locked_message(until: dt.datetime) -> str:
    return _(
        "Too many failed sign-in attempts: sign-in is locked until %(time)s WIB. "
        "Try again then, or ask an administrator to unlock the account."
    ) % {"time": time_format(clock.to_wib(until), "H:i")}


def check_not_locked(request: HttpRequest | None, user_id: int | None) -> None:
    """Raise a form error when the address is blocked or the account is locked."""
    until = lockout.address_blocked_until(client_address(request))
    if until is None and user_id is not None:
        until = lockout.account_locked_until(user_id)
    if until is not None:
        raise forms.ValidationError(_locked_message(until), code="locked")


class StaffLoginForm(LoginForm):  # type: ignore[misc]
    """allauth's username + password form, refusing before any password check while locked."""

    def clean(self) -> dict[str, Any]:
        username = str(self.data.get("login", "")).strip()
        user_id = (
            get_user_model()
            .objects.filter(username=username)
            .values_list("pk", flat=True)
            .first()
        )
        check_not_locked(self.request, user_id)
        return super().clean()  # type: ignore[no-any-return]


class StaffAuthenticateForm(AuthenticateForm):  # type: ignore[misc]
    """The second-factor step of sign-in; a locked account cannot try further codes."""

    def clean_code(self) -> str:
        check_not_locked(context.request, self.user.pk)
        return super().clean_code()  # type: ignore[no-any-return]


class StaffReauthenticateForm(ReauthenticateForm):  # type: ignore[misc]
    def clean_code(self) -> str:
        check_not_locked(context.request, self.user.pk)
        return super().clean_code()  # type: ignore[no-any-return]
