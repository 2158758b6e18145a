"""Logs as one JSON object per line, with the request id, user id and division of the request that
wrote them, and never a sensitive value: ID numbers, mobile numbers and bank card numbers are masked in
the message and the traceback before the line is written (whatever code logged them)."""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
from typing import Any

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
user_id: contextvars.ContextVar[int | None] = contextvars.ContextVar("user_id", default=None)
division: contextvars.ContextVar[str] = contextvars.ContextVar("division", default="")

# 18-digit ID numbers (last character may be X), 15-digit old ones, mobile numbers, and long digit runs
# (bank cards): masked to their first and last digits. Digit runs inside longer runs are left to the
# longest pattern. Dates (20261129) and division codes (441702001001, 12 digits) are not matched.
_SENSITIVE = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8,11})([\dXx]{1,4})(?![0-9A-Za-z])|(?<!\d)(1[3-9]\d)(\d{6})(\d{2})(?!\d)")


def _mask(match: re.Match[str]) -> str:
    if match.group(1) is not None:
        whole = match.group(0)
        if len(whole) == 12:  # a division code, not sensitive
            return whole
        return match.group(1) + "*" * len(match.group(2)) + match.group(3)[-1:]
    return match.group(4) + "******" + match.group(6)


def redact(text: str) -> str:
    return _SENSITIVE.sub(_mask, text)


def clear_context(**kwargs: Any) -> None:
    """After a response is sent (request_finished): lines written between requests carry no request."""
    request_id.set("-")
    user_id.set(None)
    division.set("")


class ContextFilter(logging.Filter):
    """Adds the request's id, user and division to every record (for the plain format too)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        record.user_id = user_id.get()
        record.division = division.get()
        return True


_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "request_id",
                                                                           "user_id", "division"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
            "request_id": getattr(record, "request_id", request_id.get()),
            "user_id": getattr(record, "user_id", user_id.get()),
            "division": getattr(record, "division", division.get()),
        }
        for key, value in vars(record).items():  # extra={...} fields, e.g. the request line's status
            if key in _STANDARD or key.startswith("_") or key in ("request", "server_time"):
                continue  # Django's `request` object would repeat the full URL with its query string
            if value is None or isinstance(value, bool | int | float):
                line[key] = value
            else:
                line[key] = redact(str(value))
        if record.exc_info:
            line["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)
