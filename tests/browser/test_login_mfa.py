"""Staff sign-in in a real browser: first enrolment of an authenticator app, then sign-in with
the code, re-authentication for a sensitive page, and the lockout message.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from conftest import SYSTEM, totp_code

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run"]
REQUIRED = bool(os.environ.get("PELANGGAN_REQUIRE_BROWSER"))
USERNAME = "petugas.baru"
PASSWORD = "Teh-Manis-Hangat-2026"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not CHROMIUM.exists() and not REQUIRED,
        reason="Debian chromium not installed (/usr/bin/chromium)",
    ),
]


@pytest.fixture
def new_agent(units: dict[str, Any]) -> Any:
    from pelanggan.security.services import create_staff

    return create_staff(
        username=USERNAME,
        password=PASSWORD,
        role="agent",
        unit_codes=["53110"],
        actor=SYSTEM,
        check_password=False,
    )


def _code_for(secret: str) -> str:
    from pelanggan.security.totp import code_at

    return code_at(secret, dt.datetime.now(tz=dt.UTC))


def _password_step(page: Any, base: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", USERNAME)
    page.fill("#id_password", PASSWORD)
    page.click(".login-card form.form button[type=submit]")


def test_first_sign_in_enrols_an_authenticator_then_signs_in_with_it(
    new_agent: Any, live_server: Any
) -> None:
    from django.core.cache import cache
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(locale="id-ID")
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            _password_step(page, live_server.url)
            # No authenticator yet: the console sends the new staff member to enrolment.
            page.wait_for_url(f"{live_server.url}/accounts/2fa/totp/activate/")
            assert page.locator("h1").inner_text() == "Aktifkan Aplikasi Autentikator"
            page.goto(f"{live_server.url}/customers/new/")
            assert page.url == f"{live_server.url}/accounts/2fa/totp/activate/"
            secret = page.locator("#authenticator_secret").input_value()
            page.fill("#id_code", _code_for(secret))
            page.press("#id_code", "Enter")
            page.wait_for_url(f"{live_server.url}/accounts/2fa/recovery-codes/")
            page.goto(f"{live_server.url}/")
            assert page.locator(".who-user").inner_text().startswith(USERNAME)
            page.click("form.logout button[type=submit]")
            page.wait_for_url(f"{live_server.url}/login/")

            cache.clear()  # the enrolment code may still be inside its 30 seconds
            _password_step(page, live_server.url)
            page.wait_for_url(f"{live_server.url}/accounts/2fa/authenticate/")
            assert page.locator("h1").inner_text() == "Autentikasi Dua Faktor"
            page.fill("#id_code", totp_code(new_agent))
            page.press("#id_code", "Enter")
            page.wait_for_url(f"{live_server.url}/")
        finally:
            context.close()
            browser.close()


@override_settings(PELANGGAN_LOGIN_MAX_FAILURES=3)
def test_repeated_failures_show_the_lock_message(new_agent: Any, live_server: Any) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_context(locale="id-ID").new_page()
        page.set_default_timeout(15_000)
        try:
            for _ in range(3):
                page.goto(f"{live_server.url}/login/")
                page.fill("#id_username", USERNAME)
                page.fill("#id_password", "bukan-sandinya-123")
                page.click(".login-card form.form button[type=submit]")
                page.locator(".alert-danger").wait_for()
            _password_step(page, live_server.url)
            alert = page.locator(".alert-danger").inner_text()
            assert "akses masuk dikunci sampai pukul" in alert
            assert "WIB" in alert
            assert page.url == f"{live_server.url}/login/"
        finally:
            browser.close()
