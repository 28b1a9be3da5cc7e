"""The Celery application: `celery -A claims.engine.app worker` (what `claims worker` starts).

The broker comes from `CLAIMS_BROKER` (RabbitMQ, `amqp://guest:guest@127.0.0.1:5672//`, or Redis,
`redis://127.0.0.1:6379/0`). Delivery is at least once: a task is acknowledged after it ran (`acks_late`) and
given back to the broker when its worker process dies (`task_reject_on_worker_lost`), so a task may run twice;
every task is idempotent (an article is stored once by its content hash; a finished job is not run again).
Each worker process takes one task at a time (prefetch 1), so a long ingest does not hold others back. No
result backend: how each job ended is recorded in the database (`claims queue status`).
"""
from __future__ import annotations

from celery import Celery

from core.settings import load_settings

#: Redis hands an unacknowledged task to another worker after this many seconds: longer than any ingest.
VISIBILITY_TIMEOUT = 3600


def make_app(broker: str | None = None, queue: str | None = None) -> Celery:
    """A Celery app on `broker` and `queue` (default: the settings' CLAIMS_BROKER and CLAIMS_QUEUE)."""
    settings = load_settings()
    broker = broker if broker is not None else settings.broker
    app = Celery("claims", broker=broker or "memory://", include=["claims.engine.tasks"])
    app.conf.update(
        task_acks_late=True, task_reject_on_worker_lost=True, worker_prefetch_multiplier=1,
        task_default_queue=queue or settings.queue, task_serializer="json", accept_content=["json"], task_ignore_result=True,
        broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT, "confirm_publish": True},
        broker_connection_retry_on_startup=True, broker_connection_timeout=5, broker_connection_max_retries=3,
        worker_hijack_root_logger=False, worker_send_task_events=True, task_send_sent_event=True,
    )
    return app


#: The settings this process's tasks use, set by `claims worker` before it starts (forked worker processes
#: inherit them); None: read from the environment, as under `celery -A claims.engine.app worker`.
worker_settings = None
#: Torch threads for each worker process, set by `claims worker` (0: torch's own choice).
worker_threads = 0

app = make_app()
