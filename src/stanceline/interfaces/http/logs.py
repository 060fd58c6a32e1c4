"""The server's logs: uvicorn's logging config, as text (uvicorn's lines) or JSON, one a line.

Access lines come from the request middleware (observe.py) on the `stanceline.access`
logger, not from uvicorn: only the middleware knows the request id and the route. Each
record made while a request is handled carries that request's id (a context variable),
so an error logged by a handler, or uvicorn's "Exception in ASGI application", names it.
"""

from __future__ import annotations

import contextvars
import json
import logging
from datetime import UTC, datetime
from typing import Any

LOG_FORMATS = ("text", "json")
ACCESS_LOGGER = "stanceline.access"

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "stanceline_request_id", default=None
)

# The attributes every LogRecord has: the rest were given with `extra=` and are kept.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
_UVICORN_ONLY = {"color_message"}


class RequestIdFilter(logging.Filter):
    """Gives each record the id of the request being handled when it was made, if any."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request_id, and any extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in _UVICORN_ONLY and value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def log_config(log_format: str) -> dict[str, Any]:
    """uvicorn's `log_config` for `serve --log-format`: its own in text, ours in JSON."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"log format {log_format!r}: use one of {', '.join(LOG_FORMATS)}")
    text = log_format == "text"
    json_formatter = {"()": f"{__name__}.JsonFormatter"}
    formatters: dict[str, Any] = (
        {
            "default": {
                "()": "uvicorn.logging.DefaultFormatter",
                "fmt": "%(levelprefix)s %(message)s",
            },
            "access": {
                "()": "uvicorn.logging.AccessFormatter",
                "fmt": '%(levelprefix)s %(client_addr)s - "%(request_line)s" %(status_code)s',
            },
        }
        if text
        else {"default": json_formatter, "access": json_formatter}
    )
    ids = {"request_id": {"()": f"{__name__}.RequestIdFilter"}}
    loggers: dict[str, Any] = {
        "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"level": "INFO"},
        # Silent: the middleware writes the access lines, with the request id.
        "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        ACCESS_LOGGER: {"handlers": ["access"], "level": "INFO", "propagate": False},
    }
    if not text:
        # The project's own warnings and errors too (in text they stay as the CLI prints them).
        loggers["stanceline"] = {"handlers": ["default"], "level": "WARNING", "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": ids,
        "formatters": formatters,
        "handlers": {
            "default": {
                "formatter": "default",
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "filters": ["request_id"],
            },
            "access": {
                "formatter": "access",
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "filters": ["request_id"],
            },
        },
        "loggers": loggers,
    }


def json_line(message: str, logger: str = "stanceline.serve") -> str:
    """A line the server prints before uvicorn's logging is set up, in the JSON of its logs."""
    record = logging.LogRecord(logger, logging.INFO, "", 0, message, None, None)
    return JsonFormatter().format(record)
