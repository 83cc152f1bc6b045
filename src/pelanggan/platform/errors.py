"""Error types that every context raises; the API maps them to one error shape.

Shape: `{"code": "...", "message": "...", "details": {...}}`. Messages and details never carry
personal data: they name the field and the rule, not the value.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every expected error. `status` is the HTTP status the API answers with."""

    status = 400
    default_code = "bad_request"

    def __init__(
        self, message: str, *, code: str | None = None, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.details = details or {}

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}


class ValidationFailed(DomainError):
    """Input broke a rule. `details["fields"]` maps a field path to a list of problems."""

    status = 422
    default_code = "validation_failed"

    def __init__(
        self,
        message: str = "The request has invalid fields",
        *,
        fields: dict[str, list[dict[str, str]]] | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message, code=code, details={"fields": fields or {}})
        self.fields = fields or {}

    @classmethod
    def single(cls, field: str, code: str, message: str, message_id: str = "") -> ValidationFailed:
        problem = {"code": code, "message": message}
        if message_id:
            problem["message_id"] = message_id
        return cls(message, fields={field: [problem]})


class NotFound(DomainError):
    """The thing does not exist, or the caller may not see it: both look the same from outside."""

    status = 404
    default_code = "not_found"


class PermissionDenied(DomainError):
    status = 403
    default_code = "permission_denied"


class Unauthenticated(DomainError):
    status = 401
    default_code = "unauthenticated"


class Conflict(DomainError):
    status = 409
    default_code = "conflict"


class KeyUnavailable(DomainError):
    """Encryption keys are missing or do not include the key a value was written with.

    Fails closed: nothing is read or written in plain text instead.
    """

    status = 503
    default_code = "key_unavailable"
