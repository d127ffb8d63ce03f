"""Structured (JSON) logs that carry a correlation id from the gateway through RPC and events.

The id rides in nameko's context data (`correlation_id`), which nameko copies into the headers
of every RPC call and event; the outbox stores it with each event.
"""
import json
import logging
import threading
import time
import uuid

from types import TracebackType
from typing import Any

from nameko.containers import WorkerContext
from nameko.extensions import DependencyProvider

ExcInfo = tuple[type[BaseException], BaseException, TracebackType]

_current = threading.local()  # green after eventlet's monkey patch: one per worker


def current_correlation_id() -> str | None:
    return getattr(_current, "correlation_id", None)


class CorrelationFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = current_correlation_id()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + "Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "correlation_id": getattr(record, "correlation_id", None),
        }
        for key in ("service", "entrypoint", "duration_ms", "outcome"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry)


logging.Formatter.converter = time.gmtime


class RefusalsAtInfo(logging.Filter):
    """For nameko's containers logger: an entrypoint's expected exception (a refusal, the
    caller's 4xx) is logged there as a WARNING with its traceback; it is no fault of ours, so
    it becomes one INFO line. Anything else a worker raises stays an ERROR with traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not str(record.msg).startswith("(expected) error handling worker"):
            return True
        record.levelno, record.levelname = logging.INFO, "INFO"
        record.exc_info = record.exc_text = None
        return logging.getLogger(record.name).isEnabledFor(logging.INFO)


class Correlation(DependencyProvider):
    """Gives every worker a correlation id (the caller's, or a new one) and logs its outcome."""

    log = logging.getLogger("seibiant.worker")

    def worker_setup(self, worker_ctx: WorkerContext) -> None:
        correlation_id = worker_ctx.data.get("correlation_id") or uuid.uuid4().hex
        worker_ctx.data["correlation_id"] = correlation_id
        _current.correlation_id = correlation_id
        _current.started = time.monotonic()

    def worker_result(self, worker_ctx: WorkerContext, result: Any = None,
                      exc_info: ExcInfo | None = None) -> None:
        started = getattr(_current, "started", time.monotonic())
        self.log.info(
            "%s.%s %s", worker_ctx.service_name, worker_ctx.entrypoint.method_name,
            "failed" if exc_info else "ok",
            extra={"service": worker_ctx.service_name,
                   "entrypoint": worker_ctx.entrypoint.method_name,
                   "duration_ms": round((time.monotonic() - started) * 1000, 1),
                   "outcome": repr(exc_info[1]) if exc_info else "ok"},
        )

