"""The customer portal in a real browser: phone number, one-time code from the development
outbox file, then the customer's own IDPELs."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from conftest import Persona, principal_of

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run"]
REQUIRED = bool(os.environ.get("PELANGGAN_REQUIRE_BROWSER"))

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not CHROMIUM.exists() and not REQUIRED,
        reason="Debian chromium not installed (/usr/bin/chromium)",
    ),
]


def test_customer_signs_in_with_a_code_and_sees_own_idpel(
    agent_a: Persona, valid_row: dict[str, str], live_server: Any
) -> None:
    from playwright.sync_api import sync_playwright

    from pelanggan.customers.services import register_customer
    from pelanggan.platform import outbox
    from pelanggan.security.customer_login import dev_outbox_file

    register_customer(data=valid_row, principal=principal_of(agent_a))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_context(locale="id-ID").new_page()
        page.set_default_timeout(15_000)
        try:
            page.goto(f"{live_server.url}/portal/")
            assert page.url == f"{live_server.url}/portal/masuk/"
            page.fill("#id_contact", "0812-3456-7890")
            page.click("form.form button[type=submit]")
            page.wait_for_url(f"{live_server.url}/portal/masuk/kode/")
            outbox.dispatch_due()  # what the worker does after the commit
            codes = re.findall(r"Kode masuk Pelanggan: (\d{6})", dev_outbox_file().read_text())
            page.fill("#id_code", codes[-1])
            page.click("form.form button[type=submit]")
            page.wait_for_url(f"{live_server.url}/portal/")
            assert page.locator("h1").inner_text() == "Akun saya"
            assert page.locator("[data-idpel]").all_inner_texts() == [valid_row["idpel"]]
        finally:
            browser.close()
