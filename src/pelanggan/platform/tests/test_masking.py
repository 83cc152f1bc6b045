"""Masking rules: exact examples and properties over generated values."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pelanggan.platform import masking

digits = st.text(alphabet="0123456789", min_size=1, max_size=20)


def test_examples_from_the_brief() -> None:
    assert masking.mask_nik("3201015505900004") == "3201********0004"
    assert masking.mask_phone("+6281234565678") == "0812****5678"
    assert masking.mask_phone("081212345678") == "0812****5678"
    assert masking.mask_phone("+623112345") == "0311**45"
    assert masking.mask_email("budi.santoso@example.com") == "b***@example.com"
    assert masking.mask_name("Siti Nurhaliza") == "S*** N***"
    assert masking.mask_date("1985-07-12") == "1985-**-**"


def test_malformed_values_are_fully_masked_never_half_shown() -> None:
    assert masking.mask_nik("32010155") == masking.FULLY_MASKED
    assert masking.mask_nik("") == masking.FULLY_MASKED
    assert masking.mask_phone("0812") == masking.FULLY_MASKED
    assert masking.mask_email("no-at-sign") == masking.FULLY_MASKED
    assert masking.mask_email("@example.com") == masking.FULLY_MASKED
    assert masking.mask_name("   ") == masking.FULLY_MASKED
    assert masking.mask_date("kemarin") == masking.FULLY_MASKED


@given(st.text(alphabet="0123456789", min_size=16, max_size=16))
def test_nik_keeps_exactly_first_four_and_last_four(nik: str) -> None:
    masked = masking.mask_nik(nik)
    assert len(masked) == 16
    assert masked[:4] == nik[:4]
    assert masked[-4:] == nik[-4:]
    assert masked[4:12] == "*" * 8


@given(st.text(alphabet="0123456789", min_size=7, max_size=13))
def test_phone_hides_at_least_two_middle_digits_and_keeps_its_length(rest: str) -> None:
    phone = "+628" + rest
    national = "08" + rest
    masked = masking.mask_phone(phone)
    assert len(masked) == len(national)
    assert masked.count("*") >= masking.MIN_HIDDEN
    assert masked[:4] == national[:4]
    visible_tail = masked.rstrip("0123456789")
    tail = masked[len(visible_tail) :]
    assert national.endswith(tail)
    assert len(tail) <= 4
    # The same number written nationally masks the same way.
    assert masking.mask_phone(national) == masked


@given(digits)
def test_masking_never_returns_the_whole_value(value: str) -> None:
    for mask in (masking.mask_nik, masking.mask_phone):
        assert value not in mask(value) or len(value) < 3


@given(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz._", min_size=2, max_size=30),
    st.sampled_from(["example.com", "mail.co.id", "pdam.go.id"]),
)
def test_email_keeps_the_first_letter_and_the_domain(local: str, domain: str) -> None:
    masked = masking.mask_email(f"{local}@{domain}")
    assert masked == f"{local[0]}***@{domain}"
    # Only the first character of the local part survives (the domain may contain it by chance).
    assert local not in masked.partition("@")[0] or len(local) == 1
