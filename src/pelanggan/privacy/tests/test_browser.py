"""The privacy officer's console in a real browser (Debian's Chromium through Playwright).

Sign in with the authenticator, find the overdue request at the top of the queue, open it,
carry it out and download the subject's PDF copy.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import SYSTEM, totp_code

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
REQUIRED = bool(os.environ.get("PELANGGAN_REQUIRE_BROWSER"))
USERNAME = "dpo.pusat"
PASSWORD = "Privasi-Uji-2026!"  # a test-only staff password

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not CHROMIUM.exists() and not REQUIRED,
        reason="Debian chromium not installed (/usr/bin/chromium)",
    ),
]


@pytest.fixture
def overdue_request(units: dict[str, Any], valid_row: dict[str, str], agent_a: Any) -> str:
    from conftest import principal_of
    from pelanggan.customers.services import register_customer
    from pelanggan.platform import clock
    from pelanggan.platform.audit import Actor
    from pelanggan.privacy.services.requests import submit_request
    from pelanggan.security.services import create_staff, enrol_totp

    officer = create_staff(
        username=USERNAME,
        password=PASSWORD,
        role="privacy_officer",
        unit_codes=[],
        actor=SYSTEM,
        check_password=False,
    )
    enrol_totp(user_id=officer.pk, actor=SYSTEM)
    account = register_customer(data=valid_row, principal=principal_of(agent_a))
    with clock.frozen(clock.now() - dt.timedelta(days=5)):
        late = submit_request(
            kind="access",
            person_id=account.owner_id,
            channel="portal",
            actor=Actor("customer", None, "portal"),
        )
    submit_request(kind="restriction", person_id=account.owner_id, channel="console", actor=SYSTEM)
    return late.reference


@pytest.fixture
def page(live_server: Any) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail("PELANGGAN_REQUIRE_BROWSER is set but /usr/bin/chromium is missing")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--headless=new", "--no-sandbox", "--disable-gpu"]
        )
        context = browser.new_context(locale="id-ID", accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()


def test_officer_handles_the_overdue_request_and_downloads_the_copy(
    overdue_request: str, page: Any, live_server: Any
) -> None:
    from django.contrib.auth import get_user_model

    page.goto(f"{live_server.url}/privacy/")
    page.fill("#id_username", USERNAME)
    page.fill("#id_password", PASSWORD)
    page.click(".login-card form.form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/accounts/2fa/authenticate/**")
    page.fill("#id_code", totp_code(get_user_model().objects.get(username=USERNAME)))
    page.press("#id_code", "Enter")
    page.wait_for_url(f"{live_server.url}/privacy/")
    rows = page.locator("[data-request]")
    assert rows.count() == 2
    assert rows.first.get_attribute("data-request") == overdue_request
    assert "terlambat" in rows.first.inner_text()
    assert page.locator("[data-overdue-requests]").inner_text() == "1 permintaan terlambat"

    page.click(f"text={overdue_request}")
    page.click("text=Ambil untuk diproses")
    page.click("text=Laksanakan dan tutup")
    assert page.locator("[data-status]").inner_text() == "Selesai"
    with page.expect_download() as download_info:
        page.click("a.btn >> text=PDF")
    download = download_info.value
    assert download.suggested_filename == f"data-pribadi-{overdue_request}.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF-")
