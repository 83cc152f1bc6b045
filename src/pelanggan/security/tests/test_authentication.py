"""Staff authentication: MFA enrolment, step-up, lockout, password policy, sessions, tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client, RequestFactory, override_settings

from conftest import SYSTEM, Persona, mark_mfa_fresh, principal_of
from pelanggan.platform import clock
from pelanggan.platform.models import AuditEvent
from pelanggan.security import lockout, stepup, totp
from pelanggan.security.api import requires
from pelanggan.security.passwords import BreachedPasswordValidator
from pelanggan.security.roles import ROLES, Perm, Role, mfa_required
from pelanggan.security.selectors import principal_for, principal_for_token
from pelanggan.security.services import (
    create_staff,
    issue_token,
    logout_everywhere,
    reinstate_staff,
    suspend_staff,
)

pytestmark = pytest.mark.django_db

PASSWORD = "kopi-tubruk-di-cimahi-77"


def _events(prefix: str) -> list[str]:
    return list(
        AuditEvent.objects.filter(event_type__startswith=prefix)
        .order_by("seq")
        .values_list("event_type", flat=True)
    )


def _with_password(persona: Persona) -> Persona:
    persona.user.set_password(PASSWORD)
    persona.user.save()
    return persona


def _sign_in(persona: Persona, client: Client | None = None) -> Client:
    client = client or Client()
    first = client.post("/login/", {"login": persona.username, "password": PASSWORD})
    assert first.status_code == 302, first.content.decode()[:500]
    assert first["Location"] == "/accounts/2fa/authenticate/"
    second = client.post("/accounts/2fa/authenticate/", {"code": persona.otp()})
    assert second.status_code == 302
    assert second["Location"] == "/"
    return client


# ---------------------------------------------------------------- roles


def test_every_staff_role_that_sees_personal_data_requires_mfa() -> None:
    for role, definition in ROLES.items():
        if definition.permissions & {Perm.CUSTOMERS_VIEW, Perm.CUSTOMERS_SEARCH, Perm.AUDIT_VIEW}:
            assert definition.mfa_required, role
    assert not mfa_required(Role.PARTNER_CLIENT)
    assert ROLES[Role.CUSTOMER].permissions == frozenset()
    assert not ROLES[Role.CUSTOMER].staff
    assert ROLES[Role.PARTNER_CLIENT].permissions == frozenset({Perm.SELF_VIEW})


# ---------------------------------------------------------------- MFA sign-in and enrolment


def test_sign_in_needs_the_second_factor_and_a_wrong_code_is_refused(agent_a: Persona) -> None:
    _with_password(agent_a)
    client = Client()
    client.post("/login/", {"login": "agent.a", "password": PASSWORD})
    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200
    assert client.get("/").status_code == 302  # still not signed in
    assert _events("security.mfa.") == ["security.mfa.enrolled", "security.mfa.failed"]
    ok = client.post("/accounts/2fa/authenticate/", {"code": agent_a.otp()})
    assert ok["Location"] == "/"
    assert client.get("/").status_code == 200
    assert _events("security.mfa.")[-1] == "security.mfa.used"


def test_staff_without_an_authenticator_can_only_reach_enrolment(
    units: Any, django_capture_on_commit_callbacks: Any
) -> None:
    user = create_staff(
        username="baru.a",
        password=PASSWORD,
        role="agent",
        unit_codes=["53110"],
        actor=SYSTEM,
        check_password=False,
    )
    client = Client()
    signed_in = client.post("/login/", {"login": "baru.a", "password": PASSWORD})
    assert signed_in.status_code == 302
    home = client.get("/")
    assert home.status_code == 302
    assert home["Location"] == "/accounts/2fa/totp/activate/"
    assert client.get("/customers/531100000001/")["Location"] == "/accounts/2fa/totp/activate/"
    assert client.get("/api/v1/me").json()["code"] == "mfa_enrolment_required"
    partial = client.post("/customers/search/", {"q": "x"}, HTTP_HX_REQUEST="true")
    assert partial["HX-Redirect"] == "/accounts/2fa/totp/activate/"
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    assert 'class="btn btn-primary"' in page.content.decode()  # the console's look

    secret = client.session["mfa.totp.secret"]
    with django_capture_on_commit_callbacks(execute=True):
        enrolled = client.post(
            "/accounts/2fa/totp/activate/", {"code": totp.code_at(secret, clock.now())}
        )
    assert enrolled["Location"] == "/accounts/2fa/recovery-codes/"
    assert _events("security.mfa.") == ["security.mfa.enrolled", "security.mfa.enrolled"]
    assert enrolled.status_code == 302
    assert Authenticator.objects.filter(user=user, type="totp").exists()
    assert client.get("/").status_code == 200
    assert client.post("/logout/").status_code == 302


def test_the_last_authenticator_of_a_staff_member_cannot_be_removed(agent_a: Persona) -> None:
    from pelanggan.security.adapters import StaffMFAAdapter

    authenticator = Authenticator.objects.get(user=agent_a.user, type="totp")
    assert not StaffMFAAdapter().can_delete_authenticator(authenticator)


def test_totp_secrets_are_stored_encrypted(agent_a: Persona) -> None:
    stored = Authenticator.objects.get(user=agent_a.user, type="totp").data["secret"]
    secret = totp.secret_of(agent_a.user.pk)
    assert secret is not None
    assert secret not in stored
    assert len(secret) == 32


# ---------------------------------------------------------------- step-up


def _request_for(client: Client, user: Any) -> Any:
    request = RequestFactory().get("/")
    request.session = client.session
    request.user = user
    return request


def test_step_up_is_fresh_after_mfa_and_expires_on_the_platform_clock(agent_a: Persona) -> None:
    start = clock.now()
    with clock.frozen(start):
        client = _sign_in(_with_password(agent_a))
        request = _request_for(client, agent_a.user)
        assert stepup.has_recent_mfa(request)
        stepup.ensure_step_up(request)
    with clock.frozen(start + dt.timedelta(seconds=stepup.STEP_UP_SECONDS - 1)):
        assert stepup.has_recent_mfa(request)
    with clock.frozen(start + dt.timedelta(seconds=stepup.STEP_UP_SECONDS + 1)):
        assert not stepup.has_recent_mfa(request)
        with pytest.raises(stepup.StepUpRequired) as raised:
            stepup.ensure_step_up(request)
    assert (raised.value.status, raised.value.code) == (403, "step_up_required")


def test_step_up_view_redirects_to_reauthentication_and_back(agent_a: Persona) -> None:
    from django.http import HttpResponse

    @stepup.step_up_required
    def sensitive(request: Any) -> HttpResponse:
        return HttpResponse("revealed")

    client = Client()
    client.force_login(agent_a.user)
    request = _request_for(client, agent_a.user)
    request.path = request.path_info = "/customers/1/reveal/"
    request.META["QUERY_STRING"] = "field=nik"
    response = sensitive(request)
    assert response.status_code == 302
    assert response["Location"] == (
        "/accounts/2fa/reauthenticate/?next=%2Fcustomers%2F1%2Freveal%2F%3Ffield%3Dnik"
    )
    page = client.get(response["Location"])
    assert page.status_code == 200
    back = client.post(
        "/accounts/2fa/reauthenticate/?next=/customers/1/reveal/", {"code": agent_a.otp()}
    )
    assert back.status_code == 302
    assert back["Location"] == "/customers/1/reveal/"
    assert sensitive(_request_for(client, agent_a.user)).content == b"revealed"
    mark_mfa_fresh(client)  # the helper other tests use gives the same result
    assert stepup.has_recent_mfa(_request_for(client, agent_a.user))


def test_bearer_clients_step_up_with_a_current_code_once(agent_a: Persona) -> None:
    factory = RequestFactory()
    principal = principal_for_token(agent_a.token)
    without = factory.get("/api/v1/x")
    without.auth = principal
    with pytest.raises(stepup.StepUpRequired):
        stepup.ensure_step_up(without)
    code = agent_a.otp()
    wrong = factory.get("/api/v1/x", HTTP_X_PELANGGAN_OTP="123456" if code != "123456" else "1")
    wrong.auth = principal
    with pytest.raises(stepup.StepUpRequired):
        stepup.ensure_step_up(wrong)
    good = factory.get("/api/v1/x", HTTP_X_PELANGGAN_OTP=code)
    good.auth = principal
    stepup.ensure_step_up(good)
    replay = factory.get("/api/v1/x", HTTP_X_PELANGGAN_OTP=code)
    replay.auth = principal
    with pytest.raises(stepup.StepUpRequired):
        stepup.ensure_step_up(replay)


# ---------------------------------------------------------------- lockout


@override_settings(PELANGGAN_LOGIN_MAX_FAILURES=3, PELANGGAN_LOGIN_LOCK_SECONDS=600)
def test_account_locks_after_n_failures_and_unlocks_after_the_lock_time(agent_a: Persona) -> None:
    _with_password(agent_a)
    start = clock.now()
    with clock.frozen(start):
        client = Client()
        for _ in range(3):
            failed = client.post("/login/", {"login": "agent.a", "password": "salah-salah-123"})
            assert failed.status_code == 200
        locked = client.post("/login/", {"login": "agent.a", "password": PASSWORD})
        assert locked.status_code == 200
        page = locked.content.decode()
        assert "dikunci" in page
        expected = clock.to_wib(start + dt.timedelta(seconds=600)).strftime("%H:%M")
        assert f"{expected} WIB" in page
        assert "_auth_user_id" not in client.session
    assert _events("security.session.locked") == ["security.session.locked"]
    locked_event = AuditEvent.objects.get(event_type="security.session.locked")
    assert locked_event.subject_ids == [str(agent_a.user.pk)]
    with clock.frozen(start + dt.timedelta(seconds=601)):
        client.post("/login/", {"login": "agent.a", "password": PASSWORD})
        assert client.post(
            "/accounts/2fa/authenticate/", {"code": agent_a.otp()}
        )["Location"] == "/"


@override_settings(PELANGGAN_LOGIN_MAX_FAILURES=2)
def test_an_administrator_unlocks_a_locked_account(agent_a: Persona, admin: Persona) -> None:
    _with_password(agent_a)
    for _ in range(2):
        Client().post("/login/", {"login": "agent.a", "password": "salah-salah-123"})
    assert lockout.account_locked_until(agent_a.user.pk) is not None
    assert lockout.unlock_account(
        user_id=agent_a.user.pk, actor=principal_of(admin).actor, reason="called the helpdesk"
    )
    assert lockout.account_locked_until(agent_a.user.pk) is None
    assert _events("security.session.unlocked") == ["security.session.unlocked"]
    _sign_in(agent_a)


@override_settings(PELANGGAN_LOGIN_ADDRESS_MAX_FAILURES=4)
def test_one_address_spraying_many_names_is_blocked(agent_a: Persona) -> None:
    _with_password(agent_a)
    client = Client(REMOTE_ADDR="203.0.113.9")
    for name in ("budi", "sari", "joko", "dewi"):
        client.post("/login/", {"login": name, "password": "tebak-tebakan-1"})
    blocked = client.post("/login/", {"login": "agent.a", "password": PASSWORD})
    assert "dikunci" in blocked.content.decode()
    assert lockout.account_locked_until(agent_a.user.pk) is None  # the account itself is fine
    _sign_in(agent_a, Client(REMOTE_ADDR="198.51.100.7"))  # another address still works
    stored = lockout.LoginThrottle.objects.get(kind="address")
    assert "203.0.113.9" not in stored.key


@override_settings(PELANGGAN_TRUSTED_PROXY_HOPS=1)
def test_behind_a_proxy_the_forwarded_address_counts() -> None:
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.5"
    )
    assert lockout.client_address(request) == "203.0.113.5"
    with override_settings(PELANGGAN_TRUSTED_PROXY_HOPS=0):
        assert lockout.client_address(request) == "10.0.0.2"


@override_settings(PELANGGAN_LOGIN_MAX_FAILURES=2)
def test_wrong_second_factor_codes_lock_the_account(agent_a: Persona) -> None:
    _with_password(agent_a)
    client = Client()
    client.post("/login/", {"login": "agent.a", "password": PASSWORD})
    for _ in range(2):
        client.post("/accounts/2fa/authenticate/", {"code": "000001"})
    refused = client.post("/accounts/2fa/authenticate/", {"code": agent_a.otp()})
    assert refused.status_code == 200
    assert "dikunci" in refused.content.decode()
    assert "_auth_user_id" not in client.session


# ---------------------------------------------------------------- password policy


@pytest.mark.parametrize(
    "password", ["password1234", "Indonesia1945", "merdeka17081945", "iloveyou1234"]
)
def test_breached_passwords_are_rejected(password: str) -> None:
    with pytest.raises(ValidationError) as raised:
        validate_password(password)
    assert "password_breached" in [error.code for error in raised.value.error_list]


def test_length_rules_without_composition_rules() -> None:
    with pytest.raises(ValidationError) as short:
        validate_password("pendek-11ch")
    assert [e.code for e in short.value.error_list] == ["password_too_short"]
    validate_password("semua huruf kecil tanpa angka")  # no composition rules
    validate_password("k" + "opi tubruk " * 6)  # 67 characters: long passphrases fit
    with pytest.raises(ValidationError):
        validate_password("x" * 129)


def test_a_large_sorted_sha1_list_is_searched_in_place(tmp_path: Any) -> None:
    leaked = ["ini-bocor-di-forum-2024", "sandi-rahasia-kantor-9", "zebra-cross-bandung-1"]
    digests = sorted(
        hashlib.sha1(p.encode(), usedforsecurity=False).hexdigest().upper() for p in leaked
    )
    filler = [f"{n:040X}" for n in range(0, 2**160, 2**150)]
    lines = sorted([*(f"{d}:3" for d in digests), *(f"{f}:1" for f in filler)])
    path = tmp_path / "pwned.txt"
    path.write_text("\n".join(lines) + "\n")
    validator = BreachedPasswordValidator(extra_file=str(path))
    for password in leaked:
        assert validator.is_breached(password)
    assert not validator.is_breached("belum-pernah-bocor-xyz")


def test_create_staff_applies_the_policy(units: Any) -> None:
    from pelanggan.platform.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        create_staff(
            username="lemah", password="password1234", role="agent", unit_codes=[], actor=SYSTEM
        )
    assert not get_user_model().objects.filter(username="lemah").exists()


# ---------------------------------------------------------------- sessions


def test_sign_in_returns_to_the_page_asked_for(agent_a: Persona) -> None:
    _with_password(agent_a)
    client = Client()
    first = client.post(
        "/login/?next=/account/security/",
        {"login": "agent.a", "password": PASSWORD, "next": "/account/security/"},
    )
    assert first["Location"] == "/accounts/2fa/authenticate/"
    second = client.post("/accounts/2fa/authenticate/", {"code": agent_a.otp()})
    assert second["Location"] == "/account/security/"


def test_changing_the_password_applies_the_policy_and_is_audited(agent_a: Persona) -> None:
    client = _sign_in(_with_password(agent_a))
    weak = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": "password1234", "password2": "password1234"},
    )
    assert weak.status_code == 200
    assert "bocor" in weak.content.decode()
    strong = "sate-maranggi-purwakarta-9"
    changed = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": strong, "password2": strong},
    )
    assert changed.status_code == 302
    agent_a.user.refresh_from_db()
    assert agent_a.user.check_password(strong)
    assert _events("security.password.") == ["security.password.changed"]


def test_session_id_rotates_at_sign_in(agent_a: Persona) -> None:
    client = Client()
    client.get("/login/")
    client.post("/login/", {"login": "agent.a", "password": "nope-nope-nope"})
    before = client.session.session_key
    _sign_in(_with_password(agent_a), client)
    assert client.session.session_key != before


@override_settings(PELANGGAN_SESSION_IDLE_SECONDS=600, PELANGGAN_SESSION_ABSOLUTE_SECONDS=3600)
def test_idle_and_absolute_session_limits(agent_a: Persona) -> None:
    start = clock.now()
    with clock.frozen(start):
        client = _sign_in(_with_password(agent_a))
    with clock.frozen(start + dt.timedelta(seconds=500)):
        assert client.get("/").status_code == 200
    with clock.frozen(start + dt.timedelta(seconds=1200)):
        assert client.get("/")["Location"] == "/login/?next=/"
    cache.clear()  # the same TOTP code again within its 30 seconds
    with clock.frozen(start):
        client = _sign_in(agent_a)
    for minutes in range(9, 70, 9):
        with clock.frozen(start + dt.timedelta(minutes=minutes)):
            response = client.get("/")
    assert response.status_code == 302  # 63 minutes: past the absolute limit despite activity
    assert _events("security.session.expired") == [
        "security.session.expired",
        "security.session.expired",
    ]


def test_logout_everywhere_ends_every_session(agent_a: Persona) -> None:
    first = _sign_in(_with_password(agent_a))
    second = Client()
    second.force_login(agent_a.user)
    assert first.get("/").status_code == 200
    assert second.get("/").status_code == 200
    logout_everywhere(agent_a.user.pk, actor=principal_of(agent_a).actor)
    assert first.get("/").status_code == 302
    assert second.get("/").status_code == 302
    assert _events("security.session.revoked_all") == ["security.session.revoked_all"]


# ---------------------------------------------------------------- suspension


def test_suspension_stops_sessions_and_tokens_at_once(agent_a: Persona, admin: Persona) -> None:
    client = Client()
    client.force_login(agent_a.user)
    assert agent_a.client().get("/api/v1/me").status_code == 200
    suspend_staff(agent_a.user.pk, reason="burst of lookups", actor=principal_of(admin).actor)
    suspend_staff(agent_a.user.pk, reason="again", actor=principal_of(admin).actor)  # idempotent
    assert principal_for_token(agent_a.token) is None
    agent_a.user.refresh_from_db()
    assert principal_for(agent_a.user) is None
    assert agent_a.client().get("/api/v1/me").status_code == 401
    assert client.get("/").status_code == 302
    _with_password(agent_a)
    refusing = Client()
    refused = refusing.post("/login/", {"login": "agent.a", "password": PASSWORD})
    assert refused.status_code == 200  # answered like a wrong password
    assert "_auth_user_id" not in refusing.session
    reinstate_staff(agent_a.user.pk, reason="reviewed", actor=principal_of(admin).actor)
    assert principal_for_token(agent_a.token) is not None
    assert _events("security.user.") == [
        "security.user.created",
        "security.user.created",
        "security.user.suspended",
        "security.user.reinstated",
    ]


# ---------------------------------------------------------------- token scopes


def test_a_scoped_token_is_denied_outside_its_scopes(agent_a: Persona) -> None:
    _, secret = issue_token(
        username="agent.a", name="search only", actor=SYSTEM, scopes=[Perm.CUSTOMERS_SEARCH]
    )
    scoped = principal_for_token(secret)
    assert scoped is not None
    assert scoped.has(Perm.CUSTOMERS_SEARCH)
    assert not scoped.has(Perm.SELF_VIEW)
    me = Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/v1/me")
    assert me.status_code == 403
    assert me.json()["code"] == "permission_denied"
    assert agent_a.client().get("/api/v1/me").status_code == 200  # unscoped: the role's set


def test_a_scope_beyond_the_role_grants_nothing(agent_a: Persona) -> None:
    _, secret = issue_token(
        username="agent.a", name="greedy", actor=SYSTEM, scopes=[Perm.USERS_MANAGE]
    )
    principal = principal_for_token(secret)
    assert principal is not None
    assert not principal.has(Perm.USERS_MANAGE)

    @requires(Perm.USERS_MANAGE)
    def manage(request: Any) -> str:
        return "done"

    request = RequestFactory().get("/")
    request.auth = principal
    from pelanggan.platform.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        manage(request)


def test_unknown_scopes_are_refused(agent_a: Persona) -> None:
    from pelanggan.platform.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        issue_token(username="agent.a", name="typo", actor=SYSTEM, scopes=["customers.serch"])


def test_expired_and_revoked_tokens_stop_working(agent_a: Persona) -> None:
    from pelanggan.security.services import revoke_token

    token, secret = issue_token(
        username="agent.a", name="short", actor=SYSTEM, valid_for=dt.timedelta(days=1)
    )
    assert principal_for_token(secret) is not None
    with clock.frozen(clock.now() + dt.timedelta(days=1, seconds=1)):
        assert principal_for_token(secret) is None
    revoke_token(prefix=token.prefix, actor=SYSTEM)
    assert principal_for_token(secret) is None


# ---------------------------------------------------------------- CLI


def test_cli_scoped_token_and_demo_only_otp(agent_a: Persona, tmp_path: Any) -> None:
    from django.conf import settings
    from typer.testing import CliRunner

    from pelanggan.cli import app
    from pelanggan.security.cli_commands import DEMO_MARKER, mark_demo_home

    runner = CliRunner()
    issued = runner.invoke(
        app, ["users", "token", "agent.a", "--scope", Perm.CUSTOMERS_SEARCH, "--expires-days", "7"]
    )
    assert issued.exit_code == 0, issued.output
    principal = principal_for_token(issued.stdout.strip())
    assert principal is not None
    assert principal.scopes == frozenset({Perm.CUSTOMERS_SEARCH})

    home = settings.PELANGGAN_HOME
    marker = home / DEMO_MARKER
    marker.unlink(missing_ok=True)
    refused = runner.invoke(app, ["users", "otp", "agent.a"])
    assert refused.exit_code == 1
    assert refused.stdout == ""
    mark_demo_home(home)
    try:
        shown = runner.invoke(app, ["users", "otp", "agent.a"])
        assert shown.exit_code == 0
        assert shown.stdout.strip() == totp.current_code(agent_a.user.pk)
    finally:
        marker.unlink()


def test_console_logout_everywhere_button(agent_a: Persona) -> None:
    other = Client()
    other.force_login(agent_a.user)
    client = Client()
    client.force_login(agent_a.user)
    page = client.get("/account/security/")
    assert page.status_code == 200
    assert "Keluar dari semua perangkat" in page.content.decode()
    assert Client().get("/account/security/")["Location"] == "/login/?next=/account/security/"
    assert client.get("/account/logout-everywhere/").status_code == 405
    done = client.post("/account/logout-everywhere/")
    assert done["Location"] == "/login/"
    assert "Semua sesi Anda telah diakhiri" in client.get("/login/").content.decode()
    assert other.get("/").status_code == 302
    assert client.get("/").status_code == 302
