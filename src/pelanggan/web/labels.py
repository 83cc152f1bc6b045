"""Display labels for the codes the customer master and security store, in both languages.

The model choices carry Indonesian labels only; the console needs them switchable, so the
labels live here as translatable strings keyed by the stored value. A test checks the keys
against the model choices, so a new status cannot silently show up as its raw code.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

LABELS: dict[str, dict[str, Promise]] = {
    "account_status": {
        "active": _("Active"),
        "inactive": _("Inactive"),
        "disconnected": _("Temporarily disconnected"),
        "terminated": _("Terminated"),
    },
    "utility": {"electricity": _("Electricity"), "water": _("Water")},
    "payment_mode": {"prepaid": _("Prepaid"), "postpaid": _("Postpaid")},
    "gender": {"M": _("Male"), "F": _("Female")},
    "phone_kind": {"mobile": _("Mobile"), "landline": _("Landline")},
    "data_source": {
        "registration": _("Registration"),
        "import": _("DIL import"),
        "contact_centre": _("Contact centre 123"),
        "counter": _("ULP counter"),
        "third_party": _("Third party"),
    },
    "asset_kind": {
        "rooftop_pv": _("Rooftop PV"),
        "battery": _("Battery"),
        "ev_charger": _("EV charger"),
    },
    "consent_purpose": {
        "service_notifications": _("Service notifications"),
        "marketing": _("Offers and promotions"),
        "energy_efficiency": _("Energy-efficiency programmes"),
        "consumption_analytics": _("Consumption analysis"),
        "third_party_sharing": _("Sharing with third parties"),
    },
    "finding_kind": {
        "duplicate_nik": _("Same NIK, different names"),
        "shared_phone": _("Phone shared by different persons"),
        "same_premise": _("Several accounts at one premise"),
    },
    "role": {
        "administrator": _("Administrator"),
        "supervisor": _("Supervisor"),
        "agent": _("Service agent"),
        "billing_officer": _("Billing officer"),
        "field_technician": _("Field technician"),
        "auditor": _("Auditor"),
        "privacy_officer": _("Data-protection officer"),
        "partner_client": _("Partner API client"),
        "head_end": _("AMI head-end system (service account)"),
        "customer": _("Customer"),
    },
}

# Labels of the flat DIL columns, used for form labels and for problems filed under a column
# that the form on screen does not show (for example `kecamatan` during an address change).
COLUMN_LABELS: dict[str, Promise] = {
    "idpel": _("IDPEL"),
    "ulp_code": _("Service unit (ULP)"),
    "full_name": _("Full name"),
    "nik": _("NIK"),
    "birth_date": _("Birth date"),
    "gender": _("Gender"),
    "phone": _("Phone"),
    "phone_2": _("Second phone"),
    "email": _("E-mail"),
    "street": _("Street and house number"),
    "rt": _("RT"),
    "rw": _("RW"),
    "village_code": _("Village code (Kemendagri)"),
    "kelurahan": _("Village (kelurahan/desa)"),
    "kecamatan": _("District (kecamatan)"),
    "kabupaten_kota": _("Regency/city"),
    "provinsi": _("Province"),
    "postal_code": _("Postal code"),
    "latitude": _("Latitude"),
    "longitude": _("Longitude"),
    "coordinates": _("Coordinates"),
    "utility": _("Utility"),
    "payment_mode": _("Payment mode"),
    "tariff_group": _("Tariff group"),
    "daya_va": _("Contracted power (VA)"),
    "customer_group": _("Water customer group"),
    "pipe_size_mm": _("Pipe size (mm)"),
    "meter_number": _("Meter number"),
    "account_status": _("Account status"),
    "connected_on": _("Connected on"),
    "billing_address": _("Billing address (if not the premise)"),
    "data_source": _("Data source"),
    "effective_at": _("Effective from"),
    "reason": _("Reason"),
    "q": _("Search"),
    "page": _("Page"),
}

BADGE_TONES = {
    "active": "ok",
    "inactive": "muted",
    "disconnected": "warn",
    "terminated": "danger",
}


def label(kind: str, value: object) -> str:
    """The translated label of a stored code, or the code itself when none is known."""
    if value is None or value == "":
        return ""
    found = LABELS.get(kind, {}).get(str(value))
    return str(found) if found is not None else str(value)


def choices(kind: str) -> list[tuple[str, Promise]]:
    return list(LABELS[kind].items())
