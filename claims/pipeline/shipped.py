"""Weights and tables that ship inside the package (`claims/data/`), read where they are installed."""
from __future__ import annotations

import json
from importlib import resources


def read_json(name: str) -> dict | None:
    """The JSON file `name` (relative to the `claims` package, e.g. "data/attribution_model.json"), or None when it is
    not shipped (the caller then runs without it)."""
    path = resources.files("claims").joinpath(name)
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))
