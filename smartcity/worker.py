"""Background work outside a web request builds its app here: RQ jobs and spawned print workers.

The services below the factory name these entry points by their dotted path (as RQ does),
never by import: the factory imports every blueprint and command, which import the services.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, has_app_context

from .factory import create_app
from .services import batch, notifications, print_jobs


def build_app(config: dict[str, Any] | None = None) -> Flask:
    """The app a worker runs in: the environment's configuration (and `config` over it)."""
    return create_app(config)


def run_print_job(job_id: int) -> str:
    """RQ: run a queued print job inside the worker's app (`flask print-worker`) or a new one."""
    if has_app_context():
        return print_jobs.run(job_id)
    with build_app().app_context():
        return print_jobs.run(job_id)


def send_notification(notification_id: int) -> None:
    """RQ: send one queued mail; raises MailNotSent so that RQ tries again later."""
    if has_app_context():
        notifications.send_or_raise(notification_id)
        return
    with build_app().app_context():
        notifications.send_or_raise(notification_id)


def init_batch_process(config: dict[str, Any], instance_path: str) -> None:
    """A spawned batch-print process: its own app from the parent's portable configuration."""
    os.environ["SMARTCITY_INSTANCE"] = instance_path  # the same folder: the same signing key
    batch.use_worker_app(build_app(config))
