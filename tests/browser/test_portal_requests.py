"""The customer portal in a real browser on a phone-sized screen: sign in with the code from
the development outbox file, open "Data pribadi saya", send an access request, see it listed
with its statutory deadline, and sign out."""

from __future__ import annotations

import datetime as dt
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


def test_customer_signs_in_and_sends_an_access_request(
    agent_a: Persona, valid_row: dict[str, str], live_server: Any
) -> None:
    from playwright.sync_api import sync_playwright

    from pelanggan.customers.services import register_customer
    from pelanggan.platform import outbox
    from pelanggan.platform.models import AuditEvent
    from pelanggan.privacy.models import DataSubjectRequest
    from pelanggan.security.customer_login import dev_outbox_file

    register_customer(data=valid_row, principal=principal_of(agent_a))
    base = live_server.url
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(
            locale="id-ID", viewport={"width": 390, "height": 844}, is_mobile=True
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        try:
            page.goto(f"{base}/portal/data-pribadi/")
            assert page.url == f"{base}/portal/masuk/"
            page.fill("#id_contact", "0812-3456-7890")
            page.click("form.form button[type=submit]")
            page.wait_for_url(f"{base}/portal/masuk/kode/")
            outbox.dispatch_due()  # what the worker does after the commit
            codes = re.findall(r"Kode masuk Pelanggan: (\d{6})", dev_outbox_file().read_text())
            page.fill("#id_code", codes[-1])
            page.click("form.form button[type=submit]")
            page.wait_for_url(f"{base}/portal/")

            page.click(f"a[data-idpel]:text('{valid_row['idpel']}')")
            page.wait_for_url(f"{base}/portal/akun/{valid_row['idpel']}/")
            assert page.locator("[data-tariff]").inner_text() == "R-1/TR / 1.300 VA"
            assert page.locator("[data-phones]").inner_text() == "0812****7890"
            if os.environ.get("PELANGGAN_SCREENSHOTS"):
                page.screenshot(
                    path=str(Path(os.environ["PELANGGAN_SCREENSHOTS"]) / "portal-account.png"),
                    full_page=True,
                )

            page.click(".portal-nav a[href='/portal/data-pribadi/']")
            page.wait_for_url(f"{base}/portal/data-pribadi/")
            assert page.locator("h1").inner_text() == "Data pribadi saya"
            page.select_option("#id_kind", "access")
            page.click("[data-submit-request]")
            page.wait_for_url(f"{base}/portal/data-pribadi/")
            request = DataSubjectRequest.objects.get()
            assert (request.kind, request.channel) == ("access", "portal")
            assert request.due_at - request.received_at == dt.timedelta(hours=72)
            row = page.locator(f"tr[data-request='{request.reference}']")
            assert row.locator("[data-status]").inner_text() == "Diterima"
            due = row.locator("[data-due]").inner_text()
            assert re.fullmatch(r"\d{1,2} \w+ \d{4} \d{2}\.\d{2} WIB", due), due
            assert request.reference in page.locator(".messages").inner_text()
            shots = os.environ.get("PELANGGAN_SCREENSHOTS")
            if shots:
                page.screenshot(path=str(Path(shots) / "portal-requests.png"), full_page=True)
            # Nothing is wider than the phone's screen (tables scroll inside their box).
            assert page.evaluate("document.documentElement.scrollWidth") <= 390

            page.click("[data-portal-logout]")
            page.wait_for_url(f"{base}/portal/masuk/")
        finally:
            context.close()
            browser.close()
    assert errors == []
    actors = set(
        AuditEvent.objects.filter(
            event_type__in=[
                "security.customer.login",
                "privacy.request.submitted",
                "portal.session.logout",
            ]
        ).values_list("event_type", "actor_kind")
    )
    assert actors == {
        ("security.customer.login", "customer"),
        ("privacy.request.submitted", "customer"),
        ("portal.session.logout", "customer"),
    }
    assert not AuditEvent.objects.filter(event_type__startswith="security.session.").exists()
