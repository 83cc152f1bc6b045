"""Console forms: rendering and parsing only.

Every field is optional text as far as Django is concerned; the customer services validate (the
same rules for the console, the API and file imports) and their `ValidationFailed` problems are
put back next to the field they name, in the active language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from pelanggan.customers import services
from pelanggan.customers.reference import TARIFF_GROUPS, WATER_CUSTOMER_GROUPS, WATER_PIPE_SIZES_MM
from pelanggan.platform.errors import DomainError, ValidationFailed
from pelanggan.web import labels
from pelanggan.web.formats import WIB

# Standard connected-power steps offered as suggestions; the service decides what is valid.
STANDARD_VA = (
    450,
    900,
    1300,
    2200,
    3500,
    4400,
    5500,
    7700,
    11000,
    13200,
    16500,
    23000,
    33000,
    41500,
    53000,
    66000,
    82500,
    105000,
    131000,
    147000,
    164000,
    197000,
)

# Errors that are not about one typed value: their message, and the field they belong to.
_KNOWN_ERRORS: dict[str, tuple[str | None, Any]] = {
    "idpel_taken": ("idpel", _("This IDPEL is already registered")),
    "meter_taken": ("meter_number", _("This meter number is already on a live connection")),
    "concurrent_registration": (
        None,
        _("The IDPEL or meter number was taken at the same moment; submit again"),
    ),
    "idpel_range_exhausted": ("ulp_code", _("This unit has no free IDPEL left")),
    "nothing_to_change": (None, _("Nothing was changed: the values equal the current data")),
    "no_live_connection": (None, _("The account has no live connection")),
    "terms_overlap": (None, _("The new terms would overlap an existing period")),
}


def problem_text(problem: Mapping[str, str]) -> str:
    """The message of one problem: Indonesian (`message_id`) when Indonesian is active."""
    language = translation.get_language() or "id"
    if language.startswith("id") and problem.get("message_id"):
        return problem["message_id"]
    return problem.get("message") or problem.get("code", "")


def _blank_choice(pairs: Iterable[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [("", "—"), *pairs]


def _text(*, autocomplete: str = "off", **attrs: Any) -> forms.CharField:
    return forms.CharField(
        required=False,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": autocomplete, **attrs}),
    )


def _select(choices: list[tuple[str, Any]]) -> forms.CharField:
    # A CharField with a select widget: the choice is checked by the service, not by Django, so
    # a stale or tampered value gets the same message as in the API.
    return forms.CharField(required=False, widget=forms.Select(choices=choices))


def _date() -> forms.CharField:
    return forms.CharField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


def tariff_choices() -> list[tuple[str, str]]:
    return _blank_choice(
        (code, f"{code} · {group.description}") for code, group in TARIFF_GROUPS.items()
    )


def water_group_choices() -> list[tuple[str, str]]:
    return _blank_choice((code, code) for code in WATER_CUSTOMER_GROUPS)


def pipe_choices() -> list[tuple[str, str]]:
    return _blank_choice((str(size), f"{size} mm") for size in WATER_PIPE_SIZES_MM)


class ConsoleForm(forms.Form):
    """Labels from the DIL column names; problems from a service shown beside their field."""

    required_fields: frozenset[str] = frozenset()
    # A service's name for a field where the form names it differently.
    field_aliases: dict[str, str] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if field.label is None:
                # Evaluated now: a form lives for one request, in that request's language.
                field.label = str(labels.COLUMN_LABELS.get(name, name))

    def values(self) -> dict[str, str]:
        """The typed values as stripped strings (call after `is_valid()`)."""
        return {
            name: "" if value is None else str(value) for name, value in self.cleaned_data.items()
        }

    def show_failure(self, exc: DomainError) -> None:
        """Put the problems of a ValidationFailed or Conflict next to the fields they name."""
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        fields = exc.fields if isinstance(exc, ValidationFailed) else {}
        if not fields:
            column, message = _KNOWN_ERRORS.get(exc.code, (None, exc.message))
            self.add_error(column if column in self.fields else None, str(message))
            return
        for column, problems in fields.items():
            column = self.field_aliases.get(column, column)
            for problem in problems:
                text = problem_text(problem)
                if column in self.fields:
                    self.add_error(column, text)
                else:
                    self.add_error(None, f"{labels.COLUMN_LABELS.get(column, column)}: {text}")


class SearchForm(ConsoleForm):
    q = forms.CharField(required=False, strip=True, label=_("Search customers"))
    page = forms.IntegerField(required=False, min_value=1)

    def query(self) -> str:
        self.is_valid()
        return str(self.cleaned_data.get("q") or "")

    def page_number(self) -> int:
        """The requested page; a page number that is not a number counts as the first."""
        self.is_valid()
        return int(self.cleaned_data.get("page") or 1)


class CustomerForm(ConsoleForm):
    """The registration form; the field names are the flat DIL columns of `DIL_COLUMNS`."""

    required_fields = frozenset({"ulp_code", "full_name", "street", "utility", "meter_number"})

    ulp_code = _select([])
    idpel = _text(inputmode="numeric", maxlength="12")
    full_name = _text(autocomplete="off")
    nik = _text(inputmode="numeric", maxlength="16")
    birth_date = _date()
    gender = _select(_blank_choice(labels.choices("gender")))
    phone = _text(inputmode="tel")
    phone_2 = _text(inputmode="tel")
    email = _text(inputmode="email")
    street = _text()
    rt = _text(inputmode="numeric", maxlength="3")
    rw = _text(inputmode="numeric", maxlength="3")
    village_code = _text(inputmode="numeric", maxlength="13")
    postal_code = _text(inputmode="numeric", maxlength="5")
    latitude = _text(inputmode="decimal")
    longitude = _text(inputmode="decimal")
    utility = _select(labels.choices("utility"))
    payment_mode = _select(labels.choices("payment_mode"))
    tariff_group = _select([])
    daya_va = _text(inputmode="numeric", list="standard-va")
    customer_group = _select([])
    pipe_size_mm = _select([])
    meter_number = _text()
    connected_on = _date()
    billing_address = _text(maxlength="300")

    def __init__(self, *args: Any, ulp_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ulp_code"].widget.choices = (
            ulp_choices if len(ulp_choices) == 1 else _blank_choice(ulp_choices)
        )
        self.fields["tariff_group"].widget.choices = tariff_choices()
        self.fields["customer_group"].widget.choices = water_group_choices()
        self.fields["pipe_size_mm"].widget.choices = pipe_choices()
        self.fields["idpel"].help_text = _("Leave empty to take the next IDPEL of the unit")
        self.fields["village_code"].help_text = _(
            "10 digits, e.g. 3273051001; use the region lookup"
        )

    def dil_row(self) -> dict[str, str]:
        """The flat DIL record for `register_customer`; the console registers at the counter."""
        row = dict.fromkeys(services.DIL_COLUMNS, "")
        row.update(self.values())
        row["data_source"] = "counter"
        return row


class PersonForm(ConsoleForm):
    """Personal data; NIK, phones and e-mail are never pre-filled: an empty field is unchanged."""

    full_name = _text()
    nik = _text(inputmode="numeric", maxlength="16")
    birth_date = _date()
    gender = _select(_blank_choice(labels.choices("gender")))
    phone = _text(inputmode="tel")
    phone_2 = _text(inputmode="tel")
    clear_phone_2 = forms.BooleanField(required=False, label=_("Remove the second phone"))
    email = _text(inputmode="email")
    clear_email = forms.BooleanField(required=False, label=_("Remove the e-mail address"))
    reason = _text()

    def __init__(self, *args: Any, record: Mapping[str, Any], **kwargs: Any) -> None:
        person = record["person"]
        initial = {"full_name": person["full_name"], "gender": person["gender"] or ""}
        super().__init__(*args, initial=initial, **kwargs)
        phones = [p["number"] for p in person["phones_masked"]]
        placeholders = {
            "nik": person["nik_masked"],
            "phone": phones[0] if phones else None,
            "phone_2": phones[1] if len(phones) > 1 else None,
            "email": person["email_masked"],
        }
        for name, masked in placeholders.items():
            if masked:
                self.fields[name].widget.attrs["placeholder"] = masked
            self.fields[name].help_text = _("Leave empty to keep the current value")
        if person["birth_year"]:
            self.fields["birth_date"].help_text = _("Recorded birth year: %(year)s") % {
                "year": person["birth_year"]
            }
        self.fields["reason"].label = _("Reason (optional)")

    def change(self) -> services.PersonChange:
        """Only what the user changed: an empty NIK, phone or e-mail field means "keep"."""
        values = self.values()
        fields: dict[str, Any] = {}
        for name in ("full_name", "gender"):
            if name in self.changed_data:
                fields[name] = values[name]
        for name in ("nik", "birth_date", "phone", "phone_2", "email"):
            if values[name]:
                fields[name] = values[name]
        if self.cleaned_data.get("clear_phone_2"):
            fields["phone_2"] = ""
        if self.cleaned_data.get("clear_email"):
            fields["email"] = ""
        return services.PersonChange(**fields)


class AddressForm(ConsoleForm):
    required_fields = frozenset({"street", "village_code", "reason"})

    street = _text()
    rt = _text(inputmode="numeric", maxlength="3")
    rw = _text(inputmode="numeric", maxlength="3")
    village_code = _text(inputmode="numeric", maxlength="13")
    postal_code = _text(inputmode="numeric", maxlength="5")
    latitude = _text(inputmode="decimal")
    longitude = _text(inputmode="decimal")
    reason = _text()

    def __init__(self, *args: Any, record: Mapping[str, Any], **kwargs: Any) -> None:
        premise = record["premise"]
        initial = {
            name: "" if premise[name] is None else str(premise[name])
            for name in (
                "street",
                "rt",
                "rw",
                "village_code",
                "postal_code",
                "latitude",
                "longitude",
            )
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["reason"].help_text = _(
            "Required: why the address changes (e.g. the customer moved)"
        )
        self.fields["village_code"].help_text = _(
            "10 digits, e.g. 3273051001; use the region lookup"
        )

    def change(self) -> services.AddressChange:
        values = self.values()
        return services.AddressChange(
            **{
                k: values[k]
                for k in (
                    "street",
                    "rt",
                    "rw",
                    "village_code",
                    "postal_code",
                    "latitude",
                    "longitude",
                )
            }
        )


def live_connection(record: Mapping[str, Any]) -> dict[str, Any] | None:
    """The connection whose terms a change applies to: the first one not disconnected."""
    return next((c for c in record["connections"] if c["disconnected_on"] is None), None)


class TermsForm(ConsoleForm):
    required_fields = frozenset({"effective_on", "reason"})
    field_aliases = {"effective_at": "effective_on"}

    effective_on = _date()
    payment_mode = _select(labels.choices("payment_mode"))
    tariff_group = _select([])
    daya_va = _text(inputmode="numeric", list="standard-va")
    customer_group = _select([])
    pipe_size_mm = _select([])
    reason = _text()

    def __init__(self, *args: Any, record: Mapping[str, Any], **kwargs: Any) -> None:
        connection = live_connection(record)
        current = connection["terms"][0] if connection and connection["terms"] else {}
        initial = {
            name: "" if current.get(name) is None else str(current[name])
            for name in (
                "payment_mode",
                "tariff_group",
                "daya_va",
                "customer_group",
                "pipe_size_mm",
            )
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.utility = connection["utility"] if connection else ""
        self.fields["effective_on"].label = _("Effective from (00.00 WIB)")
        self.fields["tariff_group"].widget.choices = tariff_choices()
        self.fields["customer_group"].widget.choices = water_group_choices()
        self.fields["pipe_size_mm"].widget.choices = pipe_choices()

    def _integer(self, name: str) -> int | None:
        raw = self.values()[name].replace(".", "").replace(" ", "")
        if not raw.isdigit():
            self.add_error(name, _("Type a whole number"))
            return None
        return int(raw)

    def change(self) -> services.TermsChange | None:
        """The TermsChange with only the changed terms, or None when a value cannot be parsed."""
        values = self.values()
        effective_at = None
        if not values["effective_on"]:
            self.add_error("effective_on", _("Choose the date the change takes effect"))
        else:
            try:
                day = dt.date.fromisoformat(values["effective_on"])
                effective_at = dt.datetime.combine(day, dt.time.min, tzinfo=WIB)
            except ValueError:
                self.add_error("effective_on", _("Type the date as YYYY-MM-DD"))
        fields: dict[str, Any] = {}
        for name in ("payment_mode", "tariff_group", "customer_group"):
            if name in self.changed_data:
                fields[name] = values[name]
        for name in ("daya_va", "pipe_size_mm"):
            if name in self.changed_data:
                fields[name] = self._integer(name)
        if effective_at is None or self.errors:
            return None
        return services.TermsChange(effective_at=effective_at, reason=values["reason"], **fields)
