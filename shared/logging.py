"""Structured JSON logging with the correlation id; ID numbers are masked.

`configure_logging` is called once by each process entry point. The correlation id of the
request or event being handled travels in a context variable and is added to every line.
Any 18-character resident ID number in a message or extra field is masked before it is
written (keep the first 6 and last 4 characters), whatever the caller forgot.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from shared.validation.identifiers import mask_id_numbers_in_text

correlation_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "correlation_id", default=None
)


def mask_ids(text: str) -> str:
    """Mask every resident ID number inside ``text``: 110105********123X (shared.validation's rule)."""
    return mask_id_numbers_in_text(text)


_STD_ATTRS = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def _mask_value(value: Any) -> Any:
    if isinstance(value, str):
        return mask_ids(value)
    if isinstance(value, dict):
        return {k: _mask_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask_value(v) for v in value]
    return value


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "msg": mask_ids(record.getMessage()),
        }
        cid = correlation_id_var.get()
        if cid:
            payload["correlation_id"] = cid
        for key, value in record.__dict__.items():
            if key not in _STD_ATTRS and not key.startswith("_"):
                payload[key] = _mask_value(value)
        if record.exc_info:
            payload["exc"] = mask_ids(self.formatException(record.exc_info))
        return json.dumps(payload, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        cid = correlation_id_var.get()
        base = f"{record.levelname:<7} {record.name}: {record.getMessage()}"
        if cid:
            base += f" [cid={cid}]"
        if record.exc_info:
            base += "\n" + self.formatException(record.exc_info)
        return mask_ids(base)


def configure_logging(service: str, level: str = "INFO", json_lines: bool = True) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service) if json_lines else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # aiokafka is chatty at INFO; keep its warnings, but from its group coordinator the joins and the
    # partitions each consumer was given, and from its fetcher a position reset (what an operator needs to
    # see why a consumer stopped consuming).
    logging.getLogger("aiokafka").setLevel(max(logging.WARNING, logging.getLevelName(level)))
    for name in ("aiokafka.consumer.group_coordinator", "aiokafka.consumer.fetcher"):
        logging.getLogger(name).setLevel(level)


@contextmanager
def correlation(cid: str | None) -> Iterator[None]:
    token = correlation_id_var.set(cid)
    try:
        yield
    finally:
        correlation_id_var.reset(token)
