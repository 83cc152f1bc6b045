"""Browser-facing hardening: CSP without inline script, frame denial, CSRF on every form,
and a production configuration that `manage.py check --deploy` finds nothing to warn about."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from pelanggan.platform.crypto import KeyRing

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = sorted((ROOT / "src" / "pelanggan").glob("*/templates/**/*.html"))


def _directives(header: str) -> dict[str, str]:
    parts = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {p[0]: (p[1] if len(p) > 1 else "") for p in parts}


@pytest.mark.django_db
def test_console_pages_carry_the_policy(client: Client) -> None:
    response = client.get("/login/")
    assert response.status_code == 200
    policy = _directives(response["Content-Security-Policy"])
    assert policy["script-src"] == "'self'"
    assert policy["default-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    assert policy["base-uri"] == "'none'"
    assert policy["form-action"] == "'self'"
    assert "unsafe-inline" not in policy["style-src"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    # Static files are covered too (WhiteNoise answers them after this middleware).
    script = client.get("/static/web/console.js")
    assert script.status_code == 200
    assert _directives(script["Content-Security-Policy"])["script-src"] == "'self'"


@pytest.mark.django_db
def test_api_docs_run_without_inline_script(client: Client, admin: Any) -> None:
    client.force_login(admin.user)
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert _directives(response["Content-Security-Policy"])["script-src"] == "'self'"
    html = response.content.decode()
    scripts = re.findall(r"<script\b([^>]*)>", html)
    assert scripts, "the docs page should load Swagger UI"
    for attributes in scripts:
        assert "src=" in attributes or 'type="application/json"' in attributes, attributes


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_templates_have_no_inline_script_or_handlers(template: Path) -> None:
    text = template.read_text(encoding="utf-8")
    for attributes in re.findall(r"<script\b([^>]*)>", text):
        assert "src=" in attributes or "application/json" in attributes, (template, attributes)
    handlers = re.findall(r"<[^>]*\son[a-z]+\s*=", text)
    assert handlers == [], (template, handlers)
    assert "javascript:" not in text.lower(), template


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_post_form_carries_the_csrf_token(template: Path) -> None:
    text = template.read_text(encoding="utf-8")
    for form in re.findall(r"<form\b[^>]*>.*?</form>", text, flags=re.S | re.I):
        if re.search(r"method=[\"']post[\"']", form, flags=re.I):
            assert "{% csrf_token %}" in form, (template, form[:120])


def _console_urls() -> list[str]:
    """Every URL outside the bearer-token API, path parameters filled with plausible values."""
    samples = {"int": "1", "str": "531100000001", "slug": "x", "uuid": "0" * 32, "path": "x"}
    found: list[str] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for entry in patterns:
            route = str(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + route)
            elif isinstance(entry, URLPattern):
                if "(?P" in route or route.startswith("^"):
                    continue  # regex routes (the i18n and allauth internals) are covered below
                url = "/" + prefix + route
                url = re.sub(r"<(?:(\w+):)?\w+>", lambda m: samples[m.group(1) or "str"], url)
                found.append(url)

    walk(get_resolver().url_patterns, "")
    return [url for url in found if not url.startswith("/api/")]


@pytest.mark.django_db
def test_post_without_csrf_token_is_refused_everywhere(agent_a: Any) -> None:
    urls = [*_console_urls(), "/i18n/setlang/", "/accounts/login/", "/accounts/logout/"]
    assert "/customers/531100000001/person/" in urls
    assert len(urls) > 20
    anonymous = Client(enforce_csrf_checks=True)
    signed_in = Client(enforce_csrf_checks=True)
    signed_in.force_login(agent_a.user)
    for client in (anonymous, signed_in):
        for url in urls:
            response = client.post(url, {"full_name": "Siti"})
            assert response.status_code == 403, (url, response.status_code)
            assert b"CSRF" in response.content, url


@pytest.mark.django_db
def test_api_session_calls_need_the_csrf_token_too(agent_a: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent_a.user)
    response = client.post(
        "/api/v1/customers/search", {"q": "Siti"}, content_type="application/json"
    )
    assert response.status_code == 403


def _production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PELANGGAN_"))}
    env.pop("DATABASE_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY="k" + os.urandom(40).hex(),
        PELANGGAN_DATA_KEYS=KeyRing.generate("p1").to_json(),
        PELANGGAN_ALLOWED_HOSTS="pelanggan.example.id",
        PELANGGAN_HOME=str(tmp_path),
    )
    env.update(extra)
    return env


def _check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_for_production(tmp_path: Path) -> None:
    result = _check_deploy(_production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_notices_insecure_cookies(tmp_path: Path) -> None:
    result = _check_deploy(_production_env(tmp_path, PELANGGAN_SECURE_COOKIES="0"))
    assert result.returncode == 1
    assert "security.W012" in result.stderr + result.stdout


def test_production_refuses_to_start_without_secrets(tmp_path: Path) -> None:
    env = _production_env(tmp_path)
    del env["PELANGGAN_DATA_KEYS"]
    result = _check_deploy(env)
    assert result.returncode != 0
    assert "PELANGGAN_DATA_KEYS" in result.stderr


def test_production_settings_harden_cookies_and_transport(tmp_path: Path) -> None:
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT,"
        " s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.DEBUG,"
        " s.SESSION_COOKIE_HTTPONLY, s.SECURE_PROXY_SSL_HEADER)"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=_production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert result.stdout.strip() == (
        "True True True 31536000 True False True ('HTTP_X_FORWARDED_PROTO', 'https')"
    )
