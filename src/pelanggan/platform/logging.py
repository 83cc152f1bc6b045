"""Log filter adding the request id to every record."""

from __future__ import annotations

import logging

from pelanggan.platform.context import current_request_id


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id() or "-"
        return True
