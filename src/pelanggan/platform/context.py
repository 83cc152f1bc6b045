"""Per-request context (request id, actor) carried in context variables.

Set by the middleware for web requests and by the CLI/worker for other entry points, read by
the audit trail and the log filter.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "pelanggan_request_id", default=None
)


def current_request_id() -> str | None:
    return request_id_var.get()


@contextlib.contextmanager
def request_context(request_id: str) -> Iterator[None]:
    token = request_id_var.set(request_id)
    try:
        yield
    finally:
        request_id_var.reset(token)
