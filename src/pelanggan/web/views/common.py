"""Small helpers shared by the console views: full page or htmx partial, redirects."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django_htmx.http import HttpResponseClientRedirect


def is_partial(request: HttpRequest) -> bool:
    """An enhanced request from console.js (`HX-Request: true`) wants only the fragment."""
    return bool(getattr(request, "htmx", False))


def respond(
    request: HttpRequest, *, page: str, partial: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """The partial template for console.js, the full page (which includes it) otherwise."""
    response = render(request, partial if is_partial(request) else page, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def go_to(request: HttpRequest, url: str) -> HttpResponse:
    """A redirect the browser follows: HX-Redirect for console.js, 302 otherwise."""
    if is_partial(request):
        return HttpResponseClientRedirect(url)
    return redirect(url)
