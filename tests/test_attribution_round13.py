"""Round 13's forms (docs/attribution.md), read from the train and dev articles of draws 1-15."""
from __future__ import annotations

import pytest

from tests.test_attribution_round12 import attributions


@pytest.mark.slow
def test_a_report_after_an_accusation_is_an_attribution_of_its_own():
    got = attributions("He accused the union of taking sides, and stated that he will not honour the ceasefire.")
    assert [(s, cue) for s, cue, _ in got] == [("He", "accused"), ("He", "stated")]
    assert got[1][2] == "he will not honour the ceasefire"
