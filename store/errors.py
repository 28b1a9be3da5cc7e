"""Storage exceptions. `WorkbenchError` is the root of every error the CLI and UI turn into a message."""
from __future__ import annotations


class WorkbenchError(Exception):
    """An error with a message fit for the user: it names the problem and what to do."""


class BadDatabaseURL(WorkbenchError):
    pass


class DatabaseUnavailable(WorkbenchError):
    pass


class IndexMismatch(WorkbenchError):
    pass


class NotFound(WorkbenchError):
    pass


class InvalidValue(WorkbenchError):
    """A value outside what a field accepts (a review status, say)."""


class ReviewConflict(WorkbenchError):
    """Someone else saved the review after this reviewer loaded it."""

    def __init__(self, message: str, current: dict | None = None):
        super().__init__(message)
        self.current = current or {}
