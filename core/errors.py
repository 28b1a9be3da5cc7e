"""Every exception the workbench raises on purpose, named for the condition. `WorkbenchError` is the root: the CLI
turns it into one line and a non-zero exit, the app into an error box. Each message says what to do next.

This module and `core.settings` are the neutral home that both `store/` and `claims/` import; they import
neither."""
from __future__ import annotations


class WorkbenchError(Exception):
    """An error with a message fit for the user: it names the problem and what to do."""


# -- storage -------------------------------------------------------------------------------------------
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


# -- input and models ----------------------------------------------------------------------------------


class InputError(WorkbenchError):
    """Input that cannot be read as an article."""


class EmptyInput(InputError):
    pass


class BinaryInput(InputError):
    pass


class NotUtf8(InputError):
    pass


class TooLarge(InputError):
    pass


class NoArticles(InputError):
    pass


class FetchError(InputError):
    pass


class BadArchive(InputError):
    """A fact-check archive that cannot be imported."""


class NoGold(InputError):
    """Labelled data for an evaluation that is missing (no gold files, or no article for one)."""


class BadGold(InputError):
    """Labelled data that cannot be read (missing columns, labels other than 0/1, rows not in the article)."""


class ModelMissing(WorkbenchError):
    pass


class SettingsError(WorkbenchError):
    pass
