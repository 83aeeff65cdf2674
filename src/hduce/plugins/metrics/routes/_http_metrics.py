"""HTTP request metrics: Litestar's Prometheus metrics with their labelled children cached."""

import re
import time
from typing import Any

from litestar.plugins.prometheus import PrometheusConfig, PrometheusMiddleware
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ASGIApp, Receive, Scope, Send

from hduce.core.request_path import request_state

SCOPES = frozenset({"http", "websocket"})


class HttpMetricsMiddleware:
    """The same metrics, labels and values as Litestar's middleware, for less work per request.

    Litestar's builds a `Request`, label dicts and four labelled children on every request; the
    children depend only on method, path template and status, so they are looked up once. The
    status and the time of the last body message come from the request path's state rather
    than from one more `send` wrapper. It is a plain ASGI class: Litestar's base middleware
    wraps each call in its own bypass checks, done here once with a compiled pattern.
    """

    def __init__(self, app: ASGIApp, config: PrometheusConfig) -> None:
        if config.labels or config.exemplars or config.excluded_http_methods:
            raise ValueError("extra labels, exemplars and excluded methods are not supported")
        if not config.group_path:
            raise ValueError("only `group_path=True` is supported")
        self.app = app
        self._metrics = PrometheusMiddleware(app, config)  # its metric families, shared by name
        self._config = config
        self._scopes = frozenset(config.scopes or SCOPES)
        exclude = [config.exclude] if isinstance(config.exclude, str) else config.exclude
        self._exclude = re.compile("|".join(exclude)) if exclude else None
        self._in_progress: dict[tuple[str, str], Any] = {}
        self._done: dict[tuple[str, str, int], tuple[Any, Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Count the request in progress, then its status and duration."""
        if self._skips(scope):
            await self.app(scope, receive, send)
            return
        method = scope["method"] if scope["type"] == "http" else scope["type"]
        path = scope["path_template"]
        in_progress = self._in_progress.get((method, path))
        if in_progress is None:
            labels = self._labels(method, path, 200)
            in_progress = self._metrics.requests_in_progress(labels).labels(*labels.values())
            self._in_progress[method, path] = in_progress
        state = request_state(scope)
        started = time.perf_counter()
        in_progress.inc()
        try:
            await self.app(scope, receive, send)
        finally:
            in_progress.dec()
            sent_at = state.body_sent_at
            count, duration, errors = self._children(method, path, state.status)
            if errors is not None:
                errors.inc()
            count.inc()
            duration.observe(sent_at - started if sent_at is not None else 0.0)

    def _skips(self, scope: Scope) -> bool:
        """Litestar's bypass rules: other scope types, the opt key, excluded paths."""
        if scope["type"] not in self._scopes:
            return True
        opt_key = self._config.exclude_opt_key
        if opt_key and scope["route_handler"].opt.get(opt_key):
            return True
        return self._exclude is not None and self._exclude.search(scope["path"]) is not None

    def _children(self, method: str, path: str, status: int) -> tuple[Any, Any, Any]:
        children = self._done.get((method, path, status))
        if children is None:
            labels = self._labels(method, path, status)
            values = list(labels.values())
            errors = None
            if status >= HTTP_500_INTERNAL_SERVER_ERROR:
                errors = self._metrics.requests_error_count(labels).labels(*values)
            children = (
                self._metrics.request_count(labels).labels(*values),
                self._metrics.request_time(labels).labels(*values),
                errors,
            )
            self._done[method, path, status] = children
        return children

    def _labels(self, method: str, path: str, status: int) -> dict[str, str | int | float]:
        return {
            "method": method,
            "path": path,
            "status_code": status,
            "app_name": self._config.app_name,
        }
