"""A logging filter that masks NIK-, phone- and e-mail-shaped strings in every log record.

Which shapes it masks comes from the personal-data registry (`log_mask` of its fields).

Personal data must never reach a log; this is the safety net for the message a developer did
not think through. It rewrites the formatted message (and any exception text) before a handler
writes it: a NIK keeps its first 4 and last 4 digits (`3273********0003`), a phone its prefix
and last 4 digits (`0812****7890`), an e-mail its first letter and domain (`s***@example.id`).
"""

from __future__ import annotations

import logging
import re

# 16 digits not inside a longer number: a NIK (a 12-digit IDPEL or an 11-digit meter is kept).
_NIK = re.compile(r"(?<!\d)(\d{4})\d{8}(\d{4})(?!\d)")
# Indonesian mobile or landline: +62 / 62 / 0, then 8-13 digits, spaces, dots or dashes between.
_PHONE = re.compile(r"(?<![\w+])((?:\+62|62|0)[\s.-]?\d{2,3})[\d\s.-]{3,11}?(\d{4})(?![\d])")
_EMAIL = re.compile(r"\b([A-Za-z0-9])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})\b")
_IDPEL_LIKE = re.compile(r"^\d{11,12}$")


def _phone(match: re.Match[str]) -> str:
    whole = match.group(0)
    digits = re.sub(r"\D", "", whole)
    # A bare 11-12 digit number starting with 0/62 could be an IDPEL or a meter; those are not
    # personal data. Phones written with separators or a + are always masked.
    if _IDPEL_LIKE.match(whole) and not whole.startswith(("08", "628")):
        return whole
    if len(digits) < 9:
        return whole
    return f"{match.group(1)}****{match.group(2)}"


def _masks() -> frozenset[str]:
    """The shapes the personal-data registry asks to mask (every shape if it cannot be read:
    the filter fails safe)."""
    from pelanggan.privacy.registry import registry

    try:
        return registry().log_masks()
    except (OSError, ValueError, KeyError):
        return frozenset({"nik", "phone", "email"})


def scrub(text: str, masks: frozenset[str] | None = None) -> str:
    """The text with the registry's NIK-, phone- and e-mail-shaped substrings masked."""
    masks = _masks() if masks is None else masks
    if "email" in masks:
        text = _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    if "nik" in masks:
        text = _NIK.sub(lambda m: f"{m.group(1)}********{m.group(2)}", text)
    if "phone" in masks:
        text = _PHONE.sub(_phone, text)
    return text


class PersonalDataScrubFilter(logging.Filter):
    """Masks personal-data-shaped strings in the message, its arguments and exception text."""

    _formatter = logging.Formatter()

    def __init__(self, name: str = "") -> None:
        super().__init__(name)
        self.masks = _masks()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg = scrub(message, self.masks)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text, self.masks)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info, self.masks)
        return True
