"""The load-profile chart on the 360° page, in a real browser (Debian's Chromium, Playwright).

A small lake is built through the real ingestion: hourly readings from 14 to 21 November 2026
with a 2-hour gap (filled by interpolation) and a 10-hour gap (filled from comparable days).
The agent signs in (password + TOTP), opens the customer, sees the interval chart with its
estimates drawn apart, switches to the daily view (estimated days hatched), picks a period, zooms.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from conftest import Persona, principal_of
from pelanggan.metering.tests.load_profile_data import (
    NOW,
    WIB,
    build_lake,
    hourly_rows,
    register_customer_with_meter,
)
from pelanggan.platform import clock

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
PASSWORD = "not-used-in-tests-9f2"
METER = "14123456789"
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
def customer_with_lake(
    tmp_path: Path, agent_a: Persona, valid_row: dict[str, str]
) -> Iterator[str]:
    register_customer_with_meter(valid_row, principal_of(agent_a))
    lake = tmp_path / "lake"
    first = dt.datetime(2026, 11, 14, 0, 0, tzinfo=WIB)
    gaps = {6 * 24 + 3, 6 * 24 + 4} | set(range(7 * 24 + 6, 7 * 24 + 16))
    build_lake(lake, hourly_rows(METER, first, 8 * 24, skip=gaps))
    with override_settings(PELANGGAN_LAKE_DIR=str(lake)), clock.frozen(NOW):
        yield valid_row["idpel"]


@pytest.fixture
def page(live_server: Any) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail("PELANGGAN_REQUIRE_BROWSER is set but /usr/bin/chromium is missing")
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(locale="id-ID", viewport={"width": 1366, "height": 900})
        tab = context.new_page()
        tab.set_default_timeout(20_000)
        tab.on("pageerror", lambda error: errors.append(str(error)))
        tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        try:
            yield tab
        finally:
            context.close()
            browser.close()
    assert errors == []


def sign_in(page: Any, base_url: str, persona: Persona) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", persona.username)
    page.fill("#id_password", PASSWORD)
    page.click(".login-card form.form button[type=submit]")
    page.wait_for_url(f"{base_url}/accounts/2fa/authenticate/")
    page.fill("#id_code", persona.otp())
    page.press("#id_code", "Enter")
    page.wait_for_url(f"{base_url}/")


def ready(page: Any, resolution: str) -> Any:
    chart = page.locator(f"[data-load-profile][data-state=ready] svg[data-resolution={resolution}]")
    chart.wait_for()
    return chart


def test_load_profile_chart_on_the_360_page(
    customer_with_lake: str,
    agent_a: Persona,
    live_server: Any,
    page: Any,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    shots = Path(os.environ.get("PELANGGAN_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    sign_in(page, live_server.url, agent_a)
    page.goto(f"{live_server.url}/customers/{customer_with_lake}/")

    # Interval view (default): the last 7 days up to "now", 22 November 12:00 WIB.
    chart = ready(page, "interval")
    assert chart.get_attribute("data-points") == str(6 * 24 + 12)
    # 2 interpolated + 10 comparable-day + the 12 hours of today not yet reported.
    assert page.locator(".lp-est-dot").count() == 24
    # Dashed segments: into, inside and out of each run (2 → 3, 10 → 11), 12 into today.
    assert page.locator("path.lp-line-est").get_attribute("d").count("M") == 3 + 11 + 12
    assert page.locator("[data-lp-start]").input_value() == "2026-11-16"
    assert page.locator("[data-lp-end]").input_value() == "2026-11-22"
    assert "Total" in page.locator("[data-lp-summary]").inner_text()
    page.locator(".meter-number").first.wait_for()
    assert page.locator(".meter-number").first.inner_text() == METER
    page.locator("[data-lp-plot]").hover(position={"x": 400, "y": 150})
    assert "kWh" in page.locator("[data-lp-tooltip]").inner_text()
    page.locator("#meter-section").screenshot(path=str(shots / "lp-01-interval.png"))

    # Zoom in with the button: fewer points in view; reset brings them back.
    page.click("[data-lp-zoom=in]")
    assert int(chart.get_attribute("data-points")) < 6 * 24 + 12
    page.click("[data-lp-zoom=reset]")
    assert chart.get_attribute("data-points") == str(6 * 24 + 12)

    # Daily view of the same period: one bar per day; days with estimates are hatched.
    page.click("[data-resolution=daily][aria-pressed]")
    ready(page, "daily")
    assert page.locator(".lp-bar").count() == 7  # 16–22 November
    estimated = page.locator(".lp-bar-est")
    assert [estimated.nth(i).get_attribute("data-start") for i in range(estimated.count())] == [
        "2026-11-20", "2026-11-21", "2026-11-22"
    ]
    daily = page.locator("[data-resolution=daily][aria-pressed]")
    assert daily.get_attribute("aria-pressed") == "true"
    page.locator("#meter-section").screenshot(path=str(shots / "lp-02-daily.png"))

    # The period picker: 19–21 November.
    page.fill("[data-lp-start]", "2026-11-19")
    page.fill("[data-lp-end]", "2026-11-21")
    page.click("[data-lp-form] button[type=submit]")
    expect(page.locator(".lp-bar")).to_have_count(3)  # no eval: the console's CSP forbids it
    assert page.locator(".lp-bar-est").count() == 2
    summary = page.locator("[data-lp-summary]").inner_text()
    assert "30,6 kWh" in summary  # 3 × 10,2 kWh, in Indonesian notation

    # Monthly view.
    page.click("[data-resolution=monthly][aria-pressed]")
    ready(page, "monthly")
    assert page.locator(".lp-bar").count() == 1


def test_event_list_and_review_queue_pages_render(
    customer_with_lake: str, make_persona: Any, live_server: Any, page: Any, tmp_path: Path
) -> None:
    from pelanggan.metering.services.events import MeterEventIn, record_meter_events

    record_meter_events(
        [MeterEventIn(METER, "tamper_magnetic", dt.datetime(2026, 11, 21, 3, 0, tzinfo=WIB),
                      "mqtt")]
    )
    supervisor = make_persona("spv.bandung", "supervisor", ["53100"])
    sign_in(page, live_server.url, supervisor)
    page.click("nav.sidenav a[href='/metering/events/']")
    page.wait_for_url(f"{live_server.url}/metering/events/")
    row = page.locator("tr.event-danger[data-event-kind=tamper_magnetic]")
    assert row.locator(".badge").inner_text() == "Gangguan medan magnet"
    assert "21 November 2026 03.00 WIB" in row.inner_text()
    page.click("nav.sidenav a[href='/metering/reviews/']")
    page.wait_for_url(f"{live_server.url}/metering/reviews/")
    assert page.locator("h1").inner_text() == "Antrean pemeriksaan stand meter"
    assert page.locator(".empty-title").inner_text() == "Antrean kosong."
