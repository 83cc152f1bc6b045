"""Reveal in a real browser: "Tampilkan" opens the reason form in place, the value shows once.

Debian's Chromium through Playwright, as in tests/browser/. The supervisor signs in with an
authenticator code (which counts as the fresh second factor the reveal needs).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import SYSTEM, totp_code

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
REQUIRED = bool(os.environ.get("PELANGGAN_REQUIRE_BROWSER"))
USERNAME = "spv.bandung"
PASSWORD = "Konsol-Uji-2026!"  # a test-only staff password
IDPEL = "531100000001"
FULL_NIK = "3273055207850003"
MASKED_NIK = "3273********0003"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not CHROMIUM.exists() and not REQUIRED,
        reason="Debian chromium not installed (/usr/bin/chromium)",
    ),
]


@pytest.fixture
def supervisor_with_customer(units: dict[str, Any], valid_row: dict[str, str]) -> None:
    from pelanggan.customers import services
    from pelanggan.security.selectors import principal_for
    from pelanggan.security.services import create_staff, enrol_totp

    supervisor = create_staff(
        username=USERNAME,
        password=PASSWORD,
        role="supervisor",
        unit_codes=["53100"],
        actor=SYSTEM,
        check_password=False,
    )
    enrol_totp(user_id=supervisor.pk, actor=SYSTEM)
    services.register_customer(data=valid_row, principal=principal_for(supervisor))


@pytest.fixture
def browser_page(live_server: Any) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail("PELANGGAN_REQUIRE_BROWSER is set but /usr/bin/chromium is missing")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--headless=new", "--no-sandbox", "--disable-gpu"]
        )
        context = browser.new_context(locale="id-ID", viewport={"width": 1366, "height": 860})
        page = context.new_page()
        page.set_default_timeout(15_000)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        try:
            yield page
        finally:
            context.close()
            browser.close()
        assert errors == []


def test_supervisor_reveals_the_nik_in_place_with_a_reason(
    supervisor_with_customer: None, browser_page: Any, live_server: Any, tmp_path: Path
) -> None:
    from django.contrib.auth import get_user_model

    from pelanggan.platform.models import AuditEvent

    page = browser_page
    page.goto(f"{live_server.url}/customers/{IDPEL}/")
    page.fill("#id_username", USERNAME)
    page.fill("#id_password", PASSWORD)
    page.click(".login-card form.form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/accounts/2fa/authenticate/")
    page.fill("#id_code", totp_code(get_user_model().objects.get(username=USERNAME)))
    page.press("#id_code", "Enter")
    page.wait_for_url(f"{live_server.url}/customers/{IDPEL}/")
    assert page.locator("[data-nik]").inner_text() == MASKED_NIK
    assert FULL_NIK not in page.content()

    page.click("[data-reveal=nik]")
    form = page.locator("#reveal-area [data-reveal-form]")
    form.wait_for()
    assert page.url == f"{live_server.url}/customers/{IDPEL}/"  # stayed on the 360 page
    assert page.locator("#reveal-area input[value=nik]").is_checked()
    # Without a reason: the error shows beside the field, nothing is revealed.
    form.locator("button[type=submit]").click()
    page.locator("#reveal-area #id_reason_code_error").wait_for()
    assert FULL_NIK not in page.content()
    page.select_option("#reveal-area #id_reason_code", "identity_check")
    page.fill("#reveal-area #id_reason", "Pelanggan di loket, verifikasi KTP")
    page.locator("#reveal-area [data-reveal-form] button[type=submit]").click()
    page.locator("[data-revealed-nik]").wait_for()
    assert page.locator("[data-revealed-nik]").inner_text() == FULL_NIK
    page.screenshot(path=str(tmp_path / "reveal.png"))
    event = AuditEvent.objects.filter(event_type="customers.pii.revealed").get()
    assert event.changes == {"fields": ["nik"], "reason_code": "identity_check"}

    page.reload()
    assert page.locator("[data-nik]").inner_text() == MASKED_NIK
    assert FULL_NIK not in page.content()


def test_auditor_filters_the_trail_and_sees_the_reveal_with_its_reason(
    supervisor_with_customer: None, browser_page: Any, live_server: Any, tmp_path: Path
) -> None:
    """The auditor's session is made by the test client (sign-in is tested above)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from conftest import mark_mfa_fresh
    from pelanggan.customers import selectors
    from pelanggan.security.selectors import principal_for
    from pelanggan.security.services import create_staff, enrol_totp

    supervisor = principal_for(get_user_model().objects.get(username=USERNAME))
    selectors.reveal_personal_data(
        idpel=IDPEL,
        principal=supervisor,
        fields=["phones"],
        reason_code="complaint",
        reason_text="Pengaduan tagihan, hubungi balik",
    )
    auditor = create_staff(
        username="auditor.pusat",
        password=PASSWORD,
        role="auditor",
        unit_codes=[],
        actor=SYSTEM,
        check_password=False,
    )
    enrol_totp(user_id=auditor.pk, actor=SYSTEM)
    client = Client()
    client.force_login(auditor)
    mark_mfa_fresh(client)
    page = browser_page
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page.goto(f"{live_server.url}/audit/")
    assert page.locator("h1").inner_text() == "Jejak audit"
    page.fill("#id_idpel", IDPEL)
    page.select_option("#id_event_type", "customers.pii.revealed")
    page.click("[data-trail-form] button[type=submit]")
    page.locator(".trail-table").wait_for()
    rows = page.locator(".trail-table tbody tr")
    assert rows.count() == 1
    assert "Pengaduan tagihan, hubungi balik" in rows.first.inner_text()
    assert "spv.bandung" in rows.first.inner_text()
    assert rows.first.locator("[data-changes]").inner_text() == (
        "fields: phones · reason_code: complaint"
    )
    page.screenshot(path=str(tmp_path / "trail.png"), full_page=True)
    with page.expect_download() as download:
        page.click("[data-export]")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("seq,occurred_at,event_type")
    assert "customers.pii.revealed" in text
    assert FULL_NIK not in text
