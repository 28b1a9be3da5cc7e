"""Round 12's forms (docs/attribution.md): a quotation glued to its colon or comma, "was quoted as saying" after the
quotation, speech begun or given as a response ("have started calling for", "responded saying"), a reporting
verb the tagger read as a plural noun, which is parsed again with an unambiguous verb in its place, and what a
video or footage shows (a document's evidence)."""
from __future__ import annotations

import pytest

from tests.test_attribution_misreads import parsed


def attributions(text: str) -> list[tuple[str, str, str]]:
    from claims.pipeline import attribute, cues
    from claims.pipeline.types import Sentence

    doc = cues.parse_where_needed([text])[0]
    found = attribute.attribute([Sentence(0, text, 0, len(text))], [doc])[0]
    return [(a.source, a.cue, a.content) for a in found]


def test_a_quotation_glued_to_its_colon_is_cut_from_the_verb():
    from claims.pipeline.nlp import get_nlp

    words = [t.text for t in get_nlp().tokenizer('Lula said:"I believe it." Ratio 3:1, "x,y" and a,"b.')]
    assert words[:5] == ["Lula", "said", ":", '"', "I"]
    assert "3:1" in words and "a" in words  # a colon between digits and a comma before lower case stay as they were


def test_a_straight_quote_glued_to_a_colon_or_comma_opens_a_quotation():
    import spacy
    from spacy.tokens import Doc

    from claims.pipeline.quotes import _quote_spans

    words = ["He", "said", ",", '"', "Experience", "has", "helped", "."]
    doc = Doc(spacy.blank("en").vocab, words=words, spaces=[True, False, False, False, True, True, False, False])
    assert doc.text == 'He said,"Experience has helped.'
    assert _quote_spans(doc) == [(3, len(doc))]  # it opens a quotation that runs past the sentence
    closing = Doc(doc.vocab, words=["win", ",", '"', "he", "said"], spaces=[False, False, False, True, False])
    assert _quote_spans(closing) == [(-1, 2)]  # 'win,"he said': lower case after it, so it closes one


@pytest.mark.slow
@pytest.mark.parametrize("text, want", [
    ('Piotr Tchorzewski, an employee of the portal Onet, said:"This thing is huge.',
     ("Piotr Tchorzewski, an employee of the portal Onet", "said", "This thing is huge.")),
    ('"I am willing to shoulder all of the responsibility," President Chen was quoted as saying at a press conference.',
     ("President Chen", "saying", "I am willing to shoulder all of the responsibility")),
    ("A Turkish user responded saying that Greece was the birth place of the games.",
     ("A Turkish user", "saying", "Greece was the birth place of the games")),
    ("Politicians in the United Kingdom have started calling for action after months of heavy rainfall.",
     ("Politicians in the United Kingdom", "calling", "action after months of heavy rainfall")),
    ('China objected, accusing the Dalai Lama of "separatist activities."',
     ("China", "accusing", 'the Dalai Lama of "separatist activities."')),
    ("The video also shows the minister reading the will.", ("The video", "shows", "the minister reading the will")),
    ("Bloomberg News states that calls to the consulting firm weren't immediately returned.",
     ("Bloomberg News", "states", "calls to the consulting firm weren't immediately returned")),
])
def test_round_12_forms_are_read(text, want):
    assert want in attributions(text)


@pytest.mark.slow
@pytest.mark.parametrize("text", [
    "He refused to say whether the talks had failed.",  # speech wanted, not speech that happened
    "Neighbouring states Tajikistan and Kyrgyzstan have closed their borders.",  # a plural noun after all
    "Farmers came to the capital with two demands: lower taxes and cheaper fuel.",
    "California is one of the 24 states whose primary will be held on February 5.",
])
def test_what_only_looks_like_round_12_forms_gives_nothing(text):
    assert attributions(text) == []


def test_a_verb_read_as_a_plural_noun_is_found_and_its_second_parse_carried_back():
    from claims.pipeline.cues import lexicon
    from claims.pipeline.reparse import carry_back, misread

    verbs = lexicon().any_verb

    doc = parsed('''
        Bloomberg NNP compound 1
        News     NNP compound 2
        states   NNS nsubj    5
        that     DT  nsubj    4
        calls    VBZ relcl    2
        returned VBN ROOT     5
        .        .   punct    5
    ''')
    assert misread(doc, verbs) == [(2, "state", "says")]
    again = parsed('''
        Bloomberg NNP compound 1
        News     NNP nsubj    2
        says     VBZ ROOT     2
        that     IN  mark     5
        calls    NNS nsubj    5
        returned VBN ccomp    2
        .        .   punct    2
    ''')
    fixed = carry_back(doc, again, 2, "state")
    assert fixed.text == doc.text  # the sentence's own words
    assert (fixed[2].text, fixed[2].lemma_, fixed[2].dep_, fixed[1].dep_) == ("states", "state", "ROOT", "nsubj")
    the_claims = parsed('''
        the      DT  det   1
        claims   NNS nsubj 3
        that     DT  nsubj 3
        failed   VBD ROOT  3
    ''')
    assert misread(the_claims, verbs) == []  # after a determiner it is the noun


@pytest.mark.slow
@pytest.mark.parametrize("text, source", [
    ("A lawyer who is expected to become the president of the association said that arming teachers is a solution.",
     "A lawyer who is expected to become the president of the association"),  # a passive says nothing
    ("Former Rep. Michael D. Barnes who recommended Thompson for the lobbying job said the work was routine.",
     "Former Rep. Michael D. Barnes who recommended Thompson for the lobbying job"),  # no clause: not a report
])
def test_a_relative_clause_that_reports_nothing_stays_in_the_source(text, source):
    assert source in [s for s, _, _ in attributions(text)]


@pytest.mark.slow
def test_a_relative_clause_that_reports_is_left_to_its_own_attribution():
    got = attributions("Mayor Ann Cole, who also said that the bridge was safe, said the vote was fair.")
    assert ("Mayor Ann Cole", "said", "the vote was fair") in got


@pytest.mark.slow
def test_a_role_left_as_a_fragment_before_the_name_is_part_of_the_source():
    got = attributions('The party\'s NSW Secretary, Jim Saleam said "The identity is being deprecated further".')
    assert ("The party's NSW Secretary, Jim Saleam", "said", "The identity is being deprecated further") in got


@pytest.mark.slow
def test_a_hyphenated_role_after_the_verb_is_the_whole_source():
    got = attributions('"It was an outage overnight," said Co-CEO of RIM, Jim Balsillie.')
    assert ("Co-CEO of RIM, Jim Balsillie", "said", "It was an outage overnight") in got


@pytest.mark.slow
def test_a_response_given_as_a_participle_is_cued_by_the_participle():
    got = attributions('China responded to the ban by saying, "The ban is political discrimination."')
    assert got == [("China", "saying", "The ban is political discrimination.")]


@pytest.mark.slow
@pytest.mark.parametrize("text, source", [
    ("According to Major Charlie Burbridge, a British forces spokesman, the operation's objective had been achieved.",
     "Major Charlie Burbridge, a British forces spokesman"),
    ("According to Mr Smith, the plan will fail.", "Mr Smith"),  # no apposition: the name alone
])
def test_according_to_takes_the_apposition_the_parser_left_out(text, source):
    assert [s for s, cue, _ in attributions(text) if cue == "according to"] == [source]
