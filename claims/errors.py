"""Exceptions named for the condition. Each message says what to do next; the CLI and UI show it as is."""
from __future__ import annotations

from store.errors import WorkbenchError


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


class ModelMissing(WorkbenchError):
    pass


class SettingsError(WorkbenchError):
    pass
