"""Console session rules: idle timeout, absolute lifetime, logout everywhere, suspension.

At sign-in the session remembers when it began and the staff member's session generation;
`StaffSessionMiddleware` ends it when it has been idle too long
(`PELANGGAN_SESSION_IDLE_SECONDS`, 30 minutes), lived too long
(`PELANGGAN_SESSION_ABSOLUTE_SECONDS`, 8 hours), the generation moved on (logout everywhere,
suspension) or the account is suspended. Django rotates the session id at sign-in.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.http import HttpRequest

from pelanggan.platform import clock

STARTED_AT = "pelanggan.session.started_at"
SEEN_AT = "pelanggan.session.seen_at"
GENERATION = "pelanggan.session.generation"
ENROLLED = "pelanggan.session.mfa_enrolled"


def idle_limit() -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, "PELANGGAN_SESSION_IDLE_SECONDS", 1800)))


def absolute_limit() -> dt.timedelta:
    seconds = int(getattr(settings, "PELANGGAN_SESSION_ABSOLUTE_SECONDS", 8 * 3600))
    return dt.timedelta(seconds=seconds)


def start(request: HttpRequest, *, generation: int) -> None:
    """Called at sign-in: the session's birth, last activity and generation."""
    now = clock.now().timestamp()
    request.session[STARTED_AT] = now
    request.session[SEEN_AT] = now
    request.session[GENERATION] = generation


def adopt_generation(request: HttpRequest, generation: int) -> None:
    """Keep the current session alive after `logout_everywhere` (the caller's own session)."""
    request.session[GENERATION] = generation


def expiry_reason(request: HttpRequest, *, generation: int, suspended: bool) -> str | None:
    """Why this session must end now ("idle", "absolute", "revoked", "suspended"), or None."""
    if suspended:
        return "suspended"
    session = request.session
    if session.get(GENERATION, 0) != generation:
        return "revoked"
    now = clock.now()
    started = session.get(STARTED_AT)
    seen = session.get(SEEN_AT)
    if isinstance(started, int | float) and now - _at(started) > absolute_limit():
        return "absolute"
    if isinstance(seen, int | float) and now - _at(seen) > idle_limit():
        return "idle"
    return None


def began_within(request: HttpRequest, window: dt.timedelta) -> bool:
    """True when this session signed in less than `window` ago."""
    started = request.session.get(STARTED_AT)
    return isinstance(started, int | float) and clock.now() - _at(started) <= window


def touch(request: HttpRequest) -> None:
    """Note activity; written at most once a minute so reads do not always save the session."""
    now = clock.now().timestamp()
    seen = request.session.get(SEEN_AT)
    if not isinstance(seen, int | float) or now - seen >= 60:
        request.session[SEEN_AT] = now


def _at(timestamp: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(timestamp, tz=dt.UTC)
