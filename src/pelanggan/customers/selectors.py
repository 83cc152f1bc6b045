"""Read side of the customer master, always scoped to what the caller may see.

A customer outside the caller's units is reported exactly like one that does not exist.
Personal data is masked here, at the source, so no view can forget to mask it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from pelanggan.customers.models import (
    Account,
    Person,
    PersonNameWord,
    ServiceTerms,
)
from pelanggan.customers.services.privacy import hide_restricted
from pelanggan.customers.services.writer import Index, nik_index, phone_index
from pelanggan.customers.validation import (
    FieldError,
    name_words,
    normalize_phone,
)
from pelanggan.platform import audit, crypto
from pelanggan.platform.bulk import fetch_all_prepared
from pelanggan.platform.errors import NotFound, PermissionDenied, ValidationFailed
from pelanggan.platform.masking import mask_email, mask_nik, mask_phone, national_phone
from pelanggan.security import anomaly
from pelanggan.security.roles import Perm
from pelanggan.security.selectors import Principal

MAX_PAGE_SIZE = 50
MAX_COUNTED = 1000
_DIGITS = re.compile(r"^\d+$")
_METER = re.compile(r"^[A-Z0-9-]{4,20}$")


@dataclass(frozen=True)
class QueryKinds:
    """What a search string could be. A 12-digit string may be an IDPEL and a phone at once."""

    idpel: str | None = None
    meter: str | None = None
    nik: str | None = None
    phone: str | None = None
    words: tuple[str, ...] = ()

    @property
    def personal(self) -> bool:
        return bool(self.nik or self.phone or self.words)

    @property
    def labels(self) -> list[str]:
        return [k for k in ("idpel", "meter", "nik", "phone") if getattr(self, k)] + (
            ["name"] if self.words else []
        )


def classify(query: str) -> QueryKinds:
    compact = re.sub(r"[\s.\-()]", "", query.strip())
    upper = query.strip().upper().replace(" ", "")
    phone = None
    if compact.startswith(("0", "62", "+62")) and len(compact) >= 9:
        try:
            phone = normalize_phone(compact)
        except FieldError:
            phone = None
    if _DIGITS.match(compact):
        return QueryKinds(
            idpel=compact if len(compact) == 12 else None,
            meter=compact if 4 <= len(compact) <= 20 and len(compact) != 16 else None,
            nik=compact if len(compact) == 16 else None,
            phone=phone,
        )
    if phone:
        return QueryKinds(phone=phone)
    if _METER.match(upper) and any(ch.isdigit() for ch in upper):
        return QueryKinds(meter=upper)
    return QueryKinds(words=tuple(name_words(query)))


def _scoped(principal: Principal) -> QuerySet[Account]:
    accounts = Account.objects.all()
    if not principal.national:
        accounts = accounts.filter(ulp_id__in=principal.ulp_ids)
    return accounts


def _by_name_words(words: tuple[str, ...], principal: Principal) -> QuerySet[Account]:
    persons = Person.objects.all()
    for word in words[:6]:
        index = crypto.blind_index(word, purpose=Index.NAME_WORD)
        persons = persons.filter(
            id__in=PersonNameWord.objects.filter(word_index=index).values("person_id")
        )
    return _scoped(principal).filter(owner__in=persons.values("id"))


@dataclass(frozen=True)
class SearchHit:
    idpel: str
    full_name: str
    status: str
    ulp_code: str
    ulp_name: str
    kelurahan: str
    kecamatan: str
    kabupaten_kota: str
    utilities: list[dict[str, Any]]


@dataclass(frozen=True)
class SearchPage:
    query_kinds: list[str]
    total: int
    page: int
    page_size: int
    hits: list[SearchHit] = field(default_factory=list)
    # True when more than MAX_COUNTED accounts match: `total` is then MAX_COUNTED.
    total_capped: bool = False


def _connection_summary(row: tuple[Any, ...]) -> dict[str, Any]:
    utility, meter_number, payment_mode, tariff_group, daya_va, customer_group = row
    return {
        "utility": utility,
        "meter_number": meter_number,
        "payment_mode": payment_mode or "",
        "tariff_group": tariff_group or "",
        "daya_va": daya_va,
        "customer_group": customer_group or "",
    }


def _hits_for(accounts: list[Account]) -> list[SearchHit]:
    """Search hits for a page of accounts (owner, premise and ULP already joined)."""
    connections: dict[int, list[dict[str, Any]]] = {}
    open_terms = ServiceTerms.objects.filter(
        valid_to__isnull=True, connection__account__in=[a.pk for a in accounts]
    ).select_related("connection")
    for terms in open_terms.order_by("connection_id"):
        conn = terms.connection
        connections.setdefault(conn.account_id, []).append(
            _connection_summary(
                (conn.utility, conn.meter_number, terms.payment_mode, terms.tariff_group,
                 terms.daya_va, terms.customer_group)
            )
        )  # fmt: skip
    return [
        SearchHit(
            idpel=a.idpel,
            full_name=a.owner.full_name,
            status=a.status,
            ulp_code=a.ulp.code,
            ulp_name=a.ulp.name,
            kelurahan=a.premise.kelurahan,
            kecamatan=a.premise.kecamatan,
            kabupaten_kota=a.premise.kabupaten_kota,
            utilities=connections.get(a.pk, []),
        )
        for a in accounts
    ]


_HITS_SQL = """
    WITH matched(id) AS ({matched})
    SELECT a.id, a.idpel, a.status, p.full_name, u.code, u.name,
           pr.kelurahan, pr.kecamatan, pr.kabupaten_kota,
           c.utility, c.meter_number, t.payment_mode, t.tariff_group, t.daya_va,
           t.customer_group
    FROM customers_account a
    JOIN customers_person p ON p.id = a.owner_id
    JOIN security_unit u ON u.id = a.ulp_id
    JOIN customers_premise pr ON pr.id = a.premise_id
    LEFT JOIN customers_serviceconnection c ON c.account_id = a.id
    LEFT JOIN customers_serviceterms t ON t.connection_id = c.id AND t.valid_to IS NULL
    WHERE a.id IN (SELECT id FROM matched){scope}
    ORDER BY a.idpel, c.id
"""


def _identifier_hits(kinds: QueryKinds, principal: Principal) -> list[SearchHit]:
    """Every account matching an IDPEL, meter, NIK or phone, with its connections, in one
    statement: a UNION of indexed lookups (an SQL OR across joined tables would make PostgreSQL
    scan every account) joined to what a hit shows. Searches are the console's most frequent
    call, so this skips the ORM."""
    branches: list[str] = []
    params: list[Any] = []
    if kinds.idpel:
        branches.append("SELECT id FROM customers_account WHERE idpel = %s")
        params.append(kinds.idpel)
    if kinds.meter:
        branches.append(
            "SELECT account_id FROM customers_serviceconnection WHERE meter_number = %s"
        )
        params.append(kinds.meter)
    if kinds.nik:
        branches.append(
            "SELECT a.id FROM customers_account a JOIN customers_person p ON p.id = a.owner_id"
            " WHERE p.nik_index = %s"
        )
        params.append(nik_index(kinds.nik))
    if kinds.phone:
        branches.append(
            "SELECT a.id FROM customers_account a"
            " JOIN customers_personphone ph ON ph.person_id = a.owner_id"
            " WHERE ph.number_index = %s"
        )
        params.append(phone_index(kinds.phone))
    if not branches or (not principal.national and not principal.ulp_ids):
        return []
    scope = ""
    if not principal.national:
        scope = " AND a.ulp_id IN (" + ", ".join(["%s"] * len(principal.ulp_ids)) + ")"
        params.extend(sorted(principal.ulp_ids))
    sql = _HITS_SQL.format(matched=" UNION ".join(branches), scope=scope)
    name_field = Person._meta.get_field("full_name")
    hits: dict[int, SearchHit] = {}
    for row in fetch_all_prepared(sql, params):
        account_id = row[0]
        if account_id not in hits:
            hits[account_id] = SearchHit(
                idpel=row[1],
                full_name=name_field.from_db_value(row[3], None, connection),
                status=row[2],
                ulp_code=row[4],
                ulp_name=row[5],
                kelurahan=row[6],
                kecamatan=row[7],
                kabupaten_kota=row[8],
                utilities=[],
            )
        if row[9] is not None:
            hits[account_id].utilities.append(_connection_summary(row[9:15]))
    return list(hits.values())


def search_customers(
    *,
    query: str,
    principal: Principal,
    page: int = 1,
    page_size: int = 20,
    allow_personal: bool = True,
) -> SearchPage:
    """Find accounts by IDPEL, meter number, NIK, phone or name words, within the caller's scope.

    With `allow_personal=False` (queries that arrived in a URL) a NIK, phone or name query is
    refused, so personal data never lands in access logs.
    """
    query = query.strip()
    if not query:
        raise ValidationFailed.single(
            "q",
            "query_empty",
            "Type an IDPEL, meter number, NIK, phone or name",
            "Ketik IDPEL, nomor meter, NIK, telepon, atau nama",
        )
    if len(query) > 100:
        raise ValidationFailed.single(
            "q",
            "query_too_long",
            "The search text is too long (100 characters max)",
            "Teks pencarian terlalu panjang (maksimal 100 karakter)",
        )
    if page < 1 or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValidationFailed.single(
            "page",
            "page_out_of_range",
            f"page ≥ 1 and 1 ≤ page_size ≤ {MAX_PAGE_SIZE}",
            f"Halaman ≥ 1 dan ukuran halaman 1 sampai {MAX_PAGE_SIZE}",
        )
    kinds = classify(query)
    if not allow_personal and (kinds.nik or kinds.phone or kinds.words):
        raise ValidationFailed.single(
            "q",
            "personal_data_in_url",
            "Search by NIK, phone or name with POST /api/v1/customers/search, "
            "so personal data stays out of URLs and logs",
            "Cari berdasarkan NIK, telepon, atau nama dengan POST /api/v1/customers/search "
            "agar data pribadi tidak masuk ke URL dan log",
        )
    if not allow_personal:
        kinds = QueryKinds(idpel=kinds.idpel, meter=kinds.meter)
    if not kinds.labels:
        raise ValidationFailed.single(
            "q",
            "query_unusable",
            "The search text has no usable words",
            "Teks pencarian tidak memiliki kata yang dapat dipakai",
        )
    start = (page - 1) * page_size
    if kinds.words:
        matches = _by_name_words(kinds.words, principal)
        # Counting every holder of a common name word costs more than the search itself; past
        # MAX_COUNTED the caller is asked to refine instead.
        total = matches[: MAX_COUNTED + 1].count()
        capped = total > MAX_COUNTED
        total = min(total, MAX_COUNTED)
        page_qs = matches.select_related("owner", "premise", "ulp").order_by("idpel")
        hits = _hits_for(list(page_qs[start : start + page_size]))
    else:
        # Identifier matches are few: fetch them all in one statement, page in Python.
        every = _identifier_hits(kinds, principal)
        total, hits, capped = len(every), every[start : start + page_size], False
    hits, total = hide_restricted(hits=hits, total=total, principal=principal)  # UU PDP Pasal 11
    if hits:
        audit.record(
            "customers.search.performed",
            actor=principal.actor,
            subject_type="account",
            subject_ids=[h.idpel for h in hits],
            changes={"query_kinds": kinds.labels, "total": total},
        )
    return SearchPage(kinds.labels, total, page, page_size, hits, total_capped=capped)


def _masked_email(email: str | None) -> str | None:
    return mask_email(email) if email else None


def customer_record(
    *, idpel: str, principal: Principal, record_view: bool = True, reason: str = ""
) -> dict[str, Any]:
    """The 360° record of an account, personal data masked; placeholders for later contexts.

    With `record_view` the read is audited (`customers.record.viewed`, with the caller's stated
    `reason` when given) and counted by access-anomaly detection.
    """
    account = (
        _scoped(principal)
        .select_related("owner", "premise", "ulp", "ulp__parent")
        .filter(idpel=idpel)
        .first()
    )
    if account is None:
        raise NotFound("Customer not found", code="customer_not_found")
    person, premise = account.owner, account.premise
    phones = list(person.phones.order_by("-is_primary", "id"))
    other_accounts = list(
        _scoped(principal)
        .filter(owner=person)
        .exclude(pk=account.pk)
        .values_list("idpel", flat=True)
    )
    connections = []
    for conn in account.connections.order_by("id").prefetch_related("terms"):
        history = sorted(conn.terms.all(), key=lambda t: t.valid_from)
        connections.append(
            {
                "id": conn.pk,
                "utility": conn.utility,
                "meter_number": conn.meter_number,
                "connected_on": conn.connected_on,
                "disconnected_on": conn.disconnected_on,
                "terms": [
                    {
                        "valid_from": t.valid_from,
                        "valid_to": t.valid_to,
                        "payment_mode": t.payment_mode,
                        "tariff_group": t.tariff_group,
                        "daya_va": t.daya_va,
                        "customer_group": t.customer_group,
                        "pipe_size_mm": t.pipe_size_mm,
                        "reason": t.reason,
                    }
                    for t in reversed(history)
                ],
            }
        )
    record = {
        "idpel": account.idpel,
        "status": account.status,
        "data_source": account.data_source,
        "billing_address": account.billing_address,
        "created_at": account.created_at,
        "unit": {
            "ulp_code": account.ulp.code,
            "ulp_name": account.ulp.name,
            "up3_name": account.ulp.parent.name if account.ulp.parent else None,
        },
        "person": {
            "full_name": person.full_name,
            "nik_masked": mask_nik(person.nik) if person.nik else None,
            "birth_year": person.birth_date.year if person.birth_date else None,
            "gender": person.gender,
            "phones_masked": [
                {"number": mask_phone(p.number), "kind": p.kind, "primary": p.is_primary}
                for p in phones
            ],
            "email_masked": _masked_email(person.email),
            "emergency_contacts": [
                {
                    "name": c.name,
                    "relationship": c.relationship,
                    "phone_masked": mask_phone(c.phone),
                }
                for c in person.emergency_contacts.all()
            ],
            "data_source": person.data_source,
        },
        "other_accounts": other_accounts,
        "premise": {
            "street": premise.street,
            "rt": premise.rt,
            "rw": premise.rw,
            "kelurahan": premise.kelurahan,
            "kecamatan": premise.kecamatan,
            "kabupaten_kota": premise.kabupaten_kota,
            "provinsi": premise.provinsi,
            "postal_code": premise.postal_code,
            "village_code": premise.village_code,
            "has_coordinates": premise.latitude is not None,
            "latitude": premise.latitude,
            "longitude": premise.longitude,
        },
        "connections": connections,
        "assets": [
            {
                "kind": a.kind,
                "capacity_kwp": a.capacity_kwp,
                "export_meter_number": a.export_meter_number,
                "installed_on": a.installed_on,
            }
            for a in account.assets.order_by("id")
        ],
        "programmes": [
            {
                "code": p.programme_code,
                "name": p.programme_name,
                "enrolled_on": p.enrolled_on,
                "ended_on": p.ended_on,
            }
            for p in account.programmes.order_by("enrolled_on")
        ],
        "consents": [
            {
                "purpose": c.purpose,
                "given_at": c.given_at,
                "withdrawn_at": c.withdrawn_at,
                "channel": c.channel,
            }
            for c in person.consents.order_by("given_at")
        ],
        # Filled by the capabilities that own them (billing, prepaid, service requests, outages).
        "bills": {"available": False, "items": []},
        "payments": {"available": False, "items": []},
        "tokens": {"available": False, "items": []},
        "cases": {"available": False, "items": []},
        "outages": {"available": False, "items": []},
    }
    if record_view:
        # First: a read that crosses the suspension threshold is refused (AccountSuspended).
        anomaly.observe_read(principal=principal, account_key=idpel, ulp_id=account.ulp_id)
        audit.record(
            "customers.record.viewed",
            actor=principal.actor,
            subject_type="account",
            subject_ids=[idpel],
            reason=reason[:500],
        )
    return record


class RevealReason(models.TextChoices):
    """Why a staff member needs to see an unmasked value (the short list of the reveal form)."""

    IDENTITY_CHECK = "identity_check", _("Verifying the customer's identity")
    CUSTOMER_REQUEST = "customer_request", _("The customer asked for it")
    COMPLAINT = "complaint", _("Handling a complaint or case")
    FIELD_VISIT = "field_visit", _("Field visit or meter work")
    LEGAL = "legal", _("Legal or authority request")
    OTHER = "other", _("Other")


REVEALABLE_FIELDS = ("nik", "phones", "email", "birth_date", "emergency_contacts")
MIN_REASON_LENGTH = 10


def _reveal_problems(fields: list[str], reason_code: str, reason_text: str) -> dict[str, Any]:
    problems: dict[str, list[dict[str, str]]] = {}
    if not fields or any(f not in REVEALABLE_FIELDS for f in fields):
        problems["fields"] = [
            {
                "code": "field_not_revealable",
                "message": f"Choose one or more of: {', '.join(REVEALABLE_FIELDS)}",
                "message_id": "Pilih satu atau lebih data yang dapat ditampilkan",
            }
        ]
    if reason_code not in RevealReason.values:
        problems["reason_code"] = [
            {
                "code": "reason_required",
                "message": "Choose the reason from the list",
                "message_id": "Pilih alasan dari daftar",
            }
        ]
    if not MIN_REASON_LENGTH <= len(reason_text.strip()) <= 300:
        problems["reason"] = [
            {
                "code": "reason_too_short",
                "message": f"Explain the need in {MIN_REASON_LENGTH} to 300 characters",
                "message_id": f"Jelaskan keperluannya dalam {MIN_REASON_LENGTH}–300 karakter",
            }
        ]
    return problems


def reveal_personal_data(
    *, idpel: str, principal: Principal, fields: list[str], reason_code: str, reason_text: str
) -> dict[str, Any]:
    """The unmasked values of `fields` of the account owner, for one view only.

    Needs `customers.reveal_pii` (PermissionDenied otherwise) and a customer inside the caller's
    units (NotFound otherwise, like a missing one); the reason is required (ValidationFailed).
    Writes `customers.pii.revealed` naming the fields and the reason, never the values. The
    caller (view or API) checks step-up authentication before calling this.
    """
    if not principal.has(Perm.PII_REVEAL):
        raise PermissionDenied("You may not reveal personal data")
    fields = list(dict.fromkeys(fields))
    problems = _reveal_problems(fields, reason_code, reason_text)
    if problems:
        raise ValidationFailed(fields=problems)
    account = _scoped(principal).select_related("owner").filter(idpel=idpel).first()
    if account is None:
        raise NotFound("Customer not found", code="customer_not_found")
    person = account.owner
    values: dict[str, Any] = {}
    if "nik" in fields:
        values["nik"] = person.nik
    if "birth_date" in fields:
        values["birth_date"] = person.birth_date.isoformat() if person.birth_date else None
    if "email" in fields:
        values["email"] = person.email
    if "phones" in fields:
        values["phones"] = [
            {"number": national_phone(p.number), "kind": p.kind, "primary": p.is_primary}
            for p in person.phones.order_by("-is_primary", "id")
        ]
    if "emergency_contacts" in fields:
        values["emergency_contacts"] = [
            {"name": c.name, "phone": national_phone(c.phone), "relationship": c.relationship}
            for c in person.emergency_contacts.all()
        ]
    anomaly.observe_read(principal=principal, account_key=idpel, ulp_id=account.ulp_id)
    audit.record(
        "customers.pii.revealed",
        actor=principal.actor,
        subject_type="account",
        subject_ids=[idpel],
        changes={"fields": fields, "reason_code": reason_code},
        reason=reason_text.strip(),
    )
    return values
