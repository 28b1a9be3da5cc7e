"""Attribution: who says what, on the seed article and on the forms news writing uses."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import need_seed

from claims.pipeline import nlp as nlp_module
from claims.pipeline.attribute import attribute
from claims.pipeline.cues import lexicon
from claims.pipeline.types import Attribution, Sentence

ROOT = Path(__file__).resolve().parents[1]

GOLD = ROOT / "samples" / "gold"


@pytest.fixture(scope="module")
def run():
    """Parse sentences (each alone, as the pipeline does) and attribute them as one article."""
    nlp_module.get_nlp()

    def _run(*texts: str) -> list[tuple[Attribution, ...]]:
        sentences = [Sentence(i, t, 0, len(t)) for i, t in enumerate(texts)]
        return attribute(sentences, nlp_module.parse(list(texts)))

    return _run


def only(result: tuple[Attribution, ...]) -> Attribution:
    assert len(result) == 1, result
    return result[0]


# ---- No model needed ---------------------------------------------------------------------------


def test_lexicon_is_pruned_lemmas_with_credits():
    lex = lexicon()
    assert {"say", "tell", "insist", "note", "add"} <= lex.verbs
    assert not {"accept", "agree", "continue", "ensure", "release"} & lex.verbs
    assert {"statement", "report", "release"} <= lex.nouns
    assert ("according", "to") in lex.prepositions and ("per",) in lex.prepositions
    text = (Path(nlp_module.__file__).parents[1] / "data" / "cues.txt").read_text(encoding="utf-8")
    for credit in ("GenderGapTracker", "textacy", "Pareti"):
        assert credit in text


def test_importing_loads_no_model():
    code = "import sys, claims.pipeline.attribute, claims.pipeline.nlp; print('spacy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "False"


def test_missing_model_names_the_pip_command(monkeypatch):
    monkeypatch.setattr(nlp_module, "MODELS", ("no_such_model_xyz",))
    nlp_module.get_nlp.cache_clear()
    try:
        with pytest.raises(ImportError, match="pip install"):
            nlp_module.get_nlp()
    finally:
        nlp_module.get_nlp.cache_clear()


def test_sentences_and_docs_must_match():
    with pytest.raises(ValueError):
        attribute([Sentence(0, "Hi.", 0, 3)], [])


# ---- The seed article ----------------------------------------------------------------------------

SEED_CASES = [
    ("American businesses say Chinese cyber theft is costing them hundreds of billions of dollars each year, "
     "while eroding their competitive edge in the global market.",
     "American businesses", "say", "reported", "group"),
    ("“We have been clear with the Chinese government that we are watching to ensure their words are matched by "
     "actions,” a senior administration official told The Washington Post on Monday.",
     "a senior administration official", "told", "direct", "anonymous"),
    ("According to a short Department of Justice release, the two used the meeting to “candidly discuss ways to "
     "enhance cooperation” on cyber crime with their Chinese counterparts.",
     "a short Department of Justice release", "according to", "reported", "document"),
    ("U.S. officials have also insisted the meetings will help to establish guidelines that can judge China’s "
     "compliance with the September deal.",
     "U.S. officials", "insisted", "reported", "group"),
    ("But many noted the agreement was quite vague.", "many", "noted", "reported", "group"),
]


@pytest.mark.slow
@pytest.mark.parametrize("text,source,cue,quote,source_type", SEED_CASES)
def test_seed_attributions(run, text, source, cue, quote, source_type):
    a = only(run(text)[0])
    assert (a.source, a.cue, a.quote, a.source_type) == (source, cue, quote, source_type)
    assert a.content


@pytest.mark.slow
def test_seed_contents(run):
    say, told, according, insisted, noted = (only(r) for r in run(*(case[0] for case in SEED_CASES)))
    assert say.content.startswith("Chinese cyber theft is costing them") and say.content.endswith("global market")
    assert told.content == ("We have been clear with the Chinese government that we are watching to ensure their "
                            "words are matched by actions")
    assert according.content.startswith("the two used the meeting to “candidly discuss ways")
    assert insisted.content.startswith("the meetings will help")
    assert noted.content == "the agreement was quite vague"


@pytest.mark.slow
@pytest.mark.parametrize("text", [
    "The two sides agreed to meet in the coming months to flesh out the details.",
    "Guo Shengkun, China’s state councilor and minister of public security, was Beijing’s top representative at "
    "the meeting.",
    "The meetings arose out of a September agreement — revealed during Chinese President Xi Jinping’s state visit "
    "to Washington, D.C. — in which both sides pledged not to conduct, or knowingly support, commercial espionage.",
    "The Hill has removed its comment section, as there are many other forums for readers to participate in the "
    "conversation.",
])
def test_seed_sentences_without_attribution(run, text):
    assert run(text) == [()]


@pytest.mark.slow
def test_whole_seed_article_has_exactly_the_five_attributions(run):
    nlp = nlp_module.get_nlp()
    paragraphs = [p for p in need_seed().read_text(encoding="utf-8").splitlines() if p.strip()]
    sentences = [s.text for p in paragraphs for s in nlp(p).sents]
    found = {(a.source, a.cue) for result in run(*sentences) for a in result}
    assert found == {(c[1], c[2]) for c in SEED_CASES}


# ---- Forms of attribution ------------------------------------------------------------------------


@pytest.mark.slow
def test_split_quote_joins_both_parts(run):
    a = only(run("“We are ready,” she said, “and we will not back down.”")[0])
    assert (a.source, a.cue, a.quote) == ("she", "said", "direct")
    assert a.content == "We are ready and we will not back down."  # joined by a space, as samples/GUIDELINE.md says


@pytest.mark.slow
def test_inverted_said_the_mayor_resolves_the_role(run):
    first, second = run("Mayor Jane Doe opened the session on Monday.", "“We are ready,” said the mayor.")
    assert first == ()
    a = only(second)
    assert (a.source, a.cue, a.content, a.quote) == ("the mayor", "said", "We are ready", "direct")
    assert (a.source_type, a.resolved) == ("person", "Jane Doe")


@pytest.mark.slow
def test_straight_quotes_count_as_direct(run):
    a = only(run('"Prices will fall next year," the minister said.')[0])
    assert (a.source, a.content, a.quote) == ("the minister", "Prices will fall next year", "direct")


@pytest.mark.slow
def test_pronoun_resolves_across_sentences(run):
    results = run("Maria Lopez, a professor at Harvard, said the plan would fail.",
                  "The vote is on Friday.",
                  "She said the numbers were wrong.")
    lopez, she = only(results[0]), only(results[2])
    assert (lopez.source, lopez.source_type, lopez.resolved) == ("Maria Lopez, a professor at Harvard", "person", "")
    assert lopez.content == "the plan would fail"
    assert (she.source, she.source_type, she.resolved) == ("She", "pronoun", "Maria Lopez")


@pytest.mark.slow
def test_short_name_and_title_resolve_to_the_full_name(run):
    results = run("Senator Sandra Kim spoke to voters in Ohio.",
                  "Kim told reporters on Tuesday: “We will win this.”",
                  "The senator added that the vote would be close.")
    kim, senator = only(results[1]), only(results[2])
    assert (kim.source, kim.resolved, kim.content, kim.quote) == ("Kim", "Sandra Kim", "We will win this.", "direct")
    assert (senator.source, senator.cue, senator.resolved) == ("The senator", "added", "Sandra Kim")


@pytest.mark.slow
def test_they_and_it_resolve_to_earlier_sources(run):
    results = run("The company said it would cut 500 jobs.", "It said demand had fallen.")
    assert only(results[1]).resolved == "The company"


@pytest.mark.slow
def test_apposition_stays_in_the_source_but_not_in_later_names(run):
    results = run("Tom Reyes, a professor at Harvard, said the tax was unfair.",
                  "The company's chief executive, John Smith, said profits would rise.",
                  "Ruiz, speaking at a church hall on Sunday, said crime had fallen.",
                  "Smith added that costs were under control.")
    a, b, c, d = (only(r) for r in results)
    assert (a.source, a.source_type, a.content) == ("Tom Reyes, a professor at Harvard", "person", "the tax was unfair")
    assert (b.source, b.source_type, b.resolved) == ("The company's chief executive, John Smith", "person", "")
    assert c.source == "Ruiz"  # the phrase about the occasion is not part of the source
    assert (d.source, d.resolved) == ("Smith", "John Smith")


@pytest.mark.slow
def test_two_attributions_in_one_sentence(run):
    first, second = run("Sandra Kim said the budget was balanced, while Governor Tom Reyes argued that it was not.")[0]
    assert (first.source, first.cue, first.content) == ("Sandra Kim", "said", "the budget was balanced")
    assert (second.source, second.cue, second.content) == ("Governor Tom Reyes", "argued", "it was not")


@pytest.mark.slow
def test_verbless_quote(run):
    results = run("Governor Tom Reyes presented the budget.", "Reyes: “The budget is a fraud.”")
    a = only(results[1])
    assert (a.source, a.cue, a.content, a.quote) == ("Reyes", ":", "The budget is a fraud.", "direct")
    assert (a.source_type, a.resolved) == ("person", "Tom Reyes")
    b = only(run("Achebe on the winter ahead: “Warmer than normal.”")[0])
    assert (b.source, b.cue, b.content) == ("Achebe", ":", "Warmer than normal.")


@pytest.mark.slow
def test_statement_from(run):
    a = only(run("In a statement from the foreign ministry, Beijing rejected the accusations as groundless.")[0])
    assert (a.source, a.cue, a.source_type) == ("the foreign ministry", "statement", "organisation")
    assert a.content == "Beijing rejected the accusations as groundless"


@pytest.mark.slow
def test_statement_saying_and_report_by(run):
    saying = only(run("The ministry issued a statement saying the talks had been productive.")[0])
    assert (saying.source, saying.cue, saying.content) == ("The ministry", "saying", "the talks had been productive")
    report = only(run("A report by the IMF found that growth slowed to 2 percent.")[0])
    assert (report.source, report.cue, report.source_type) == ("A report by the IMF", "found", "document")
    assert report.content == "growth slowed to 2 percent"


@pytest.mark.slow
def test_according_to_at_the_end_and_per(run):
    a = only(run("The economy grew 3 percent last year, according to official data.")[0])
    assert (a.source, a.cue, a.content, a.source_type) == (
        "official data", "according to", "The economy grew 3 percent last year", "document")
    b = only(run("Gas costs $4 per gallon, per the Energy Department.")[0])
    assert (b.source, b.cue) == ("the Energy Department", "per")


@pytest.mark.slow
def test_anonymous_sources(run):
    a = only(run("People familiar with the talks said progress was slow.")[0])
    assert (a.source, a.source_type) == ("People familiar with the talks", "anonymous")


@pytest.mark.slow
def test_parenthetical_cue_and_one_word_answer(run):
    a = only(run("Her rent went up by $210 a month in August, she said, the second increase in a year.")[0])
    assert (a.source, a.cue, a.quote) == ("she", "said", "reported")
    assert a.content == "Her rent went up by $210 a month in August the second increase in a year"
    b = only(run("No, Achebe said.")[0])
    assert (b.source, b.content) == ("Achebe", "No")


@pytest.mark.slow
def test_mixed_quote_is_reported_and_keeps_its_marks(run):
    a = only(run("A senior official at the bank told Reuters that a cut in December was “possible but far from "
                 "certain.”")[0])
    assert (a.source, a.cue, a.quote) == ("A senior official at the bank", "told", "reported")
    assert a.source_type == "anonymous"
    assert a.content == "a cut in December was “possible but far from certain.”"


@pytest.mark.slow
def test_forecasts_directives_and_documents_take_objects(run):
    forecast, directive, data, poll = (only(r) for r in run(
        "Economists polled by Reuters expect the annual rate to edge down to 2.8 percent.",
        "Dr. Osei urged residents to get vaccinated.",
        "State aid to the town fell from $58 million to $51 million, state budget records show.",
        "A poll released Thursday put Ruiz at 46 percent."))
    assert (forecast.source, forecast.cue, forecast.content, forecast.source_type) == (
        "Economists polled by Reuters", "expect", "the annual rate to edge down to 2.8 percent", "group")
    assert (directive.cue, directive.content) == ("urged", "residents to get vaccinated")
    assert (data.source, data.cue, data.source_type) == ("state budget records", "show", "document")
    assert (poll.cue, poll.content, poll.source_type) == ("put", "Ruiz at 46 percent", "document")


@pytest.mark.slow
def test_back_references_to_organisations_and_documents(run):
    results = run("Consumer prices rose 2.9 percent, the National Statistics Office said.",
                  "Fuel prices fell 6.1 percent, the office said.",
                  "A study published on Wednesday in the journal Microbial Frontiers found that the compound works.",
                  "The study reported no signs of kidney damage in the mice, but the doses tested were low.",
                  "The central bank said rates would stay on hold.")
    office, study, central = only(results[1]), only(results[3]), only(results[4])
    assert (office.source, office.source_type) == ("the office", "organisation")
    assert office.resolved == "National Statistics Office"  # the proper name, without "the"
    assert study.resolved == "A study published on Wednesday in the journal Microbial Frontiers"
    assert study.content == "no signs of kidney damage in the mice"
    assert central.resolved == ""  # not a back-reference to any bank named before


@pytest.mark.slow
def test_one_source_two_verbs_is_one_attribution(run):
    a = only(run("A study by the Clean Homes Alliance estimated the extra cost at $4,000 and found that households "
                 "would recover it within eight years.")[0])
    assert (a.source, a.cue) == ("A study by the Clean Homes Alliance", "estimated")
    assert a.content.endswith("found that households would recover it within eight years")


@pytest.mark.slow
def test_samples_gold_agreement(run):
    """The labelled dev samples (01-12; samples/GUIDELINE.md): (source, cue) pairs and every field.

    The held-back articles (13-20) are measured, never tuned on: see tests/test_eval_attribution.py."""
    from claims.research.eval_attribution import gold_files

    tp = fp = fn = 0
    fields = {"quote": 0, "source_type": 0, "resolved": 0, "content": 0}
    for path in gold_files(GOLD, "dev"):
        units = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        body = [u for u in units if not u["furniture"]]
        for unit, got in zip(body, run(*(u["text"] for u in body))):
            gold = {(g["source"], g["cue"]): g for g in unit["attributions"]}
            for a in got:
                g = gold.get((a.source, a.cue))
                tp, fp = tp + (g is not None), fp + (g is None)
                for name in fields:
                    fields[name] += g is not None and getattr(a, name) == g[name]
            fn += len(set(gold) - {(a.source, a.cue) for a in got})
    assert tp / (tp + fp) >= 0.97 and tp / (tp + fn) >= 0.97, (tp, fp, fn)
    assert all(n / tp >= 0.95 for n in fields.values()), fields


# ---- Precision: not attributions -----------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("text", [
    # (a report in a restrictive relative clause is one: samples/GUIDELINE.md, "Speech in a relative clause", and
    # the Wikinews gold; test_attribution_misreads has "Judge Maria Ortiz who announced that ...")
    "He did not say whether the plant would close.",  # negated
    "Critics would argue that the plan is too costly.",  # hedged
    "If the minister says the deal is off, markets will fall.",  # hypothetical
    "Officials declined to say whether the talks would continue.",
    "The company reported a loss of $3 million.",  # reporting verb, no clause
    "Police found the car abandoned near the river.",  # small clause
    "She denied the “rumours” on Friday.",  # scare quotes are not speech
    "He was arrested after a complaint from his neighbour.",
    "“I think we can do better.”",  # a quotation alone names nobody
])
def test_not_an_attribution(run, text):
    assert run(text) == [()]


@pytest.mark.slow
def test_cue_inside_a_quote_is_the_speakers_not_the_articles(run):
    a = only(run("“I think we can do better,” the coach said.")[0])
    assert (a.source, a.cue, a.content) == ("the coach", "said", "I think we can do better")


# ---- Forms added 2026-11-27 (samples/GUIDELINE.md, sections 4 and 6) ----------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("text, source, cue, quote", [
    # "put" with a figure, whoever puts it
    ("The Congressional Budget Office put the figure at $12 billion in a letter to lawmakers.",
     "The Congressional Budget Office", "put", "reported"),
    ("Analysts at Brandt Capital put the cost of the delay at about $90 million a month.",
     "Analysts at Brandt Capital", "put", "reported"),
    # a court rules
    ("A federal appeals court struck down the law on Monday, ruling that it placed an unjustified burden on voters.",
     "A federal appeals court", "ruling", "reported"),
    # speech in a relative clause set off by a comma: the antecedent speaks
    ("The figure was disputed by Nordvind, which said fishing would be allowed in the zone.",
     "Nordvind", "said", "reported"),
    ("Maren Dahl of the Institute for Security Studies, who estimates the navy will need 12 ships, disagreed.",
     "Maren Dahl of the Institute for Security Studies", "estimates", "reported"),
    # an attribution noun with its issuer and no verb
    ("The ministry’s claim that the shortfall can be covered by imports was challenged by farmers.",
     "The ministry", "claim", "reported"),
    # a hearer between the verb and its "that" clause
    ("Marta Greene, 81, told reporters outside the courthouse that she had given up her license in 2021.",
     "Marta Greene, 81", "told", "reported"),
    # a quotation verb next to its quotation
    ("Ibarra asked: “Where was that money last year?”", "Ibarra", "asked", "direct"),
    # verbless quote after a long phrase about the occasion
    ("Whitaker, asked whether the state would seek a stay of the ruling: “Absolutely, and today.”",
     "Whitaker", ":", "direct"),
    ("Moss, on whether the senator would agree to a third debate: “We have said yes to two.",
     "Moss", ":", "direct"),
])
def test_new_forms(run, text, source, cue, quote):
    a = only(run(text)[0])
    assert (a.source, a.cue, a.quote) == (source, cue, quote)


@pytest.mark.slow
def test_a_trailing_cue_after_another_attribution_is_a_second_one(run):
    found = run("The law's own sponsors conceded at trial that they knew of only two such cases since 2010, "
                "the opinion noted.")[0]
    assert [(a.source, a.cue, a.quote) for a in found] == [
        ("The law's own sponsors", "conceded", "reported"), ("the opinion", "noted", "reported")]
    assert found[1].content.startswith("The law's own sponsors conceded at trial")


@pytest.mark.slow
@pytest.mark.parametrize("text", [
    "He put the book on the table.",  # "put" without a figure
    "The Supreme Court ruled on Friday in favour of the state.",  # no content
    "It was announced on Wednesday that the Senate would hold a vote in January.",  # passive, no agent
    "A nurse, who asked not to be named, was at the hospital.",  # a relative clause that reports nothing
    "Lopez asked whether the count was fair.",  # "asked" without a quotation
])
def test_new_forms_not_attributions(run, text):
    assert run(text) == [()]


# ---- Parsing only where an attribution is possible ---------------------------------------------------


def test_the_pre_filter_reads_cues_quotes_and_names_off_the_raw_text():
    from claims.pipeline.cues import may_attribute, needs_parse

    assert may_attribute("The agency put the cost at $3 billion.")  # an inflected cue verb
    assert may_attribute("Prices rose, according to the office.") and may_attribute("“Yes,” he replied.")
    assert may_attribute("The ministry’s claims were challenged.")  # a cue noun
    assert not may_attribute("The bridge reopened on Tuesday after repairs.")
    assert needs_parse("The race pits Ana Ruiz against Marcus Lopez.")  # names a later "Ruiz" points back to
    assert not needs_parse("The bridge reopened on Tuesday after repairs.")


def test_a_sentence_without_a_cue_is_not_parsed(monkeypatch):
    from claims.pipeline import cues, nlp

    import spacy

    seen, blank = [], spacy.blank("en")

    def fake_parse(texts, entities=True, **kw):
        seen.extend((t, entities) for t in texts)
        return [blank.make_doc(t) for t in texts]  # tokens only: nothing for the re-parse of misread verbs to read

    monkeypatch.setattr(nlp, "parse", fake_parse)
    out = cues.parse_where_needed(["The bridge reopened on Tuesday.", "Mayor Gloria Pennington said it was safe.",
                                        "The figures, he said, were wrong."])
    # no cue: not parsed; a cue and a name: the full parse; a cue and no capital but the first: no entity pass
    assert seen == [("Mayor Gloria Pennington said it was safe.", True), ("The figures, he said, were wrong.", False)]
    assert out[0] is None and out[1] is not None and out[2] is not None
    assert not cues.names_nothing("Harlow said the vote was fair.")  # a first word may be a name


def test_pieces_of_a_quote_and_refusals_to_comment_are_not_parsed():
    from claims.pipeline.cues import may_attribute, names_nothing, outside_quotes

    # the middle of a quote that runs over several sentences holds no source of its own
    assert outside_quotes("“Every bed is full.") == "" and outside_quotes("That is how it works.”") == ""
    assert outside_quotes('The money moves; it does not grow."') == ""
    assert outside_quotes("“Every bed is full,” Okafor said.") == " Okafor said."
    assert not may_attribute("“Every bed is full.") and not may_attribute("Rent is the biggest driver.”")
    assert may_attribute("“Every bed is full,” Okafor said.") and may_attribute("Okafor: “Every bed is full.”")
    assert may_attribute("“Every bed is full” — Okafor")  # a speaker after a dash, no cue verb
    assert not may_attribute("The company did not respond to a request for comment.")
    assert may_attribute("The company declined to comment, but its lawyer said the claim was false.")
    assert not may_attribute("The state budget grew.") and may_attribute("Officials state that it grew.")
    # names inside the quote, "I", days and months are no person or organisation to recognise
    assert names_nothing("“Ask Dr. Lee in May,” she said.") and names_nothing("He said I was wrong on Monday.")
    assert not names_nothing("“No,” said Lee.")


@pytest.mark.slow
def test_unparsed_sentences_still_name_people_for_later_sentences(run):
    from claims.pipeline.cues import parse_where_needed

    texts = ["The race pits Mayor Ana Ruiz against Marcus Lopez.", "Voting began early in every ward.",
             "Ruiz said turnout was high."]
    docs = parse_where_needed(texts)
    assert docs[1] is None and docs[0] is not None
    found = attribute([Sentence(i, t, 0, len(t)) for i, t in enumerate(texts)], docs)
    assert found[1] == () and only(found[2]).resolved == "Ana Ruiz"


@pytest.mark.slow
def test_no_gold_attribution_is_lost_by_the_pre_filter():
    """Every sentence of the samples that holds a gold attribution passes the filter (all splits)."""
    from claims.pipeline.cues import may_attribute

    rows = [r for p in sorted(GOLD.glob("*.jsonl"))
            for r in map(json.loads, p.read_text(encoding="utf-8").splitlines())]
    assert len(rows) > 700
    assert [r["text"] for r in rows if r["attributions"] and not may_attribute(r["text"])] == []


@pytest.mark.slow
def test_the_faster_attribute_ruler_sets_what_spacys_own_sets():
    import importlib.util

    import spacy

    texts = ["I ain't gonna say it, y'all.", "There is nothin' to see, let's go.", "He gets it; she got ta go.",
             "That is what they said, and those who came left.", (ROOT / "samples" / "articles" /
                                                                 "01-inflation-cools.txt").read_text(encoding="utf-8")]
    name = next(m for m in nlp_module.MODELS if importlib.util.find_spec(m) is not None)
    stock = spacy.load(name, disable=["senter"])

    def attrs(doc):
        return [(t.text, t.tag_, t.pos_, str(t.morph), t.lemma_, t.dep_, t.head.i, t.ent_type_) for t in doc]

    assert [attrs(d) for d in nlp_module.parse(texts)] == [attrs(d) for d in stock.pipe(texts)]


# ---- The parse helper: a second process parses part of a large batch ---------------------------------


def _doc_view(doc):
    return (doc.text, [(t.tag_, t.pos_, t.dep_, t.head.i, t.lemma_, t.ent_type_, t.is_sent_start, t.whitespace_)
                       for t in doc], [(e.text, e.label_) for e in doc.ents])


HELPER_TEXTS = [f"Mayor Ana Ruiz said on day {i} that the bridge would reopen." if i % 3 == 0 else
                f"“Every bed is full,” Dr. Okafor told {i} reporters." if i % 3 == 1 else
                f"According to the U.S. Department of Justice, {i} people were charged." for i in range(150)]


@pytest.mark.slow
def test_the_helper_parses_exactly_what_this_process_would(monkeypatch):
    monkeypatch.setenv("CLAIMS_PARSE_HELPER", "1")
    assert nlp_module.helper_share(len(HELPER_TEXTS)) > 0
    here = [_doc_view(d) for d in nlp_module.get_nlp().pipe(HELPER_TEXTS)]
    shared = nlp_module.parse(HELPER_TEXTS)
    assert nlp_module._helper is not None and nlp_module._helper.alive()  # it did take part
    assert [_doc_view(d) for d in shared] == here
    plain = nlp_module.parse(HELPER_TEXTS, entities=False)
    assert all(not d.ents for d in plain) and [len(d) for d in plain] == [len(d) for d in shared]


@pytest.mark.slow
def test_a_helper_that_died_costs_nothing_but_time(monkeypatch):
    monkeypatch.setenv("CLAIMS_PARSE_HELPER", "1")
    expected = [_doc_view(d) for d in nlp_module.parse(HELPER_TEXTS)]
    nlp_module._helper.proc.kill()  # killed between batches
    nlp_module._helper.proc.wait()
    assert [_doc_view(d) for d in nlp_module.parse(HELPER_TEXTS)] == expected  # a new one is started
    helper = nlp_module._get_helper()
    pending = nlp_module._helper_submit(HELPER_TEXTS[:10], True)
    helper.proc.kill()  # killed while it holds a batch: that part is parsed here instead
    helper.proc.wait()
    assert pending is not None
    with pytest.raises(Exception):
        pending.result()
    assert [_doc_view(d) for d in nlp_module.parse(HELPER_TEXTS)] == expected


def test_a_helper_that_keeps_failing_is_given_up(monkeypatch):
    monkeypatch.setenv("CLAIMS_PARSE_HELPER", "1")
    monkeypatch.setattr(nlp_module, "_helper_failures", nlp_module.MAX_HELPER_FAILURES - 1)
    assert nlp_module.helper_share(1000) > 0
    nlp_module._helper_stop()  # one more failure
    assert nlp_module.helper_share(1000) == 0 and nlp_module._helper is None


def test_small_batches_one_core_or_the_setting_keep_the_parse_here(monkeypatch):
    monkeypatch.setenv("CLAIMS_PARSE_HELPER", "1")
    assert nlp_module.helper_share(nlp_module.HELPER_MIN - 1) == 0
    assert 0 < nlp_module.helper_share(1000) < 500
    monkeypatch.setenv("CLAIMS_PARSE_HELPER", "0")
    assert nlp_module.helper_share(1000) == 0
    monkeypatch.setenv("CLAIMS_PARSE_HELPER", "1")
    monkeypatch.setattr(nlp_module.os, "cpu_count", lambda: 1)
    assert nlp_module.helper_share(1000) == 0


# ---- Round 5's forms (docs/attribution.md) ------------------------------------------------------

@pytest.mark.parametrize("text,source,cue", [
    ("Zanu-PF, the ruling party, responded to the calls for reform by saying it would be considered after the "
     "elections.", "Zanu-PF, the ruling party", "saying"),
    ("He continued by saying he hopes the region will deal with the matter urgently.", "He", "saying"),
    ('"There is a record of their previous acts," said Foreign Ministry spokesman Mohammad Hosseini who also said '
     "that the embassy would stay closed.", "Foreign Ministry spokesman Mohammad Hosseini", "said"),
    ("Abbas does not support armed conflict, and is calling for peace talks.", "Abbas", "calling"),
    ("The United Nations have called upon member states to donate US$88m to fight hunger in Malawi.",
     "The United Nations", "called"),
    ("The election, which was announced by Mugabe last week, will take place on March 29.", "Mugabe", "announced"),
    ("Discussions have proven difficult, with Mr. Odinga blaming Mr. Kibaki for rigging elections.", "Mr. Odinga",
     "blaming"),
    ('"In fact he said that Iran has the right to nuclear energy," Rose added.', "he", "said"),
    ('McKenzie also supports the ruling saying, "This would undermine the atmosphere."', "McKenzie", "saying"),
    ("The president mentioned the casualty count in response to a question from the audience.", "The president",
     "mentioned"),
])
def test_round_five_forms(run, text, source, cue):
    found = [(a.source, a.cue) for a in run(text)[0]]
    assert (source, cue) in found, found
    if "who also said" in text:  # the relative clause is a second attribution of the same speaker
        assert found.count((source, cue)) == 2, found


@pytest.mark.parametrize("text", [
    "The Elmwood Village Hotel is a 72-room hotel proposed by Savarino Construction Services Corporation.",
    "Drug-resistant infections kill a million people a year, according to estimates cited by the World Health "
    "Organization.",
    "Damage revealed by a recent scan was treated on Monday.",
])
def test_a_passive_act_or_a_cited_estimate_gets_no_agent_attribution(run, text):
    assert all(a.cue not in ("proposed", "cited", "revealed") for a in run(text)[0])


@pytest.mark.parametrize("text", [
    "“People think measles is a rash and a week off school,” she said.",
    "“Every minister says lessons have been learned,” Holt said.",
    "“We think the plan will fail,” she said.",
])
def test_a_figure_of_speech_or_the_speakers_own_voice_inside_a_quote_is_no_report(run, text):
    assert [a.cue for a in run(text)[0]] == ["said"]


@pytest.mark.parametrize("first,later,full", [
    ("Al-Qaeda's second in command, Ayman al-Zawahiri, appeared in a new videotape on Friday.",
     "Zawahiri said the war would go on.", "Ayman al-Zawahiri"),
    ("Hospital director Shlomo Mor-Yosef held a press conference on Thursday.",
     "Yosef said the surgery was a routine procedure.", "Shlomo Mor-Yosef"),
])
def test_a_surname_resolves_to_a_full_name_with_a_particle_or_a_hyphen(run, first, later, full):
    assert only(run(first, later)[1]).resolved == full


# -- round 11 (2026-12-06, thirteenth session): forms read from the train and dev articles of draws 1-13 ---------


def test_a_question_quoted_before_its_asker_is_the_askers(run):
    (a,) = run('"Is trade so important that we cannot speak our mind?" Senator Brown asked.')[0]
    assert (a.source, a.cue, a.quote) == ("Senator Brown", "asked", "direct")
    assert a.content.startswith("Is trade so important")
    assert run("Lopez, asked the same question: \u201cWho pays?\u201d")[0][0].cue == ":"  # the colon form stays


def test_a_restrictive_who_clause_reports_its_antecedents_words(run):
    (a,) = run("Reuters named the captors as members of the tribe who told the agency that the family is safe.")[0]
    assert (a.source, a.cue) == ("members of the tribe", "told") and a.content.startswith("the family is safe")
    assert not run("The man who asked not to be named left early.")[0]  # no content: no attribution


def test_a_bare_speaker_tag_after_a_full_stop_stays_with_its_quotation(run):
    from claims.pipeline.split import sentence_spans

    text = '"It is an attempt to get unlimited power." Harper said.'
    assert sentence_spans(text, 0, len(text)) == [(0, len(text))]
    (a,) = run(text)[0]
    assert (a.source, a.cue, a.quote) == ("Harper", "said", "direct")


def test_a_conjoined_evaluation_shares_its_subject_even_after_a_negated_verb(run):
    (a,) = run("The White House has not made mention of any connection, but called Pakistan a valuable ally.")[0]
    assert (a.source, a.cue) == ("The White House", "called") and a.content.startswith("Pakistan")
    assert not run("The White House has not called Pakistan an ally.")[0]  # the negated verb itself: none
