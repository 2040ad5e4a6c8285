"""A request id for every request: logged with the outcome and shown on error pages."""

from __future__ import annotations

import logging
import secrets
import time

from flask import Flask, Response, g, request

log = logging.getLogger("smartcity.request")


def request_id() -> str:
    return getattr(g, "request_id", "-")


def register(app: Flask) -> None:
    @app.before_request
    def start() -> None:
        # a proxy's id is kept when it looks sane, so logs can be joined across hops
        incoming = request.headers.get("X-Request-ID", "")
        valid = incoming.replace("-", "").isalnum() and len(incoming) <= 64
        g.request_id = incoming if incoming and valid else secrets.token_hex(8)
        g.request_started = time.perf_counter()

    @app.after_request
    def finish(response: Response) -> Response:
        response.headers["X-Request-ID"] = request_id()
        elapsed = time.perf_counter() - getattr(g, "request_started", time.perf_counter())
        log.info(
            "%s %s %s %d %.1fms",
            request_id(),
            request.method,
            request.path,
            response.status_code,
            elapsed * 1000,
        )
        return response

    app.jinja_env.globals["request_id"] = request_id
