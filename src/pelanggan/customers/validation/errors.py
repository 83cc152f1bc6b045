"""The one error type raised by the customer validation functions.

A `FieldError` names the field and the broken rule, in English and in Bahasa Indonesia. It never
carries the offending value: the values checked here (NIK, phone, name, address) are personal
data under UU 27/2022, and error messages end up in logs, API answers and audit records.
"""

from __future__ import annotations

from typing import Any


class FieldError(ValueError):
    """One input field broke one rule.

    `code` is a stable snake_case identifier (for example `nik_bad_length`) that callers map to an
    API error code; `message` is English, `message_id` Bahasa Indonesia. Neither message quotes
    the value that was rejected.
    """

    def __init__(self, *, field: str, code: str, message: str, message_id: str) -> None:
        super().__init__(message)
        self.field = field
        self.code = code
        self.message = message
        self.message_id = message_id

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only __init__ defeats the default pickling of exceptions, which task queues
        # rely on when they ship a failure back from a worker.
        return (_rebuild, (self.field, self.code, self.message, self.message_id))

    def __repr__(self) -> str:
        return f"FieldError(field={self.field!r}, code={self.code!r})"


def _rebuild(field: str, code: str, message: str, message_id: str) -> FieldError:
    return FieldError(field=field, code=code, message=message, message_id=message_id)
