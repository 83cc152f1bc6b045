"""Content Security Policy and the other browser-hardening headers Django does not set itself.

The console and the portal run no inline script: `script-src 'self'` (no 'unsafe-inline', no
'unsafe-eval'), frames are denied (`frame-ancestors 'none'`, beside X-Frame-Options: DENY),
forms post only to this origin, plugins and `<base>` are off. Inline *style attributes* stay
allowed (`style-src-attr 'unsafe-inline'`: the completeness bars set a CSS variable per cell);
style elements and style sheets must come from this origin.

`settings.PELANGGAN_CSP` replaces the default policy; `settings.PELANGGAN_CSP_PATHS` gives
other policies to path prefixes (the API docs). A directive value may contain `{nonce}`: the
middleware then makes a fresh nonce per response, available to templates as
`request.csp_nonce`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping

from django.conf import settings
from django.http import HttpRequest, HttpResponse

Policy = Mapping[str, str]

DEFAULT_POLICY: Policy = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "style-src-attr": "'unsafe-inline'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

# The Swagger UI bundle (served from the ninja package, no CDN) builds its page with inline
# styles and data: images; its settings travel in a JSON <script> block, which is data, not
# code, so scripts stay 'self' only here too.
API_DOCS_POLICY: Policy = {
    **DEFAULT_POLICY,
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
}

PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
)


def render(policy: Policy, *, nonce: str = "") -> str:
    return "; ".join(
        f"{name} {value.replace('{nonce}', nonce)}".strip() for name, value in policy.items()
    )


def policy_for(path: str) -> Policy:
    for prefix, policy in getattr(settings, "PELANGGAN_CSP_PATHS", {}).items():
        if path.startswith(prefix):
            return policy  # type: ignore[no-any-return]
    if path.startswith("/api/v1/docs"):
        return API_DOCS_POLICY
    return getattr(settings, "PELANGGAN_CSP", None) or DEFAULT_POLICY


class ContentSecurityPolicyMiddleware:
    """Adds Content-Security-Policy and Permissions-Policy unless a view set its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        policy = policy_for(request.path)
        nonce = ""
        if any("{nonce}" in value for value in policy.values()):
            nonce = secrets.token_urlsafe(18)
            request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = render(
                policy, nonce=f"'nonce-{nonce}'" if nonce else ""
            )
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
