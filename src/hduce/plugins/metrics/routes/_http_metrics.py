"""HTTP request metrics: Litestar's Prometheus series, counted for less work per request."""

import time
from functools import partial

from litestar.plugins.prometheus import PrometheusConfig
from litestar.types import ASGIApp, Receive, Scope, Send

from hduce.core.http import exclude_pattern, path_excluded
from hduce.core.request_path import RequestState, request_state
from hduce.plugins.metrics.routes._http_stats import http_stats

SCOPES = frozenset({"http", "websocket"})


class HttpMetricsMiddleware:
    """Litestar's metrics and values, for less work per request (no status while in progress).

    Litestar's builds a `Request`, label dicts and four labelled children on every request and
    updates each through `prometheus_client` (a lock per update); this one counts in plain
    numbers (`HttpStats`, exported on scrape). The status and the time of the last body message
    come from the request path's state rather than from one more `send` wrapper. It is a plain
    ASGI class: Litestar's base middleware wraps each call in its own bypass checks, done here
    once with a compiled pattern.
    """

    def __init__(self, app: ASGIApp, config: PrometheusConfig) -> None:
        if config.labels or config.exemplars or config.excluded_http_methods:
            raise ValueError("extra labels, exemplars and excluded methods are not supported")
        if not config.group_path:
            raise ValueError("only `group_path=True` is supported")
        self.app = app
        self._config = config
        self._stats = http_stats(config.prefix, config.app_name, config.buckets)
        self._scopes = frozenset(config.scopes or SCOPES)
        self._exclude = exclude_pattern(config.exclude)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Count the request in progress, then its status and duration."""
        if self._skips(scope):
            await self.app(scope, receive, send)
            return
        method = scope["method"] if scope["type"] == "http" else scope["type"]
        path = scope["path_template"]
        in_progress = self._stats.in_progress(method, path)
        state = request_state(scope)
        started = time.perf_counter()
        in_progress.value += 1
        try:
            await self.app(scope, receive, send)
        except Exception:
            # Answered further out (a middleware's 401 or 429, a database timeout's 503):
            # counted once sent, with the status sent.
            state.when_answered(partial(self._finished, method, path, state, started))
            raise
        else:
            self._finished(method, path, state, started)
        finally:
            in_progress.value -= 1

    def _finished(self, method: str, path: str, state: RequestState, started: float) -> None:
        sent_at = state.body_sent_at
        seconds = sent_at - started if sent_at is not None else 0.0
        self._stats.finished(method, path, state.status, seconds)

    def _skips(self, scope: Scope) -> bool:
        """Litestar's bypass rules: other scope types, the opt key, excluded paths."""
        if scope["type"] not in self._scopes:
            return True
        opt_key = self._config.exclude_opt_key
        if opt_key and scope["route_handler"].opt.get(opt_key):
            return True
        return path_excluded(self._exclude, scope)
