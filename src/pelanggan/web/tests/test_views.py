"""The staff console through Django's test client: language, search, 360°, forms, permissions."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, path

from conftest import Persona, mark_mfa_fresh, principal_of
from pelanggan.customers.models import Account, Person, Premise, ServiceTerms
from pelanggan.customers.services import register_customer
from pelanggan.platform.models import AuditEvent
from pelanggan.security.roles import ALL_PERMISSIONS

pytestmark = pytest.mark.django_db

IDPEL = "531100000001"
FULL_NIK = "3273055207850003"
MASKED_NIK = "3273********0003"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def console(persona: Persona) -> Client:
    client = Client()
    client.force_login(persona.user)
    return client


def register(persona: Persona, row: dict[str, str]) -> str:
    return register_customer(data=row, principal=principal_of(persona)).idpel


def html(response: Any) -> str:
    return response.content.decode()


def field_block(page: str, name: str) -> str:
    """The HTML of one form field: from its `data-field` marker up to the next field's."""
    return page.split(f'data-field="{name}"', 1)[1].split("data-field=", 1)[0]


def field_errors(page: str, name: str) -> list[str]:
    block = field_block(page, name)
    match = re.search(rf'<div class="field-errors" id="id_{name}_error">(.*?)</div>', block, re.S)
    return re.findall(r"<p>(.*?)</p>", match.group(1)) if match else []


def row_idpels(page: str) -> list[str]:
    return re.findall(r"data-row-link>(\d+)</a>", page)


# ---------------------------------------------------------------- language and login


def test_login_page_is_indonesian_by_default_and_english_after_set_language(db: Any) -> None:
    client = Client()
    page = html(client.get("/login/"))
    assert '<html lang="id">' in page
    assert "<h1>Masuk</h1>" in page
    assert '<label for="id_username">Nama pengguna</label>' in page

    switched = client.post("/i18n/setlang/", {"language": "en"})
    assert switched.status_code == 302
    page = html(client.get("/login/"))
    assert '<html lang="en">' in page
    assert "<h1>Sign in</h1>" in page
    assert '<label for="id_username">Username</label>' in page


def test_an_english_browser_still_gets_indonesian_until_the_user_switches(db: Any) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "<h1>Masuk</h1>" in html(client.get("/login/"))
    client.post("/i18n/setlang/", {"language": "en"})
    assert "<h1>Sign in</h1>" in html(client.get("/login/"))


def test_login_logout_and_failed_login_are_audited_without_the_typed_name(agent_a: Persona) -> None:
    agent_a.user.set_password("console-password-42")
    agent_a.user.save()
    client = Client()
    failed = client.post("/login/", {"login": "secret-typed-here", "password": "x"})
    assert failed.status_code == 200
    assert "alert-danger" in html(failed)
    password_ok = client.post("/login/", {"login": "agent.a", "password": "console-password-42"})
    assert password_ok.status_code == 302
    assert password_ok["Location"] == "/accounts/2fa/authenticate/"
    ok = client.post("/accounts/2fa/authenticate/", {"code": agent_a.otp()})
    assert ok.status_code == 302
    assert ok["Location"] == "/"
    assert client.post("/logout/").status_code == 302

    events = list(
        AuditEvent.objects.filter(event_type__startswith="security.session.").order_by("seq")
    )
    assert [e.event_type for e in events] == [
        "security.session.login_failed",
        "security.session.login",
        "security.session.logout",
    ]
    failed_event = events[0]
    assert (failed_event.actor_kind, failed_event.actor_id, failed_event.actor_label) == (
        "anonymous",
        None,
        "anonymous",
    )
    assert failed_event.subject_type == "staff"
    assert failed_event.subject_ids == []
    assert "secret-typed-here" not in str(failed_event.changes) + failed_event.reason
    assert (events[1].actor_label, events[1].subject_ids) == ("agent.a", [str(agent_a.user.pk)])


def test_anonymous_is_sent_to_login_and_partial_requests_get_a_client_redirect(db: Any) -> None:
    response = Client().get("/customers/531100000001/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/customers/531100000001/"
    partial = Client().post("/customers/search/", {"q": "siti"}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    assert partial["HX-Redirect"] == "/login/"


def test_a_user_without_staff_profile_gets_403(db: Any) -> None:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(username="no-profile", password="x")
    client = Client()
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 403
    assert "<h1>Tidak ada akses</h1>" in html(response)


# ---------------------------------------------------------------- search


def test_search_by_name_finds_the_customer(agent_a: Persona, valid_row: dict[str, str]) -> None:
    register(agent_a, valid_row)
    response = console(agent_a).post("/customers/search/", {"q": "nurhaliza siti"})
    assert response.status_code == 200
    page = html(response)
    assert row_idpels(page) == [IDPEL]
    assert "Siti Nurhaliza Rahmawati" in page
    assert "1 pelanggan ditemukan" in page
    assert "R-1/TR · 1.300 VA" in page
    assert '<span class="badge badge-ok">Aktif</span>' in page
    assert "<html" in page  # without JS: the whole page with the results in it


def test_partial_search_returns_only_the_results_fragment(
    agent_a: Persona, valid_row: dict[str, str]
) -> None:
    register(agent_a, valid_row)
    response = console(agent_a).post(
        "/customers/search/", {"q": "rahmawati"}, HTTP_HX_REQUEST="true"
    )
    page = html(response)
    assert response.status_code == 200
    assert "<html" not in page
    assert row_idpels(page) == [IDPEL]
    assert "HX-Request" in response["Vary"]


def test_search_from_another_unit_finds_nothing(
    agent_a: Persona, agent_b: Persona, valid_row: dict[str, str]
) -> None:
    register(agent_a, valid_row)
    client = console(agent_b)
    for query in ("siti", FULL_NIK, IDPEL):
        page = html(client.post("/customers/search/", {"q": query}))
        assert row_idpels(page) == [], query
        assert "Pelanggan tidak ditemukan" in page
        assert "Siti" not in page.replace('value="siti"', "")


def test_search_keeps_personal_data_out_of_urls(agent_a: Persona) -> None:
    client = console(agent_a)
    home = html(client.get("/"))
    assert re.search(r'<form class="search-form" method="post" action="/customers/search/"', home)
    # A GET (for example after switching language) never searches and never takes a query.
    response = client.get("/customers/search/?q=3273055207850003")
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_empty_search_explains_in_the_results_area(agent_a: Persona) -> None:
    response = console(agent_a).post("/customers/search/", {"q": "  "}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert html(response).strip().startswith('<div class="alert alert-warn" role="alert">')
    assert "Ketik IDPEL, nomor meter, NIK, telepon, atau nama" in html(response)


def test_search_pages_with_post_buttons(agent_a: Persona, valid_row: dict[str, str]) -> None:
    for number in range(1, 23):
        valid_row.update(idpel=f"5311000000{number:02d}", meter_number=f"141234567{number:02d}")
        register(agent_a, valid_row)
    client = console(agent_a)
    first = html(client.post("/customers/search/", {"q": "siti"}))
    assert len(row_idpels(first)) == 20
    assert "Halaman 1 dari 2" in first
    assert '<button type="submit" name="page" value="2" class="btn">' in first
    second = html(client.post("/customers/search/", {"q": "siti", "page": "2"}))
    assert row_idpels(second) == ["531100000021", "531100000022"]


# ---------------------------------------------------------------- 360


def test_360_shows_the_masked_nik_and_never_the_full_one(
    agent_a: Persona, valid_row: dict[str, str]
) -> None:
    register(agent_a, valid_row)
    response = console(agent_a).get(f"/customers/{IDPEL}/")
    page = html(response)
    assert response.status_code == 200
    assert f'<dd class="mono" data-nik>{MASKED_NIK}</dd>' in page
    assert FULL_NIK not in page
    assert "81234567890" not in page
    assert "0812****7890" in page
    assert "s***@example.co.id" in page
    assert "1 Maret 2019 – sekarang" in page
    assert "<strong>R-1/TR</strong> · 1.300 VA · Prabayar" in page
    assert page.count("Belum tersedia") == 5
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    assert AuditEvent.objects.filter(event_type="customers.record.viewed").count() == 1


def test_360_of_another_units_customer_is_the_same_404_as_a_missing_one(
    agent_a: Persona, agent_b: Persona, valid_row: dict[str, str]
) -> None:
    register(agent_a, valid_row)
    client = console(agent_b)
    hidden = client.get(f"/customers/{IDPEL}/")
    missing = client.get("/customers/531100000099/")
    assert hidden.status_code == missing.status_code == 404
    assert CSRF.sub("", html(hidden)) == CSRF.sub("", html(missing))
    assert "<h1>Tidak ditemukan</h1>" in html(hidden)
    assert IDPEL not in html(hidden)
    assert client.get(f"/customers/{IDPEL}/address/").status_code == 404


def test_360_formats_assets_and_the_terms_timeline(
    supervisor_a: Persona, valid_row: dict[str, str]
) -> None:
    from pelanggan.customers.services import TermsChange, add_asset, change_terms

    register(supervisor_a, valid_row)
    principal = principal_of(supervisor_a)
    add_asset(idpel=IDPEL, kind="rooftop_pv", capacity_kwp=Decimal("3.300"), principal=principal)
    wib = dt.timezone(dt.timedelta(hours=7))
    change_terms(
        idpel=IDPEL,
        principal=principal,
        change=TermsChange(
            effective_at=dt.datetime(2026, 11, 1, tzinfo=wib),
            reason="PD 1300 -> 2200",
            daya_va=2200,
        ),
    )
    page = html(console(supervisor_a).get(f"/customers/{IDPEL}/"))
    assert "PLTS atap</strong> · 3,3 kWp" in page
    assert "1 November 2026 – sekarang" in page
    assert "1 Maret 2019 – 1 November 2026" in page
    assert page.index("2.200 VA") < page.index("1.300 VA")


# ---------------------------------------------------------------- registration


def test_create_with_a_bad_nik_shows_the_indonesian_error_next_to_nik_and_creates_nothing(
    agent_a: Persona, valid_row: dict[str, str]
) -> None:
    valid_row["nik"] = "3273059907850003"
    response = console(agent_a).post("/customers/new/", valid_row)
    page = html(response)
    assert response.status_code == 422
    assert field_errors(page, "nik") == [
        "Tanggal lahir pada NIK harus 01-31, atau 41-71 untuk perempuan"
    ]
    assert 'aria-invalid="true"' in field_block(page, "nik")
    assert field_errors(page, "full_name") == []
    assert 'value="Siti Nurhaliza Rahmawati"' in page  # the input is kept
    assert "Data belum disimpan: 1 isian perlu diperbaiki." in page
    assert Account.objects.count() == 0
    assert Person.objects.count() == 0


def test_create_errors_follow_the_language(agent_a: Persona, valid_row: dict[str, str]) -> None:
    valid_row["nik"] = "3273059907850003"
    client = console(agent_a)
    client.post("/i18n/setlang/", {"language": "en"})
    page = html(client.post("/customers/new/", valid_row, HTTP_HX_REQUEST="true"))
    assert page.startswith("<form")
    assert field_errors(page, "nik") == [
        "The day of birth in the NIK must be 01-31, or 41-71 for women"
    ]


def test_successful_create_redirects_to_the_360(
    agent_a: Persona, valid_row: dict[str, str]
) -> None:
    valid_row["idpel"] = ""
    client = console(agent_a)
    response = client.post("/customers/new/", valid_row)
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{IDPEL}/"
    account = Account.objects.get()
    assert (account.idpel, account.data_source) == (IDPEL, "counter")
    page = html(client.get(response["Location"]))
    assert "Pelanggan 531100000001 berhasil didaftarkan." in page
    partial = client.post(
        "/customers/new/", {**valid_row, "meter_number": "14123456790"}, HTTP_HX_REQUEST="true"
    )
    assert partial["HX-Redirect"] == "/customers/531100000002/"


def test_create_offers_only_the_users_ulps(agent_a: Persona, supervisor_a: Persona) -> None:
    agent_form = html(console(agent_a).get("/customers/new/"))
    assert re.findall(r'<option value="(531\d\d)"', agent_form) == ["53110"]
    supervisor_form = html(console(supervisor_a).get("/customers/new/"))
    assert re.findall(r'<option value="(531\d\d)"', supervisor_form) == ["53110", "53120"]


def test_duplicate_meter_is_shown_at_the_meter_field(
    agent_a: Persona, valid_row: dict[str, str]
) -> None:
    register(agent_a, valid_row)
    page = html(console(agent_a).post("/customers/new/", {**valid_row, "idpel": ""}))
    assert field_errors(page, "meter_number") == [
        "Nomor meter ini sudah terpasang pada sambungan aktif"
    ]
    assert Account.objects.count() == 1


# ---------------------------------------------------------------- changes


def test_address_change_requires_a_reason(agent_a: Persona, valid_row: dict[str, str]) -> None:
    register(agent_a, valid_row)
    client = console(agent_a)
    change = {"street": "Jl. Pajajaran No. 5", "rt": "1", "rw": "2", "village_code": "3273051002"}
    response = client.post(f"/customers/{IDPEL}/address/", {**change, "reason": ""})
    assert response.status_code == 422
    assert field_errors(html(response), "reason") == ["Alasan wajib diisi"]
    assert Premise.objects.get().street == "Jl. Rajawali Timur No. 21"

    done = client.post(f"/customers/{IDPEL}/address/", {**change, "reason": "Pindah rumah"})
    assert done.status_code == 302
    assert Premise.objects.get().kelurahan == "Dungus Cariang"


def test_person_form_never_prefills_nik_or_phones(
    agent_a: Persona, valid_row: dict[str, str]
) -> None:
    register(agent_a, valid_row)
    client = console(agent_a)
    page = html(client.get(f"/customers/{IDPEL}/person/"))
    assert FULL_NIK not in page
    assert "81234567890" not in page
    nik_input = re.search(r'<input[^>]*name="nik"[^>]*>', page).group(0)
    assert 'placeholder="3273********0003"' in nik_input
    assert "value=" not in nik_input
    assert 'value="Siti Nurhaliza Rahmawati"' in page

    response = client.post(
        f"/customers/{IDPEL}/person/",
        {
            "full_name": "Siti Nurhaliza Rahmawati",
            "gender": "F",
            "phone": "0857 1234 5678",
            "reason": "KTP",
        },
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(event_type="customers.person.updated")
    assert event.changes == {"phones": {"changed": True}}
    assert Person.objects.get().nik == FULL_NIK


def test_person_form_without_changes_says_so(agent_a: Persona, valid_row: dict[str, str]) -> None:
    register(agent_a, valid_row)
    response = console(agent_a).post(
        f"/customers/{IDPEL}/person/", {"full_name": "Siti Nurhaliza Rahmawati", "gender": "F"}
    )
    assert response.status_code == 422
    assert "Tidak ada perubahan: isian sama dengan data saat ini" in html(response)


def test_agent_cannot_open_the_terms_page(agent_a: Persona, valid_row: dict[str, str]) -> None:
    register(agent_a, valid_row)
    client = console(agent_a)
    assert client.get(f"/customers/{IDPEL}/terms/").status_code == 403
    post = client.post(
        f"/customers/{IDPEL}/terms/",
        {"effective_on": "2026-11-01", "daya_va": "2200", "reason": "PD"},
    )
    assert post.status_code == 403
    assert "<h1>Tidak ada akses</h1>" in html(post)
    assert ServiceTerms.objects.count() == 1
    assert f"/customers/{IDPEL}/terms/" not in html(client.get(f"/customers/{IDPEL}/"))


def test_supervisor_changes_power_from_a_date_in_wib(
    supervisor_a: Persona, valid_row: dict[str, str]
) -> None:
    register(supervisor_a, valid_row)
    client = console(supervisor_a)
    # A tariff change asks for a fresh second factor first (step-up), then shows the form.
    stale = client.get(f"/customers/{IDPEL}/terms/")
    assert stale.status_code == 302
    assert stale["Location"].startswith("/accounts/2fa/reauthenticate/")
    mark_mfa_fresh(client)
    form = html(client.get(f"/customers/{IDPEL}/terms/"))
    assert re.search(r'<input[^>]*name="daya_va"[^>]*value="1300"', form)
    bad = client.post(
        f"/customers/{IDPEL}/terms/",
        {
            "effective_on": "2026-11-01",
            "payment_mode": "prepaid",
            "tariff_group": "R-1/TR",
            "daya_va": "3500",
            "reason": "PD",
        },
    )
    assert bad.status_code == 422
    assert field_errors(html(bad), "daya_va") == ["Daya di luar rentang golongan tarif"]
    done = client.post(
        f"/customers/{IDPEL}/terms/",
        {
            "effective_on": "2026-11-01",
            "payment_mode": "prepaid",
            "tariff_group": "R-1/TR",
            "daya_va": "2.200",
            "reason": "PD 1300 -> 2200",
        },
    )
    assert done.status_code == 302
    new = ServiceTerms.objects.get(valid_to__isnull=True)
    assert new.daya_va == 2200
    assert new.valid_from == dt.datetime(2026, 10, 31, 17, 0, tzinfo=dt.UTC)


# ---------------------------------------------------------------- quality, regions


def test_quality_report_for_auditor_and_supervisor_only(
    auditor: Persona, supervisor_a: Persona, agent_a: Persona, valid_row: dict[str, str]
) -> None:
    register(agent_a, valid_row)
    page = html(console(auditor).get("/quality/"))
    assert re.findall(r'<th scope="row"><span class="mono">(\d+)</span>', page) == [
        "53110",
        "53120",
        "53210",
    ]
    scoped = html(console(supervisor_a).get("/quality/"))
    assert re.findall(r'<th scope="row"><span class="mono">(\d+)</span>', scoped) == [
        "53110",
        "53120",
    ]
    assert console(agent_a).get("/quality/").status_code == 403


def test_region_lookup_lists_villages_of_a_district(agent_a: Persona) -> None:
    client = console(agent_a)
    partial = html(client.get("/regions/", {"code": "327305"}, HTTP_HX_REQUEST="true"))
    assert "<html" not in partial
    assert 'data-fill="#id_village_code" data-value="3273051001"' in partial
    assert "Maleber" in partial
    bad = client.get("/regions/", {"code": "12345"})
    assert bad.status_code == 422


# ---------------------------------------------------------------- every view declares a permission

EXEMPT = {"login", "logout", "set_language"}


def undeclared(patterns: Iterable[URLPattern | URLResolver], prefix: str = "") -> list[str]:
    """Names of views that declare no known permission (walking nested includes)."""
    missing = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            missing += undeclared(pattern.url_patterns, prefix + str(pattern.pattern))
        elif pattern.name not in EXEMPT and (
            getattr(pattern.callback, "required_permission", None) not in ALL_PERMISSIONS
        ):
            missing.append(pattern.name or prefix + str(pattern.pattern))
    return missing


def test_every_console_view_declares_a_permission() -> None:
    """Walks every staff-facing URL tree of the project (the console and the privacy pages).

    The API has its own walk (security tests), allauth's sign-in pages are exempt by design and
    the customer portal is checked by its own tests.
    """
    from pelanggan.privacy import urls as privacy_urls
    from pelanggan.web import urls as web_urls

    walked = [*web_urls.urlpatterns, *privacy_urls.urlpatterns]
    assert undeclared(walked) == []
    # The walk is not vacuous: it reaches the pages every release has.
    names = {p.name for p in walked if isinstance(p, URLPattern)}
    assert {"home", "search", "customer", "customer_reveal", "audit_trail", "requests"} <= names


def test_the_permission_walk_catches_a_bare_view() -> None:
    def bare(request: Any) -> None:
        return None

    assert undeclared([path("bare/", bare, name="bare")]) == ["bare"]


def test_create_with_a_billing_address_shows_it_on_the_360(
    agent_a: Persona, valid_row: dict[str, str]
) -> None:
    client = Client()
    client.force_login(agent_a.user)
    form = {k: v for k, v in valid_row.items() if k not in ("account_status", "data_source")}
    form["billing_address"] = "Kotak Pos 77, Bandung 40100"
    created = client.post("/customers/new/", form)
    assert created.status_code == 302, html(created)[:2000]
    page = html(client.get(created["Location"]))
    assert "<dt>Alamat penagihan</dt><dd>Kotak Pos 77, Bandung 40100</dd>" in page
