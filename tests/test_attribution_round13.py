"""Round 13's forms (docs/attribution.md), read from the train and dev articles of draws 1-15."""
from __future__ import annotations

import pytest

from tests.test_attribution_round12 import attributions


@pytest.mark.slow
def test_a_report_after_an_accusation_is_an_attribution_of_its_own():
    got = attributions("He accused the union of taking sides, and stated that he will not honour the ceasefire.")
    assert [(s, cue) for s, cue, _ in got] == [("He", "accused"), ("He", "stated")]
    assert got[1][2] == "he will not honour the ceasefire"


@pytest.mark.slow
@pytest.mark.parametrize("text, want", [
    ("The police reported 284 vehicles torched on Sunday.", ("The police", "reported")),
    ("Reuters is reporting 86 seats for the party.", ("Reuters", "reporting")),
])
def test_a_report_of_a_figure_is_an_attribution(text, want):
    assert want in [(s, cue) for s, cue, _ in attributions(text)]


@pytest.mark.slow
@pytest.mark.parametrize("text", [
    "Observers reported new checkpoints in some areas.",  # no count
    "The company reported a loss of $3 million.",  # an item with a figure in it, not a count (test_attribute)
])
def test_a_report_of_a_thing_is_not(text):
    assert attributions(text) == []


@pytest.mark.slow
@pytest.mark.parametrize("text, want", [
    ('Chávez called the vote a "photo finish," but swiftly conceded defeat.', ("Chávez", "called")),
    ('Bush spokesman Gordon Johndroe called the pledge "a major step towards the goal."',
     ("Bush spokesman Gordon Johndroe", "called")),
    ('Erick Torrico has rejected the action calling it "an offense against freedom of expression".',
     ("Erick Torrico", "calling")),
])
def test_an_evaluation_with_a_quoted_name_for_its_object_is_read(text, want):
    assert want in [(s, cue) for s, cue, _ in attributions(text)]


@pytest.mark.slow
def test_a_threat_needs_someone_to_make_it():
    assert ("Turkey", "threatened") in [(s, cue) for s, cue, _ in attributions(
        "Turkey has threatened a major incursion, something the US seeks to avoid.")]
    assert attributions("The collapse of the lender threatened the stability of the banking system.") == []


@pytest.mark.slow
@pytest.mark.parametrize("text, want", [
    ("The attacks, repeatedly called genocide by the U.S. administration, are directed towards civilians.",
     ("the U.S. administration", "called", "The attacks genocide")),
    ('The incident was described as a "disgraceful act" by the Labor candidate, David Bradbury.',
     ("the Labor candidate, David Bradbury", "described", 'The incident as a "disgraceful act"')),
])
def test_a_passive_evaluation_names_its_agent_as_the_source(text, want):
    assert want in attributions(text)
