"""Exceptions named for the condition. Each message says what to do next; the CLI and UI show it as is."""
from __future__ import annotations

# The root error and the storage conditions live in store/ (which must not import claims/); the UI and CLI
# import every error from here.
from store.errors import (  # noqa: F401  (re-exported)
    BadDatabaseURL,
    DatabaseUnavailable,
    IndexMismatch,
    InvalidValue,
    NotFound,
    ReviewConflict,
    WorkbenchError,
)


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
