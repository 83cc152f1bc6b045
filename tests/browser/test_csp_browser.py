"""Every console page under the Content Security Policy in a real Chromium: no violation.

Chromium reports each blocked inline script, handler, style or foreign resource both as a
`securitypolicyviolation` event and as a console error; the test collects both on every page
(signed in as the counter agent of the console journey) and fails on the first one. A planted
inline script proves the detector sees violations.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.test_console_browser import (  # noqa: F401 - fixtures used by name
    CHROMIUM,
    IDPEL,
    REQUIRED,
    agent_with_customer,
    browser_page,
    page_errors,
    sign_in,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not CHROMIUM.exists() and not REQUIRED,
        reason="Debian chromium not installed (/usr/bin/chromium)",
    ),
]

WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""

PAGES = [
    "/",
    "/customers/search/?q=" + IDPEL,
    f"/customers/{IDPEL}/",
    f"/customers/{IDPEL}/person/",
    f"/customers/{IDPEL}/address/",
    "/customers/new/",
    "/quality/",
    "/regions/",
    "/account/security/",
    "/api/v1/docs",
]


def _violations(page: Any, console: list[str]) -> list[str]:
    events: list[str] = page.evaluate("window.__cspViolations || []")
    return events + [text for text in console if "Content Security Policy" in text]


def test_console_pages_raise_no_csp_violation(
    agent_with_customer: None,  # noqa: F811
    browser_page: Any,  # noqa: F811
    live_server: Any,
) -> None:
    page = browser_page
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(WATCH_VIOLATIONS)
    page.goto(f"{live_server.url}/login/")
    assert _violations(page, console) == []
    sign_in(page, live_server.url, next_path="/")
    for path in PAGES:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        assert _violations(page, console) == [], path
    # The API docs really rendered under the policy (Swagger UI built its page).
    page.goto(f"{live_server.url}/api/v1/docs")
    page.wait_for_selector(".swagger-ui .info", timeout=15_000)
    assert _violations(page, console) == []

    # The detector works: an inline script planted on the page is blocked and reported.
    page.goto(f"{live_server.url}/")
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.__ran = true'; document.body.appendChild(s); }"
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.__ran === true") is False
    assert any(v.startswith("script-src") for v in _violations(page, console))
