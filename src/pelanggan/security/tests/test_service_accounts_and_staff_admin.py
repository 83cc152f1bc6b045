"""Head-end service accounts (tokens only, no console, no interactive MFA) and the
administrators' staff API: unlock, suspend/reinstate, logout everywhere, role changes."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth import get_user_model
from django.test import Client
from typer.testing import CliRunner

from conftest import SYSTEM, Persona, mark_mfa_fresh
from pelanggan.cli import app
from pelanggan.platform import clock
from pelanggan.platform.errors import ValidationFailed
from pelanggan.platform.models import AuditEvent
from pelanggan.security import lockout
from pelanggan.security.models import ApiToken, StaffProfile
from pelanggan.security.roles import ROLES, Perm, Role
from pelanggan.security.selectors import principal_for, principal_for_token
from pelanggan.security.services import create_staff, enrol_totp, issue_token

pytestmark = pytest.mark.django_db

HEAD_END = "hes.bandung"


def _events(event_type: str) -> list[dict[str, Any]]:
    return list(
        AuditEvent.objects.filter(event_type=event_type)
        .order_by("seq")
        .values("subject_ids", "changes", "reason")
    )


@pytest.fixture
def head_end(units: Any) -> tuple[Any, str]:
    user = create_staff(
        username=HEAD_END, password="", role=Role.HEAD_END, unit_codes=[], actor=SYSTEM
    )
    _, secret = issue_token(username=HEAD_END, name="hes", actor=SYSTEM)
    return user, secret


# ---------------------------------------------------------------- the head_end role


def test_head_end_role_is_least_privilege_and_needs_no_interactive_mfa() -> None:
    definition = ROLES[Role.HEAD_END]
    assert definition.permissions == frozenset({Perm.INTERVALS_INGEST, Perm.SELF_VIEW})
    assert (definition.national, definition.mfa_required) == (True, False)
    assert (definition.service_account, definition.staff) == (True, True)
    # Only machines are exempt from MFA because they never sign in interactively.
    people = [r for r, d in ROLES.items() if d.staff and not d.service_account]
    assert [r for r in people if r != Role.PARTNER_CLIENT and not ROLES[r].mfa_required] == []


def test_cli_creates_a_head_end_account_without_password_and_tokens_are_scoped(
    units: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PELANGGAN_NEW_PASSWORD", raising=False)
    runner = CliRunner()
    created = runner.invoke(app, ["users", "create", HEAD_END, "--role", "head_end"])
    assert created.exit_code == 0, created.output
    assert "Password" not in created.output  # nothing to prompt for
    user = get_user_model().objects.get(username=HEAD_END)
    assert not user.has_usable_password()
    assert StaffProfile.objects.get(user=user).role == Role.HEAD_END
    scoped = runner.invoke(
        app, ["users", "create", "hes.2", "--role", "head_end", "--unit", "53110"]
    )
    assert scoped.exit_code == 1
    assert not get_user_model().objects.filter(username="hes.2").exists()

    issued = runner.invoke(app, ["users", "token", HEAD_END, "--expires-days", "30"])
    assert issued.exit_code == 0, issued.output
    principal = principal_for_token(issued.stdout.strip())
    assert principal is not None
    assert principal.role == Role.HEAD_END
    assert principal.scopes == frozenset({Perm.INTERVALS_INGEST, Perm.SELF_VIEW})
    token = ApiToken.objects.get(user=user)
    assert token.expires_at is not None
    assert token.expires_at - token.created_at == dt.timedelta(days=30)


def test_service_tokens_must_expire_stay_in_role_and_no_second_factor(
    head_end: tuple[Any, str],
) -> None:
    user, _ = head_end
    with pytest.raises(ValidationFailed) as never:
        issue_token(username=HEAD_END, name="x", actor=SYSTEM, valid_for=None)
    assert never.value.details["fields"]["valid_for"][0]["code"] == "must_expire"
    with pytest.raises(ValidationFailed):
        issue_token(username=HEAD_END, name="x", actor=SYSTEM, valid_for=dt.timedelta(days=400))
    with pytest.raises(ValidationFailed) as outside:
        issue_token(username=HEAD_END, name="x", actor=SYSTEM, scopes=[Perm.CUSTOMERS_VIEW])
    assert outside.value.details["fields"]["scopes"][0]["code"] == "outside_role"
    narrowed, _ = issue_token(
        username=HEAD_END, name="x", actor=SYSTEM, scopes=[Perm.INTERVALS_INGEST]
    )
    assert narrowed.scopes == [Perm.INTERVALS_INGEST]
    assert ApiToken.objects.filter(user=user).count() == 2
    with pytest.raises(ValidationFailed) as no_mfa:
        enrol_totp(user_id=user.pk, actor=SYSTEM)
    assert no_mfa.value.details["fields"]["user"][0]["code"] == "service_account"
    assert not Authenticator.objects.filter(user=user).exists()


def test_head_end_token_ingests_but_reads_nothing(
    head_end: tuple[Any, str], settings: Any, tmp_path: Path
) -> None:
    from pelanggan.metering.services.registry import register_meter

    settings.PELANGGAN_LAKE_DIR = str(tmp_path / "lake")
    register_meter(number="14123456789", kind="smart_prepaid", actor=SYSTEM)
    _, secret = head_end
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    me = client.get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["role"] == "head_end"
    row = {
        "meter_number": "14123456789",
        "interval_start": "2026-11-01T10:00:00+07:00",
        "interval_minutes": 30,
        "kwh": "0.412",
    }
    landed = client.post(
        "/api/v1/intervals/batches", json.dumps({"rows": [row]}), content_type="application/json"
    )
    assert landed.status_code == 200, landed.content
    assert (landed.json()["rows_received"], landed.json()["rows_rejected"]) == (1, 0)
    assert landed.json()["rows_landed"] == 1
    assert list((tmp_path / "lake").rglob("*.parquet")) != []
    for url in ("/api/v1/customers?q=5311", "/api/v1/metering/meters/14123456789"):
        assert client.get(url).status_code == 403, url
    assert client.get("/api/v1/headend/meters/14123456789/commands").status_code == 403


def test_head_end_account_cannot_use_the_console(head_end: tuple[Any, str]) -> None:
    user, _ = head_end
    # Even with a password set behind the application's back, sign-in is refused.
    user.set_password("kopi-tubruk-di-cimahi-77")
    user.save()
    client = Client()
    refused = client.post("/login/", {"login": HEAD_END, "password": "kopi-tubruk-di-cimahi-77"})
    assert refused.status_code == 200  # the form again, not the second-factor step
    assert "_auth_user_id" not in client.session
    assert principal_for(user) is None
    # A session obtained some other way opens neither console nor session-authenticated API.
    forced = Client()
    forced.force_login(user)
    mark_mfa_fresh(forced)
    home = forced.get("/")
    assert home.status_code in (302, 403)
    if home.status_code == 302:
        assert home["Location"].startswith(("/login/", "/accounts/"))
    assert forced.get("/api/v1/me").status_code == 401


# ---------------------------------------------------------------- administering staff


def _admin_client(admin: Persona, *, otp: bool) -> Client:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {admin.token}"}
    if otp:
        headers["HTTP_X_PELANGGAN_OTP"] = admin.otp()
    return Client(**headers)


def _post(
    client: Client, url: str, body: dict[str, Any] | None = None, method: str = "POST"
) -> Any:
    return client.generic(
        method, f"/api/v1/staff/{url}", json.dumps(body or {}), content_type="application/json"
    )


def test_unlock_and_logout_everywhere_are_audited(agent_a: Persona, admin: Persona) -> None:
    for _ in range(lockout.policy().max_failures):
        lockout.record_failure(user_id=agent_a.user.pk, address="")
    assert lockout.account_locked_until(agent_a.user.pk) is not None
    client = _admin_client(admin, otp=False)
    unlocked = _post(client, "agent.a/unlock", {"reason": "Identitas dicek"})
    assert unlocked.json() == {"username": "agent.a", "changed": True}
    assert lockout.account_locked_until(agent_a.user.pk) is None
    assert _events("security.session.unlocked")[0]["reason"] == "Identitas dicek"
    assert _post(client, "agent.a/unlock").json()["changed"] is False

    generation = StaffProfile.objects.get(user=agent_a.user).session_generation
    ended = _post(client, "agent.a/logout-everywhere")
    assert ended.status_code == 200
    assert StaffProfile.objects.get(user=agent_a.user).session_generation == generation + 1
    assert _events("security.session.revoked_all")[-1]["subject_ids"] == [str(agent_a.user.pk)]
    assert _post(client, "nobody/logout-everywhere").status_code == 404


def test_suspend_and_reinstate_need_a_reason_and_a_fresh_second_factor(
    agent_a: Persona, admin: Persona
) -> None:
    stale = _post(_admin_client(admin, otp=False), "agent.a/suspend", {"reason": "Dugaan"})
    assert stale.status_code == 403
    assert stale.json()["code"] == "step_up_required"
    assert StaffProfile.objects.get(user=agent_a.user).suspended_at is None
    no_reason = _post(_admin_client(admin, otp=False), "agent.a/suspend", {"reason": ""})
    assert no_reason.status_code == 422
    assert _events("security.user.suspended") == []

    with clock.frozen(clock.now()):
        done = _post(_admin_client(admin, otp=True), "agent.a/suspend", {"reason": "Dugaan"})
    assert done.json() == {"username": "agent.a", "changed": True}, done.content
    assert StaffProfile.objects.get(user=agent_a.user).suspended_at is not None
    assert agent_a.client().get("/api/v1/me").status_code == 401
    assert _events("security.user.suspended")[0]["reason"] == "Dugaan"

    cache_clear()
    back = _post(_admin_client(admin, otp=True), "agent.a/reinstate", {"reason": "Selesai"})
    assert back.json() == {"username": "agent.a", "changed": True}, back.content
    assert agent_a.client().get("/api/v1/me").status_code == 200
    assert _events("security.user.reinstated")[0]["reason"] == "Selesai"


def cache_clear() -> None:
    """Each TOTP code is accepted once: let the next call use the current code again."""
    from django.core.cache import cache

    cache.clear()


def test_role_change_needs_step_up_fits_units_and_is_audited(
    agent_a: Persona, admin: Persona, head_end: tuple[Any, str]
) -> None:
    body = {"role": "supervisor", "units": ["53100"], "reason": "Promosi"}
    stale = _post(_admin_client(admin, otp=False), "agent.a/role", body, "PUT")
    assert stale.status_code == 403
    assert stale.json()["code"] == "step_up_required"
    assert StaffProfile.objects.get(user=agent_a.user).role == Role.AGENT

    refusals = [
        ("agent.a", {"role": "auditor", "units": ["53100"], "reason": "x"}),  # national: no units
        ("agent.a", {"role": "agent", "units": [], "reason": "x"}),  # scoped: needs a unit
        ("agent.a", {"role": "agent", "units": ["99999"], "reason": "x"}),  # unknown unit
        ("agent.a", {"role": "customer", "units": ["53110"], "reason": "x"}),  # not staff
        ("agent.a", {"role": "head_end", "units": [], "reason": "x"}),  # person → machine
        (HEAD_END, {"role": "agent", "units": ["53110"], "reason": "x"}),  # machine → person
    ]
    for username, wrong in refusals:
        cache_clear()
        answer = _post(_admin_client(admin, otp=True), f"{username}/role", wrong, "PUT")
        assert answer.status_code == 422, (username, wrong, answer.content)
    cache_clear()
    own = _post(_admin_client(admin, otp=True), "admin/role", {**body, "reason": "x"}, "PUT")
    assert own.status_code == 403
    assert own.json()["code"] == "own_account"
    assert _events("security.user.role_changed") == []

    cache_clear()
    generation = StaffProfile.objects.get(user=agent_a.user).session_generation
    done = _post(_admin_client(admin, otp=True), "agent.a/role", body, "PUT")
    assert done.json() == {"username": "agent.a", "changed": True}, done.content
    profile = StaffProfile.objects.get(user=agent_a.user)
    assert profile.role == Role.SUPERVISOR
    assert sorted(profile.units.values_list("code", flat=True)) == ["53100"]
    assert profile.session_generation == generation + 1
    [event] = _events("security.user.role_changed")
    assert event["changes"] == {
        "role": {"old": "agent", "new": "supervisor"},
        "units": {"old": ["53110"], "new": ["53100"]},
    }
    assert event["reason"] == "Promosi"
    me = agent_a.client().get("/api/v1/me").json()
    assert me["role"] == "supervisor"


def test_staff_administration_is_for_administrators_only(
    agent_a: Persona, supervisor_a: Persona
) -> None:
    for url, method in (
        ("agent.a/unlock", "POST"),
        ("agent.a/suspend", "POST"),
        ("agent.a/logout-everywhere", "POST"),
        ("agent.a/role", "PUT"),
    ):
        body = {"reason": "x", "role": "agent", "units": ["53110"]}
        assert _post(supervisor_a.client(), url, body, method).status_code == 403
        assert _post(Client(), url, body, method).status_code == 401
    assert StaffProfile.objects.get(user=agent_a.user).suspended_at is None
