"""Customer portal sign-in with a one-time code to the registered phone or e-mail.

The portal finds the person behind a typed phone number or e-mail (through the customer
master) and calls `start_login(person_ref=..., destination=..., channel=...)`. A 6-digit code
is generated, kept only as a keyed hash, valid for `PELANGGAN_PORTAL_CODE_SECONDS` (5 minutes)
and `MAX_ATTEMPTS` tries, and delivered through the outbox event `notifications.otp` (payload:
the code's id only). At most `MAX_CODES_PER_WINDOW` codes per account per 15 minutes.

Delivery channel here is the development one: it appends the masked destination and the code
to `PELANGGAN_HOME/dev-outbox/otp.txt` (a stand-in for the SMS gateway and mail server of the
notifications context). Codes never go to the log.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.crypto import constant_time_compare

from pelanggan.platform import audit, clock, crypto, outbox
from pelanggan.platform.errors import ValidationFailed
from pelanggan.platform.outbox import DeliveredEvent
from pelanggan.security.models import CustomerAccount, CustomerLoginCode

EVENT = "notifications.otp"
MAX_ATTEMPTS = 5
MAX_CODES_PER_WINDOW = 3
WINDOW = dt.timedelta(minutes=15)
_SEAL_CONTEXT = "security.customer.otp"
SYSTEM = audit.Actor.system("portal")


class TooManyCodes(ValidationFailed):
    status = 429
    default_code = "too_many_codes"


def code_lifetime() -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, "PELANGGAN_PORTAL_CODE_SECONDS", 300)))


def _hash(code_id: int, code: str) -> str:
    return crypto.blind_index(f"{code_id}:{code}", purpose="security.customer-otp")


def _customer_actor(account: CustomerAccount) -> audit.Actor:
    return audit.Actor("customer", account.user_id, f"customer:{account.pk}")


def account_for(person_ref: str) -> CustomerAccount:
    """The portal account of a person, created on first use (no password: codes only)."""
    account = CustomerAccount.objects.filter(person_ref=person_ref).first()
    if account is not None:
        return account
    User = get_user_model()
    user = User.objects.create_user(username=f"pelanggan-{secrets.token_hex(8)}")
    user.set_unusable_password()
    user.save(update_fields=["password"])
    return CustomerAccount.objects.create(user=user, person_ref=person_ref, created_at=clock.now())


def start_login(*, person_ref: str, destination: str, channel: str) -> int:
    """Create and send a sign-in code for the person; returns the code's id for the session.

    Raises TooManyCodes (HTTP 429) past the per-account limit. The destination must be the
    person's registered phone (E.164) or e-mail, as resolved by the caller.
    """
    if channel not in ("sms", "email"):
        raise ValidationFailed.single("channel", "invalid", "Unknown channel")
    now = clock.now()
    with transaction.atomic():
        account = account_for(person_ref)
        recent = CustomerLoginCode.objects.filter(
            account=account, created_at__gt=now - WINDOW
        ).count()
        if recent >= MAX_CODES_PER_WINDOW:
            raise TooManyCodes("Too many codes requested; wait a few minutes")
        code = f"{secrets.randbelow(10**6):06d}"
        row = CustomerLoginCode.objects.create(
            account=account,
            code_hash="",
            created_at=now,
            expires_at=now + code_lifetime(),
            channel=channel,
            sealed_message=crypto.encrypt(
                json.dumps({"to": destination, "code": code}), context=_SEAL_CONTEXT
            ),
        )
        row.code_hash = _hash(row.pk, code)
        row.save(update_fields=["code_hash"])
        outbox.publish(EVENT, {"login_code_id": row.pk, "channel": channel})
        audit.record(
            "security.customer.code_sent",
            actor=SYSTEM,
            subject_type="customer_account",
            subject_ids=[account.pk],
            changes={"channel": audit.change(None, channel)},
        )
    return int(row.pk)


def verify_login(*, login_code_id: int | None, code: str) -> AbstractBaseUser | None:
    """The customer's user when `code` is right for the pending code; None otherwise.

    Each try counts; a code is used once, expires, and dies after MAX_ATTEMPTS tries.
    """
    if login_code_id is None:
        return None
    now = clock.now()
    typed = code.strip()
    with transaction.atomic():
        row = (
            CustomerLoginCode.objects.select_for_update()
            .select_related("account__user")
            .filter(pk=login_code_id)
            .first()
        )
        if row is None:
            return None
        usable = row.used_at is None and row.expires_at > now and row.attempts < MAX_ATTEMPTS
        row.attempts += 1
        right = usable and typed.isdigit() and constant_time_compare(
            _hash(row.pk, typed), row.code_hash
        )
        if right:
            row.used_at = now
        row.save(update_fields=["attempts", "used_at"])
        audit.record(
            "security.customer.login" if right else "security.customer.login_failed",
            actor=_customer_actor(row.account) if right else SYSTEM,
            subject_type="customer_account",
            subject_ids=[row.account_id],
        )
    return row.account.user if right else None


def person_ref_of(user: Any) -> str | None:
    """The person behind a signed-in portal user, or None for anyone else."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    ref = CustomerAccount.objects.filter(user_id=user.pk).values_list("person_ref", flat=True)
    return ref.first()


def _masked(destination: str) -> str:
    if "@" in destination:
        local, _, domain = destination.partition("@")
        return f"{local[:2]}***@{domain}"
    national = "0" + destination[3:] if destination.startswith("+62") else destination
    return national[:4] + "*" * max(len(national) - 8, 0) + national[-4:]


def dev_outbox_file() -> Path:
    return Path(settings.PELANGGAN_HOME) / "dev-outbox" / "otp.txt"


@outbox.subscribe(EVENT, "security.dev_otp_channel")
def deliver_to_dev_file(event: DeliveredEvent) -> None:
    """Development channel: append the masked destination and the code to a file.

    Idempotent: the sealed message is emptied once written, so a retry writes nothing twice.
    """
    with transaction.atomic():
        row = (
            CustomerLoginCode.objects.select_for_update()
            .filter(pk=event.payload["login_code_id"])
            .first()
        )
        if row is None or not row.sealed_message:
            return
        message = json.loads(crypto.decrypt(row.sealed_message, context=_SEAL_CONTEXT))
        path = dev_outbox_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        stamp = clock.to_wib(clock.now()).strftime("%Y-%m-%d %H:%M WIB")
        minutes = max(1, int(code_lifetime().total_seconds() // 60))
        text = (
            f"{stamp} {row.channel} {_masked(message['to'])} Kode masuk Pelanggan: "
            f"{message['code']} (berlaku {minutes} menit, jangan berikan ke siapa pun)\n"
        )
        with path.open("a", encoding="utf-8") as handle:
            handle.write(text)
        row.sealed_message = ""
        row.save(update_fields=["sealed_message"])
