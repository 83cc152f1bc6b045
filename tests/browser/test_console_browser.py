"""The staff console in a real browser (Debian's Chromium through Playwright).

Journey of a counter agent: log in, "/" to search, find a customer by name, open the 360° page
with the keyboard, check the masked NIK, submit the registration form with a bad NIK, read the
Indonesian error beside the field, switch to English. Screenshots go to $PELANGGAN_SCREENSHOTS
(or the test's temporary directory) for a human to look at.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import SYSTEM, totp_code

# Playwright's sync API keeps an event loop in this thread; the ORM calls pytest-django makes
# around the test are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
USERNAME = "loket.bandung"
PASSWORD = "Konsol-Uji-2026!"  # a test-only staff password
IDPEL = "531100000001"

# CI sets PELANGGAN_REQUIRE_BROWSER so that a missing Chromium fails instead of skipping.
REQUIRED = bool(os.environ.get("PELANGGAN_REQUIRE_BROWSER"))

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not CHROMIUM.exists() and not REQUIRED,
        reason="Debian chromium not installed (/usr/bin/chromium)",
    ),
]


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("PELANGGAN_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def agent_with_customer(units: dict[str, Any], valid_row: dict[str, str]) -> None:
    """The agent, and a customer with enough history to fill the 360° page."""
    import datetime as dt
    from decimal import Decimal

    from pelanggan.customers import services
    from pelanggan.security.selectors import principal_for
    from pelanggan.security.services import create_staff, enrol_totp

    agent = create_staff(
        username=USERNAME,
        password=PASSWORD,
        role="agent",
        unit_codes=["53110"],
        actor=SYSTEM,
        check_password=False,
    )
    supervisor = create_staff(
        username="spv.bandung",
        password=PASSWORD,
        role="supervisor",
        unit_codes=["53100"],
        actor=SYSTEM,
        check_password=False,
    )
    # Staff must use a second factor: the agent has an authenticator app (see sign_in).
    enrol_totp(user_id=agent.pk, actor=SYSTEM)
    by_agent, by_supervisor = principal_for(agent), principal_for(supervisor)
    services.register_customer(data=valid_row, principal=by_agent)
    water = {
        **valid_row,
        "idpel": "531100000002",
        "utility": "water",
        "payment_mode": "postpaid",
        "tariff_group": "",
        "daya_va": "",
        "customer_group": "K II",
        "pipe_size_mm": "13",
        "meter_number": "AMP-2019-0456",
    }
    services.register_customer(data=water, principal=by_agent)
    wib = dt.timezone(dt.timedelta(hours=7))
    services.change_terms(
        idpel=IDPEL,
        principal=by_supervisor,
        change=services.TermsChange(
            effective_at=dt.datetime(2024, 6, 1, tzinfo=wib),
            reason="PD 1.300 → 2.200 VA",
            daya_va=2200,
        ),
    )
    services.add_asset(
        idpel=IDPEL,
        kind="rooftop_pv",
        capacity_kwp=Decimal("3.300"),
        principal=by_agent,
        export_meter_number="45012345678",
        installed_on=dt.date(2024, 8, 15),
    )
    services.enrol_programme(
        idpel=IDPEL,
        programme_code="HEMAT-2026",
        programme_name="Hemat Energi Rumah Tangga",
        enrolled_on=dt.date(2026, 1, 5),
        principal=by_agent,
    )
    services.give_consent(
        idpel=IDPEL, purpose="service_notifications", channel="counter", principal=by_agent
    )


@pytest.fixture
def page_errors() -> list[str]:
    return []


@pytest.fixture
def browser_page(live_server: Any, page_errors: list[str]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail("PELANGGAN_REQUIRE_BROWSER is set but /usr/bin/chromium is missing")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(locale="id-ID", viewport={"width": 1366, "height": 860})
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("pageerror", lambda error: page_errors.append(str(error)))
        # A rejected form answers 422 on purpose; any other console error (a missing file, a
        # script error) fails the journey.
        page.on("console", lambda m: page_errors.append(m.text) if is_failure(m) else None)
        try:
            yield page
        finally:
            context.close()
            browser.close()


def sign_in(page: Any, base_url: str, next_path: str = "/") -> None:
    """Username and password on the login page, then the authenticator code (allauth MFA)."""
    from django.contrib.auth import get_user_model

    page.fill("#id_username", USERNAME)
    page.fill("#id_password", PASSWORD)
    page.click(".login-card form.form button[type=submit]")
    page.wait_for_url(f"{base_url}/accounts/2fa/authenticate/")
    page.fill("#id_code", totp_code(get_user_model().objects.get(username=USERNAME)))
    page.press("#id_code", "Enter")
    page.wait_for_url(f"{base_url}{next_path}")


def is_failure(message: Any) -> bool:
    return bool(message.type == "error" and "status of 422" not in message.text)


def active(page: Any, expression: str) -> Any:
    return page.evaluate(f"document.activeElement && document.activeElement.{expression}")


def shoot(page: Any, path: Path) -> None:
    """The whole page, taken with a viewport as tall as the page so sticky bars sit in place."""
    size = page.viewport_size
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": max(height, size["height"])})
    page.screenshot(path=str(path))
    page.set_viewport_size(size)


def test_agent_journey(
    agent_with_customer: None,
    browser_page: Any,
    live_server: Any,
    screenshots: Path,
    page_errors: list[str],
) -> None:
    page = browser_page
    page.goto(f"{live_server.url}/")
    assert page.url == f"{live_server.url}/login/?next=/"
    assert page.locator("h1").inner_text() == "Masuk"
    sign_in(page, live_server.url)
    assert page.locator(".who-unit").inner_text() == "ULP Bandung Utara"

    # "/" focuses the search box from anywhere on the page.
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.keyboard.press("/")
    assert active(page, "id") == "q"
    page.keyboard.type("Siti Rahmawati")
    page.keyboard.press("Enter")
    row_link = page.locator("#results [data-row-link]")
    row_link.first.wait_for()
    assert row_link.all_inner_texts() == [IDPEL, "531100000002"]
    assert page.locator(".results-summary").inner_text() == "2 pelanggan ditemukan"
    assert page.url == f"{live_server.url}/"  # the name never went into the address bar
    shoot(page, screenshots / "01-home-search.png")

    # Arrow keys move into the results, Enter opens the 360° page.
    page.keyboard.press("ArrowDown")
    assert active(page, "textContent") == IDPEL
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/customers/{IDPEL}/")
    assert page.locator("[data-nik]").inner_text() == "3273********0003"
    assert "3273055207850003" not in page.content()
    assert page.locator("h1").inner_text() == "Siti Nurhaliza Rahmawati"
    shoot(page, screenshots / "02-customer-360.png")
    page.set_viewport_size({"width": 390, "height": 844})
    shoot(page, screenshots / "04-customer-360-phone.png")
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 900, "height": 1200})
    shoot(page, screenshots / "05-customer-360-print.png")
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 1366, "height": 860})

    # The registration form: a bad NIK comes back beside the NIK field, in Indonesian.
    page.click("nav.sidenav a[href='/customers/new/']")
    page.wait_for_url(f"{live_server.url}/customers/new/")
    for selector, value in {
        "#id_full_name": "Budi Santoso",
        "#id_nik": "3273059907850003",
        "#id_birth_date": "1985-07-12",
        "#id_phone": "0812-3456-7891",
        "#id_street": "Jl. Rajawali Timur No. 23",
        "#id_rt": "3",
        "#id_rw": "7",
        "#id_village_code": "3273051001",
        "#id_daya_va": "1300",
        "#id_meter_number": "14123456790",
    }.items():
        page.fill(selector, value)
    page.select_option("#id_gender", "M")
    page.select_option("#id_tariff_group", "R-1/TR")
    assert page.locator("#id_customer_group").is_hidden()  # water-only fields hide for electricity
    page.click("button.btn-primary[type=submit]")
    error = page.locator("#id_nik_error")
    error.wait_for()
    assert error.inner_text() == "Tanggal lahir pada NIK harus 01-31, atau 41-71 untuk perempuan"
    assert active(page, "id") == "id_nik"
    assert page.input_value("#id_full_name") == "Budi Santoso"
    assert page.url == f"{live_server.url}/customers/new/"
    shoot(page, screenshots / "03-create-error.png")

    # Switch to English from the top bar.
    page.click(".topbar button[name=language][value=en]")
    page.wait_for_load_state()
    page.locator("html[lang=en]").wait_for()
    assert page.locator("h1").inner_text() == "Register a new customer"
    assert (
        " ".join(page.locator("label[for=id_full_name]").text_content().split())
        == "Full name * (required)"
    )
    assert page.locator("nav.sidenav").inner_text().split("\n")[:2] == ["Customers", "New customer"]
    shoot(page, screenshots / "06-create-english.png")
    assert page_errors == []


def test_the_console_works_without_javascript(agent_with_customer: None, live_server: Any) -> None:
    """Progressive enhancement: with scripts off every step is a plain form post and a page."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(locale="id-ID", java_script_enabled=False)
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            page.goto(f"{live_server.url}/login/")
            sign_in(page, live_server.url)
            page.fill("#q", "3273055207850003")
            page.click(".search-form button[type=submit]")
            page.wait_for_url(f"{live_server.url}/customers/search/")
            assert page.locator("[data-row-link]").all_inner_texts() == [IDPEL, "531100000002"]
            page.click(f"[data-row-link]:text('{IDPEL}')")
            page.wait_for_url(f"{live_server.url}/customers/{IDPEL}/")
            assert page.locator("[data-nik]").inner_text() == "3273********0003"
            assert page.locator("[data-print]").is_hidden()  # printing by button needs the script

            page.goto(f"{live_server.url}/customers/{IDPEL}/address/")
            page.fill("#id_street", "Jl. Pajajaran No. 5")
            page.click("form.form button.btn-primary")
            assert page.locator("#id_reason_error").inner_text() == "Alasan wajib diisi"
            page.fill("#id_reason", "Pindah rumah")
            page.click("form.form button.btn-primary")
            page.wait_for_url(f"{live_server.url}/customers/{IDPEL}/")
            assert page.locator(".messages").inner_text() == "Alamat diubah."
            assert "Jl. Pajajaran No. 5" in page.locator("address").inner_text()
        finally:
            context.close()
            browser.close()
