"""JSON Lines: the one loop every reader of a .jsonl file shares (feeds, archives, gold files, queue input)."""
from __future__ import annotations

import json
from typing import Any, Iterable, Iterator


def json_lines(lines: Iterable[str]) -> Iterator[tuple[int, Any, str | None]]:
    """(line number, value, None) for each non-blank line that parses, (line number, None, reason) for one that
    does not. Line numbers count from 1 and include blank lines, as an editor shows them."""
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            yield lineno, json.loads(line), None
        except json.JSONDecodeError as exc:
            yield lineno, None, exc.msg
