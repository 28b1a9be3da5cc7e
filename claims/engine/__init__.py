"""The team deployment's ingest engine: Celery on a real broker (`CLAIMS_BROKER`), PostgreSQL the source of truth."""
