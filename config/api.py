"""The one versioned API: `/api/v1/`, OpenAPI at `/api/v1/openapi.json`, docs at `/api/v1/docs`."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from pelanggan.customers.api import router as customers_router
from pelanggan.metering.api import router as metering_router
from pelanggan.metering.api_intervals import router as intervals_router
from pelanggan.metering.headend.api import router as headend_router
from pelanggan.oversight.api import router as oversight_router
from pelanggan.platform.errors import DomainError
from pelanggan.privacy.api import router as privacy_router
from pelanggan.security.api import API_AUTH
from pelanggan.security.api_routes import router as security_router

api = NinjaAPI(
    title="Pelanggan API",
    version="1",
    description=(
        "Customer information and service system for Indonesian utilities. Authenticate with "
        "`Authorization: Bearer <token>` (`pelanggan users token USERNAME`). Errors share one "
        'shape: `{"code", "message", "details"}`.'
    ),
    auth=API_AUTH,
    urls_namespace="api-v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def _error(
    request: HttpRequest, status: int, code: str, message: str, details: dict[str, Any]
) -> HttpResponse:
    return api.create_response(
        request, {"code": code, "message": message, "details": details}, status=status
    )


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return _error(request, exc.status, exc.code, exc.message, exc.details)


@api.exception_handler(NinjaValidationError)
def schema_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields: dict[str, list[dict[str, str]]] = {}
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", ()) if part not in ("body", "payload")]
        fields.setdefault(".".join(location) or "request", []).append(
            {"code": str(error.get("type", "invalid")), "message": str(error.get("msg", ""))}
        )
    return _error(
        request, 422, "validation_failed", "The request has invalid fields", {"fields": fields}
    )


@api.exception_handler(AuthenticationError)
def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "unauthenticated", "Authentication is required", {})


@api.exception_handler(RequestDataTooBig)
def body_too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return _error(request, 413, "request_too_large", "The request body is too large",
                  {"max_bytes": limit})


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, "http_error", str(exc), {})


api.add_router("/customers", customers_router, tags=["customers"])
api.add_router("/intervals", intervals_router, tags=["intervals"])
api.add_router("/metering", metering_router, tags=["metering"])
api.add_router("/headend", headend_router, tags=["headend"])
api.add_router("/oversight", oversight_router, tags=["oversight"])
api.add_router("/privacy", privacy_router, tags=["privacy"])
api.add_router("/", security_router, tags=["security"])
