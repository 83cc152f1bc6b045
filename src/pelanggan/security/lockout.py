"""Account lockout and address throttling for staff sign-in (ASVS V6.3).

Failures are counted in the database, so the limits hold across processes and restarts:

- per account: `PELANGGAN_LOGIN_MAX_FAILURES` (5) wrong passwords or second-factor codes
  within `PELANGGAN_LOGIN_WINDOW_SECONDS` (15 minutes) lock the account for
  `PELANGGAN_LOGIN_LOCK_SECONDS` (15 minutes), or until an administrator unlocks it;
- per client address: `PELANGGAN_LOGIN_ADDRESS_MAX_FAILURES` (20) failures, whatever the names
  typed, block that address for the same time (password spraying).

A lock is audited (`security.session.locked`); the typed name and the address are never
stored in clear (the address only as a keyed hash).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction

from pelanggan.platform import audit, clock, crypto
from pelanggan.platform.errors import NotFound
from pelanggan.security.models import LoginThrottle, StaffProfile, ThrottleKind

SYSTEM = audit.Actor.system("lockout")


@dataclass(frozen=True)
class Policy:
    max_failures: int
    address_max_failures: int
    window: dt.timedelta
    lock_for: dt.timedelta


def policy() -> Policy:
    return Policy(
        max_failures=int(getattr(settings, "PELANGGAN_LOGIN_MAX_FAILURES", 5)),
        address_max_failures=int(getattr(settings, "PELANGGAN_LOGIN_ADDRESS_MAX_FAILURES", 20)),
        window=dt.timedelta(seconds=int(getattr(settings, "PELANGGAN_LOGIN_WINDOW_SECONDS", 900))),
        lock_for=dt.timedelta(seconds=int(getattr(settings, "PELANGGAN_LOGIN_LOCK_SECONDS", 900))),
    )


def client_address(request: Any) -> str:
    """The client's address: REMOTE_ADDR, or with `PELANGGAN_TRUSTED_PROXY_HOPS` = N > 0 (behind
    N reverse proxies that append to X-Forwarded-For) the address the outermost proxy saw.
    Without the setting behind a proxy every client would share the proxy's address."""
    meta = getattr(request, "META", None) or {}
    hops = int(getattr(settings, "PELANGGAN_TRUSTED_PROXY_HOPS", 0))
    if hops > 0:
        forwarded = [p.strip() for p in str(meta.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
        forwarded = [p for p in forwarded if p]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return str(meta.get("REMOTE_ADDR", "") or "")


def address_key(address: str) -> str:
    """Keyed hash of a client address (addresses are personal data)."""
    return crypto.blind_index(address.strip(), purpose="login-address")


def _locked_until(kind: str, key: str, now: dt.datetime) -> dt.datetime | None:
    row = LoginThrottle.objects.filter(kind=kind, key=key, locked_until__gt=now).first()
    return row.locked_until if row else None


def account_locked_until(user_id: int) -> dt.datetime | None:
    """When the account's lock ends, or None when it is not locked."""
    return _locked_until(ThrottleKind.ACCOUNT, str(user_id), clock.now())


def address_blocked_until(address: str) -> dt.datetime | None:
    if not address:
        return None
    return _locked_until(ThrottleKind.ADDRESS, address_key(address), clock.now())


def _count(kind: str, key: str, limit: int, now: dt.datetime) -> LoginThrottle:
    pol = policy()
    with transaction.atomic():
        row = LoginThrottle.objects.select_for_update().filter(kind=kind, key=key).first()
        if row is None:
            try:
                with transaction.atomic():
                    row = LoginThrottle.objects.create(kind=kind, key=key, window_started_at=now)
            except IntegrityError:  # a concurrent first failure created it
                row = LoginThrottle.objects.select_for_update().get(kind=kind, key=key)
        if row.locked_until is not None and row.locked_until <= now:
            row.locked_until = None
            row.failures = 0
            row.window_started_at = now
        if now - row.window_started_at > pol.window:
            row.failures = 0
            row.window_started_at = now
        row.failures += 1
        if row.failures >= limit and row.locked_until is None:
            row.locked_until = now + pol.lock_for
        row.save()
    return row


def _prune(now: dt.datetime, pol: Policy) -> None:
    """Forget counters whose window and lock are over (failures are rare: cheap enough here)."""
    stale = now - pol.window
    LoginThrottle.objects.filter(window_started_at__lt=stale).filter(
        models.Q(locked_until__isnull=True) | models.Q(locked_until__lt=now)
    ).delete()


def record_failure(*, user_id: int | None, address: str) -> None:
    """Count one failed sign-in (wrong password or second factor) and lock past the limits."""
    now = clock.now()
    pol = policy()
    _prune(now, pol)
    if user_id is not None:
        was_locked = account_locked_until(user_id) is not None
        row = _count(ThrottleKind.ACCOUNT, str(user_id), pol.max_failures, now)
        if row.locked_until is not None and not was_locked:
            audit.record(
                "security.session.locked",
                actor=SYSTEM,
                subject_type="staff",
                subject_ids=[user_id],
                changes={"scope": audit.change(None, "account")},
                reason=f"{row.failures} failed sign-ins",
            )
    if address:
        key = address_key(address)
        was_blocked = _locked_until(ThrottleKind.ADDRESS, key, now) is not None
        row = _count(ThrottleKind.ADDRESS, key, pol.address_max_failures, now)
        if row.locked_until is not None and not was_blocked:
            audit.record(
                "security.session.locked",
                actor=SYSTEM,
                subject_type="address",
                subject_ids=[key[:16]],
                changes={"scope": audit.change(None, "address")},
                reason=f"{row.failures} failed sign-ins from one address",
            )


def record_success(*, user_id: int) -> None:
    """A successful sign-in clears the account's failure count (not the address's)."""
    LoginThrottle.objects.filter(
        kind=ThrottleKind.ACCOUNT, key=str(user_id), locked_until__isnull=True
    ).delete()


def unlock_account(*, user_id: int, actor: audit.Actor, reason: str = "") -> bool:
    """Lift an account's lock now (administrators). Returns False when it was not locked."""
    if not StaffProfile.objects.filter(user_id=user_id).exists():
        raise NotFound("No staff account with this id", code="user_not_found")
    with transaction.atomic():
        was_locked = account_locked_until(user_id) is not None
        LoginThrottle.objects.filter(kind=ThrottleKind.ACCOUNT, key=str(user_id)).delete()
        if not was_locked:
            return False
        audit.record(
            "security.session.unlocked",
            actor=actor,
            subject_type="staff",
            subject_ids=[user_id],
            changes={"scope": audit.change("account", None)},
            reason=reason,
        )
    return True
