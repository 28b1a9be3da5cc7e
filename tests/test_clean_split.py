"""Tests for claims.pipeline.clean (blocks, furniture, HTML) and claims.pipeline.split (sentences, lines)."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import need_seed
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claims.pipeline.clean import clean, furniture_reason, html_to_text, is_strippable
from claims.pipeline.split import split_lines, split_sentences
from claims.pipeline.types import BLOCK_KINDS, Block


def sentences_of(text: str) -> list[str]:
    return [s.text for s in split_sentences(text, clean(text))]


def one_block_sentences(text: str) -> list[str]:
    """Split ``text`` as a single body block (no furniture/headline rules involved)."""
    return [s.text for s in split_sentences(text, [Block(0, len(text), "body")])]


# ---------------------------------------------------------------------------------------------
# The seed article
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed() -> str:
    return need_seed().read_text(encoding="utf-8")


def block_of(text: str, blocks: list[Block], needle: str) -> Block:
    hits = [b for b in blocks if text[b.start : b.end] == needle]
    assert len(hits) == 1, f"no single block is exactly {needle!r}: {[text[b.start:b.end] for b in blocks]}"
    return hits[0]


@pytest.mark.parametrize(
    "line",
    ["Getty Images", "{mosads}", "Most Popular", "Load more", "See all Video"],
)
def test_seed_furniture_lines(seed: str, line: str) -> None:
    blocks = clean(seed)
    assert block_of(seed, blocks, line).kind == "furniture"


def test_seed_comment_notice_is_furniture(seed: str) -> None:
    blocks = clean(seed)
    notice = [b for b in blocks if seed[b.start : b.end].startswith("The Hill has removed its comment section")]
    assert len(notice) == 1
    assert notice[0].kind == "furniture"
    assert notice[0].reason == "comment notice"
    assert seed[notice[0].start : notice[0].end].endswith("join the discussion on Facebook and Twitter.")


def test_seed_inline_placeholder_splits_off(seed: str) -> None:
    blocks = clean(seed)
    ph = block_of(seed, blocks, "{mosads}")
    assert ph.reason == "ad placeholder"
    after = [b for b in blocks if b.start >= ph.end][0]
    assert after.kind == "body"
    assert seed[after.start : after.end].startswith("The digital theft of corporate secrets")
    assert seed[after.start : after.end].endswith("in the global market.")


def test_seed_content_paragraphs_are_body(seed: str) -> None:
    blocks = clean(seed)
    body_starts = [
        "U.S. and Chinese officials on Tuesday",
        "In the first official cybersecurity dialogue",
        "The digital theft of corporate secrets",
        "Tuesday was the beginning",
        "The meetings arose out of a September agreement",
        "But many noted",
        "Those talks got underway",
        "According to a short Department of Justice release",
        "Guo Shengkun",
        "While outside policy experts",
        "U.S. officials have also insisted",
        "\u201cWe have been clear",
    ]
    for start in body_starts:
        hits = [b for b in blocks if seed[b.start : b.end].startswith(start)]
        assert len(hits) == 1, start
        assert hits[0].kind == "body", (start, hits[0])
    assert sum(b.kind == "body" for b in blocks) == len(body_starts)


def test_seed_offsets_exact(seed: str) -> None:
    blocks = clean(seed)
    for b in blocks:
        assert seed[b.start : b.end] == seed[b.start : b.end].strip()
        assert b.kind in BLOCK_KINDS
    sents = split_sentences(seed, blocks)
    assert [s.index for s in sents] == list(range(len(sents)))
    for s in sents:
        assert s.text == seed[s.start : s.end]
        assert s.text == s.text.strip() and s.text


def test_seed_dc_and_us_china_do_not_split(seed: str) -> None:
    sents = sentences_of(seed)
    dc = [s for s in sents if "Washington, D.C." in s]
    assert len(dc) == 1
    assert dc[0].startswith("The meetings arose out of a September agreement")
    assert dc[0].endswith("commercial espionage.")
    us_china = [s for s in sents if "U.S.-China" in s]
    assert len(us_china) == 1
    assert us_china[0].startswith("Tuesday was the beginning")
    assert us_china[0].endswith("in recent years.")


def test_seed_quote_sentence_is_one(seed: str) -> None:
    sents = sentences_of(seed)
    hits = [s for s in sents if s.endswith("told The Washington Post on Monday.")]
    assert hits == [
        "\u201cWe have been clear with the Chinese government that we are watching to ensure their words are "
        "matched by actions,\u201d a senior administration official told The Washington Post on Monday."
    ]


def test_seed_two_sentence_paragraph_splits(seed: str) -> None:
    sents = sentences_of(seed)
    assert "But many noted the agreement was quite vague." in sents
    assert "The two sides agreed to meet in the coming months to flesh out the details." in sents


def test_seed_sentence_kinds_follow_blocks(seed: str) -> None:
    sents = split_sentences(seed, clean(seed))
    by_text = {s.text: s.kind for s in sents}
    assert by_text["Getty Images"] == "furniture"
    assert by_text["{mosads}"] == "furniture"
    assert by_text["The digital theft of corporate secrets has emerged as one of the major irritants between the global powers."] == "body"


# ---------------------------------------------------------------------------------------------
# Sentence splitting: inline cases
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        # abbreviations that never end a sentence here
        ("The U.S. and the U.K. met in Washington, D.C. on Nov. 3 to talk.", 1),
        ("Officials met on Jan. 12 and again on Feb. 4 in St. Louis.", 1),
        ("Mr. Smith, Mrs. Jones, Ms. Lee, Dr. Brown and Prof. White attended.", 1),
        ("Sen. Warren, Rep. Smith, Gov. Newsom and Gen. Milley spoke.", 1),
        ("He lives at No. 2 Main Street.", 1),
        ("Apple Inc. and Acme Corp. and Foo Ltd. and Bar Co. merged.", 1),
        ("Martin Luther King Jr. led the march.", 1),
        ("Apples vs. oranges etc. are fruit, e.g. apples, i.e. red ones.", 1),
        ("The meeting starts at 9 a.m. and ends at 5 p.m. Eastern time.", 1),
        ("J. K. Rowling wrote the books.", 1),
        ("Tensions have strained U.S.-China relations.", 1),
        ("The U.S. Senate voted on Tuesday.", 1),
        ("Roe v. Wade was decided in 1973.", 1),
        ("Sen. Warren (D-Mass.) said it was wrong.", 1),
        ("Steps: 1. Check the claim.", 1),
        # decimals and money
        ("It cost $1.1 billion over 4.2 hours, up 3.5% from 2019.", 1),
        # ellipses mid-sentence
        ("He paused... then he left.", 1),
        ("She waited \u2026 and waited.", 1),
    ],
)
def test_no_split(text: str, expected: int) -> None:
    assert one_block_sentences(text) == [text]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("It happened in the U.S. The next day it happened again.", ["It happened in the U.S.", "The next day it happened again."]),
        ("Talks were held in the U.S. But nothing was agreed.", ["Talks were held in the U.S.", "But nothing was agreed."]),
        ("They moved to Washington, D.C. It was cold.", ["They moved to Washington, D.C.", "It was cold."]),
        ("The meeting ended at 5 p.m. They left.", ["The meeting ended at 5 p.m.", "They left."]),
        ("I met Mr. Smith. He was late.", ["I met Mr. Smith.", "He was late."]),
        ("Dr. Brown arrived. Dr. White left.", ["Dr. Brown arrived.", "Dr. White left."]),
        ("He works for Apple Inc. The company is big.", ["He works for Apple Inc.", "The company is big."]),
        ("We sell apples, pears, etc. The rest is imported.", ["We sell apples, pears, etc.", "The rest is imported."]),
        ("It cost $1.1 billion. That is 3.5% more.", ["It cost $1.1 billion.", "That is 3.5% more."]),
        ("He won in 2020. 2021 was different.", ["He won in 2020.", "2021 was different."]),
        ("The vote is on Nov. 3. In Dec. it moves.", ["The vote is on Nov. 3.", "In Dec. it moves."]),
        ("Is it true? Yes! It is.", ["Is it true?", "Yes!", "It is."]),
        ("She waited\u2026 Then she left.", ["She waited\u2026", "Then she left."]),
        ("He paused... The room was silent.", ["He paused...", "The room was silent."]),
        ("Was it No. 2? No. It was No. 3.", ["Was it No. 2?", "No.", "It was No. 3."]),
    ],
)
def test_split(text: str, expected: list[str]) -> None:
    assert one_block_sentences(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        # a sentence ending inside a quote, followed by the attribution
        (
            "\u201cTheir words must be matched by actions.\u201d she said.",
            ["\u201cTheir words must be matched by actions.\u201d she said."],
        ),
        ("\u201cWhy now?\u201d she asked.", ["\u201cWhy now?\u201d she asked."]),
        ('"We will win!" he shouted.', ['"We will win!" he shouted.']),
        # a quotation spanning clauses stays with its attribution
        ("\u201cWe will win,\u201d she said.", ["\u201cWe will win,\u201d she said."]),
        (
            "\u201cWe will win,\u201d she said. \u201cWe always do.\u201d",
            ["\u201cWe will win,\u201d she said.", "\u201cWe always do.\u201d"],
        ),
        # a quote with several sentences splits at its boundaries
        (
            "\u201cWe will win. We always do,\u201d she said.",
            ["\u201cWe will win.", "We always do,\u201d she said."],
        ),
        # the closing quote belongs to the sentence before it
        ("\u201cWe will win.\u201d He left.", ["\u201cWe will win.\u201d", "He left."]),
        ('"We will win." He left.', ['"We will win."', "He left."]),
        ("He said \u201cno.\u201d The end.", ["He said \u201cno.\u201d", "The end."]),
        ("(This was expected.) The vote passed.", ["(This was expected.)", "The vote passed."]),
        ("It was made in the U.S.\u201d She nodded.", ["It was made in the U.S.\u201d", "She nodded."]),
        ("The talks began. \u201cWe are hopeful,\u201d he said.", ["The talks began.", "\u201cWe are hopeful,\u201d he said."]),
        # a question or an exclamation quoted, then a named speaker: one sentence
        ("\u201cWho pays for this?\u201d Kowalski asked at a rally. He left.",
         ["\u201cWho pays for this?\u201d Kowalski asked at a rally.", "He left."]),
        ('"Stop!" shouted Sen. Ana Ruiz.', ['"Stop!" shouted Sen. Ana Ruiz.']),
        # but a full stop in the quote, or no speech verb after the name, ends it
        ("\u201cWhy?\u201d Kowalski left the room.", ["\u201cWhy?\u201d", "Kowalski left the room."]),
        ("\u201cWe will win.\u201d Kowalski said nothing.", ["\u201cWe will win.\u201d", "Kowalski said nothing."]),
        # a full stop where the comma belonged: a bare speaker tag stays with its quotation (Wikinews has ~45 of
        # these); a tag with content of its own starts the next sentence
        ('"It is an attempt to get unlimited power." Harper said. The vote is next.',
         ['"It is an attempt to get unlimited power." Harper said.', "The vote is next."]),
        ('"It will fail." The Prime Minister said on Tuesday.', ['"It will fail." The Prime Minister said on Tuesday.']),
        ('"It will fail." Mrs. Sheehan told Salon. Then she left.',
         ['"It will fail." Mrs. Sheehan told Salon.', "Then she left."]),
        ('"It will fail." Smith said the vote would be next week.',
         ['"It will fail."', "Smith said the vote would be next week."]),
        ('"It will fail." Harper said in a statement that he was sorry.',
         ['"It will fail."', "Harper said in a statement that he was sorry."]),
        ('"It will fail." Mrs. Sheehan told Salon she was angry.',
         ['"It will fail."', "Mrs. Sheehan told Salon she was angry."]),
    ],
)
def test_quotes(text: str, expected: list[str]) -> None:
    assert one_block_sentences(text) == expected


def test_headline_without_full_stop_is_one_sentence() -> None:
    text = "Talks Begin on Cyber Espionage\n\nU.S. and Chinese officials met. They talked."
    blocks = clean(text)
    sents = split_sentences(text, blocks)
    assert sents[0].text == "Talks Begin on Cyber Espionage"
    assert sents[0].kind == "headline"
    assert [s.text for s in sents[1:]] == ["U.S. and Chinese officials met.", "They talked."]
    assert all(s.kind == "body" for s in sents[1:])


def test_sentences_never_cross_blocks() -> None:
    text = "First paragraph ends without a stop\n\nsecond paragraph starts lower case."
    blocks = clean(text)
    assert len(blocks) == 2
    sents = split_sentences(text, blocks)
    assert [s.text for s in sents] == ["First paragraph ends without a stop", "second paragraph starts lower case."]


def test_cjk_and_mixed_scripts() -> None:
    assert one_block_sentences("\u4f60\u597d\u3002\u6211\u5f88\u597d\uff01\u4f60\u5462\uff1f") == [
        "\u4f60\u597d\u3002",
        "\u6211\u5f88\u597d\uff01",
        "\u4f60\u5462\uff1f",
    ]
    text = "The sign said \u0645\u0631\u062d\u0628\u0627. Then it said \u05e9\u05dc\u05d5\u05dd. \u263a"
    sents = one_block_sentences(text)
    assert "".join(sents).replace(" ", "") == text.replace(" ", "")


def test_crlf_line_endings() -> None:
    text = "Talks Begin\r\n\r\nOfficials met. They talked.\r\nMost Popular\r\n"
    blocks = clean(text)
    assert [text[b.start : b.end] for b in blocks] == ["Talks Begin", "Officials met. They talked.", "Most Popular"]
    assert [b.kind for b in blocks] == ["headline", "body", "furniture"]
    sents = split_sentences(text, blocks)
    assert [s.text for s in sents] == ["Talks Begin", "Officials met.", "They talked.", "Most Popular"]
    assert all("\r" not in s.text for s in sents)
    assert [s.text for s in split_lines(text)] == ["Talks Begin", "Officials met. They talked.", "Most Popular"]


@pytest.mark.parametrize("text", ["", " ", "\n\n\n", " \t\r\n \u3000 ", "\u200b\u200b", "\r\n"])
def test_empty_inputs(text: str) -> None:
    assert clean(text) == []
    assert split_sentences(text, clean(text)) == []
    assert split_lines(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "a" * 200_000,
        "word " * 40_000,
        "." * 200_000,
        "U.S. " * 40_000,
        "\u201c" * 200_000,
        "\U0001f600" * 200_000,
    ],
)
def test_long_single_line_runs(text: str) -> None:
    blocks = clean(text)
    sents = split_sentences(text, blocks)
    assert sents and sents[0].start == 0
    for s in sents:
        assert s.text == text[s.start : s.end]


def test_long_line_without_punctuation_is_one_sentence() -> None:
    text = "a" * 200_000
    blocks = clean(text)
    assert len(blocks) == 1 and blocks[0].kind == "body"
    sents = split_sentences(text, blocks)
    assert len(sents) == 1 and sents[0].start == 0 and sents[0].end == 200_000


def test_zero_width_and_rtl() -> None:
    text = "\u200b\u202eHello there. \u200dGeneral Kenobi.\u200b\n\u2067\u0645\u0631\u062d\u0628\u0627\u2069"
    sents = split_sentences(text, clean(text))
    for s in sents:
        assert s.text == text[s.start : s.end]
        assert not is_strippable(s.text[0]) and not is_strippable(s.text[-1])


def test_split_sentences_tolerates_odd_blocks() -> None:
    text = "One. Two."
    odd = [Block(5, 100, "body"), Block(-3, 4, "body"), Block(4, 4, "body")]
    sents = split_sentences(text, odd)
    for s in sents:
        assert s.text == text[s.start : s.end]


def test_split_lines() -> None:
    text = "  first line. Still first.\n\n\tsecond line \r\nthird\u2028fourth"
    sents = split_lines(text)
    assert [s.text for s in sents] == ["first line. Still first.", "second line", "third", "fourth"]
    assert [s.index for s in sents] == [0, 1, 2, 3]
    assert all(s.kind == "body" and s.text == text[s.start : s.end] for s in sents)


# ---------------------------------------------------------------------------------------------
# Cleaning: furniture, headlines, placeholders
# ---------------------------------------------------------------------------------------------

FURNITURE = {
    "Getty Images": "photo credit",
    "Chip Somodevilla/Getty Images": "photo credit",
    "AFP via Getty Images": "photo credit",
    "Photo: Jane Smith / Reuters": "photo credit",
    "AP Photo/Evan Vucci": "photo credit",
    "(Image credit: NASA)": "photo caption",
    "The president speaks in the Rose Garden. (AP Photo/Evan Vucci)": "photo caption",
    "{mosads}": "ad placeholder",
    "Advertisement": "advertisement",
    "ADVERTISEMENT": "advertisement",
    "- Advertisement -": "advertisement",
    "Sponsored": "advertisement",
    "Story continues below advertisement": "advertisement",
    "Load more": "load more",
    "Show more": "load more",
    "Most Popular": "most popular",
    "Most Read": "most popular",
    "See all Video": "see all",
    "See all Videos": "see all",
    "Read more": "read more",
    "Read more: Talks collapse in Geneva": "read more",
    "READ MORE: Why it matters": "read more",
    "Related: China denies hacking claims": "related",
    "Related Articles": "related",
    "Recommended": "recommended",
    "Recommended for you": "recommended",
    "Sign up for our newsletter": "newsletter",
    "Sign up for The Hill's Morning Report newsletter.": "newsletter",
    "Subscribe to our daily briefing": "newsletter",
    "Get the latest news delivered to your inbox.": "newsletter",
    "The Morning Newsletter": "newsletter",
    "Thank you for signing up!": "newsletter",
    (
        "The Hill has removed its comment section, as there are many other forums for readers to participate in "
        "the conversation. We invite you to join the discussion on Facebook and Twitter."
    ): "comment notice",
    "Comments are closed.": "comment notice",
    "12 Comments": "comment notice",
    "Share on Facebook": "share buttons",
    "Tweet": "share buttons",
    "Email": "share buttons",
    "Copy link": "share buttons",
    "Share | Tweet | Email": "share buttons",
    "By Jane Doe": "byline",
    "BY JANE DOE": "byline",
    "By Jane Doe and John Roe, The Associated Press": "byline",
    "Jane Doe, Staff Writer": "byline",
    "Reporting by Jane Doe; Editing by John Roe": "byline",
    "Updated 3:45 PM ET": "timestamp",
    "Published Nov. 3, 2020 at 10:15 a.m. EST": "timestamp",
    "Updated: 2 hours ago": "timestamp",
    "Copyright 2020 The Associated Press. All rights reserved.": "copyright",
    "\u00a9 2024 Nexstar Media Inc.": "copyright",
    "Follow us on Twitter": "social",
}


@pytest.mark.parametrize("line, reason", sorted(FURNITURE.items()))
def test_furniture_lines(line: str, reason: str) -> None:
    assert furniture_reason(line) == reason
    text = f"Officials met on Tuesday.\n\n{line}\n\nThey talked for hours."
    blocks = clean(text)
    assert [text[b.start : b.end] for b in blocks] == ["Officials met on Tuesday.", line, "They talked for hours."]
    assert [b.kind for b in blocks] == ["body", "furniture", "body"]
    assert blocks[1].reason == reason


@pytest.mark.parametrize(
    "line",
    [
        "The senator mentioned the plan in a newsletter.",
        "She said she would sign up for the program next year.",
        "Comments from the minister drew criticism on Tuesday.",
        "By Tuesday, officials had left the building.",
        "By the end of 2020, unemployment had fallen to 3.5%.",
        "Read the report and you will see the numbers are wrong.",
        "The company removed its comment section in 2019, citing abuse.",
        "Copyright law was changed in 1998.",
        "Share prices fell 3% on Monday.",
        "Email records show the aide knew.",
        "Related research found no link between the two.",
        "Getty Images photographers were at the scene when the fire broke out.",
        "Reuters reported that the talks had collapsed.",
        "Most Americans support the measure, a poll found.",
        "The newsletter, which has 2 million subscribers, said the claim was false.",
        "See all the evidence for yourself before you decide.",
        "Advertisement spending rose 12% last year.",
        "No. 10 Downing Street said the prime minister would attend.",
        "Sponsored content made up 20% of the site's revenue, the report said.",
    ],
)
def test_real_sentences_are_not_furniture(line: str) -> None:
    assert furniture_reason(line) == ""
    text = f"Officials met on Tuesday.\n\n{line}"
    assert [b.kind for b in clean(text)] == ["body", "body"]


def test_inline_placeholder_becomes_its_own_block() -> None:
    text = "Intro line here.\n\n{mosads}The digital theft of secrets grew. It cost billions.\n"
    blocks = clean(text)
    assert [(text[b.start : b.end], b.kind) for b in blocks] == [
        ("Intro line here.", "body"),
        ("{mosads}", "furniture"),
        ("The digital theft of secrets grew. It cost billions.", "body"),
    ]
    assert blocks[1].reason == "ad placeholder"
    assert blocks[1].end - blocks[1].start == len("{mosads}")
    sents = split_sentences(text, blocks)
    assert [s.text for s in sents] == ["Intro line here.", "{mosads}", "The digital theft of secrets grew.", "It cost billions."]


def test_headlines() -> None:
    text = (
        "China and U.S. Kick Off Cyber Talks\n"
        "By Jane Doe\n"
        "Updated 3:45 PM ET\n\n"
        "Officials met on Tuesday to talk about cyber espionage.\n\n"
        "What Happens Next\n\n"
        "The talks continue on Wednesday.\n"
    )
    blocks = clean(text)
    kinds = [(text[b.start : b.end], b.kind) for b in blocks]
    assert kinds == [
        ("China and U.S. Kick Off Cyber Talks", "headline"),
        ("By Jane Doe", "furniture"),
        ("Updated 3:45 PM ET", "furniture"),
        ("Officials met on Tuesday to talk about cyber espionage.", "body"),
        ("What Happens Next", "headline"),
        ("The talks continue on Wednesday.", "body"),
    ]


def test_sentence_case_first_line_is_headline_but_later_lines_are_not() -> None:
    text = "Officials kick off talks on cyber theft\n\nThe talks began on Tuesday.\n\nwhat comes next is unclear\n"
    kinds = [b.kind for b in clean(text)]
    assert kinds == ["headline", "body", "body"]


def test_hard_wrapped_paragraph_is_one_block() -> None:
    text = (
        "The officials met on Tuesday in a building that was hard to find for\n"
        "anyone who had not been there before. They talked for hours.\n\n"
        "Next paragraph.\n"
    )
    blocks = clean(text)
    assert len(blocks) == 2
    assert text[blocks[0].start : blocks[0].end].endswith("They talked for hours.")
    sents = split_sentences(text, blocks)
    assert sents[0].text.startswith("The officials met") and sents[0].text.endswith("been there before.")
    assert "\n" in sents[0].text
    assert sents[1].text == "They talked for hours."


# ---------------------------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------------------------

PAGE = """<!doctype html>
<html><head><title>Cyber talks</title>
<script>alert(1)</script><style>p { color: red }</style></head>
<body>
<nav><a href="/">Home</a> <a href="/politics">Politics desk</a> <a href="/tech">Technology section</a></nav>
<iframe src="https://ads.example.com/frame">iframe fallback text</iframe>
<main><article>
<h1>Talks Begin on Cyber Espionage</h1>
<p>U.S. and Chinese officials on Tuesday kicked off talks aimed at improving cooperation on commercial cyber
espionage investigations.</p>
<script>document.write("injected by script")</script>
<p>In the first official cybersecurity dialogue between the two countries since early 2014, Beijing
representatives joined the heads of the Justice and Homeland Security departments.</p>
<noscript>Please enable JavaScript</noscript>
<p>The digital theft of corporate secrets has emerged as one of the major irritants between the global powers.</p>
</article></main>
</body></html>"""


def _check_page_text(text: str) -> None:
    assert "U.S. and Chinese officials on Tuesday kicked off talks" in text
    assert "The digital theft of corporate secrets has emerged" in text
    for bad in ("alert(1)", "alert", "injected by script", "document.write", "iframe fallback text", "color: red",
                "Please enable JavaScript", "<script", "<p>"):
        assert bad not in text


def test_html_to_text_main_article() -> None:
    text = html_to_text(PAGE)
    _check_page_text(text)
    assert "Technology section" not in text  # nav dropped
    blocks = clean(text)
    assert any(b.kind == "body" for b in blocks)


def test_html_fallback_tag_stripper(monkeypatch: pytest.MonkeyPatch) -> None:
    import trafilatura

    monkeypatch.setattr(trafilatura, "extract", lambda *a, **k: None)
    text = html_to_text(PAGE)
    _check_page_text(text)
    assert "Technology section" not in text
    assert "Talks Begin on Cyber Espionage" in text


def test_html_edge_cases() -> None:
    assert html_to_text("") == ""
    assert html_to_text("   ") == ""
    assert "alert" not in html_to_text("<script>alert(1)")  # unclosed script
    assert html_to_text("<p>Hello &amp; goodbye</p><script>alert(1)</script>") == "Hello & goodbye"
    html_to_text("<<<>>><p><div></p></div>\x00")  # must not raise


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------

FRAGMENTS = [
    "U.S.", "U.K.", "D.C.", "Mr.", "Dr.", "Nov. 3", "No. 2", "e.g.", "a.m.", "J. K. ", "$1.1", "3.5%",
    "...", "\u2026", ".", "!", "?", " ", "  ", "\n", "\n\n", "\r\n", "\r", "\t", "\u201c", "\u201d", '"', "'",
    "\u2019", "(", ")", "The", "the", "She said", "Getty Images", "{mosads}", "Most Popular", "Load more",
    "By Jane Doe", "Updated 3:45 PM ET", "\u200b", "\u200d", "\u202e", "\u2067", "\ufeff", "\u00a0", "\u3000",
    "\U0001f600", "\u4f60\u597d\u3002", "\u0645\u0631\u062d\u0628\u0627", "\u05e9\u05dc\u05d5\u05dd",
    "\u2028", "\u0085", "\x0b", "word", "Word",
]
texts = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(codec="utf-8")),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=5)), max_size=40).map("".join),
)


def _check_blocks(text: str, blocks: list[Block]) -> None:
    prev_end = -1
    for b in blocks:
        assert 0 <= b.start < b.end <= len(text)
        assert b.start >= prev_end
        prev_end = b.end
        assert b.kind in BLOCK_KINDS
        piece = text[b.start : b.end]
        assert not is_strippable(piece[0]) and not is_strippable(piece[-1])
    # nothing visible is lost: every non-strippable character lies inside some block
    covered = set()
    for b in blocks:
        covered.update(range(b.start, b.end))
    for i, ch in enumerate(text):
        if not is_strippable(ch):
            assert i in covered, (i, ch)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_property_clean_and_split(text: str) -> None:
    blocks = clean(text)
    _check_blocks(text, blocks)
    sents = split_sentences(text, blocks)
    assert [s.index for s in sents] == list(range(len(sents)))
    prev_end = -1
    for s in sents:
        assert s.text == text[s.start : s.end]
        assert s.text and not is_strippable(s.text[0]) and not is_strippable(s.text[-1])
        assert s.start >= prev_end
        prev_end = s.end
        owners = [b for b in blocks if b.start <= s.start and s.end <= b.end]
        assert len(owners) == 1
        assert s.kind == owners[0].kind
    # sentences cover every visible character of every block
    covered = set()
    for s in sents:
        covered.update(range(s.start, s.end))
    for b in blocks:
        for i in range(b.start, b.end):
            if not is_strippable(text[i]):
                assert i in covered


@settings(max_examples=300, deadline=None)
@given(texts)
def test_property_split_lines(text: str) -> None:
    sents = split_lines(text)
    assert [s.index for s in sents] == list(range(len(sents)))
    prev_end = -1
    for s in sents:
        assert s.text == text[s.start : s.end]
        assert s.text and not is_strippable(s.text[0]) and not is_strippable(s.text[-1])
        assert s.kind == "body"
        assert s.start >= prev_end
        prev_end = s.end
        assert not any(ch in s.text for ch in "\n\r\u2028\u2029\x0b\x0c\x85")
    covered = set()
    for s in sents:
        covered.update(range(s.start, s.end))
    for i, ch in enumerate(text):
        if not is_strippable(ch) and ch not in "\n\r\u2028\u2029\x0b\x0c\x85\x1c\x1d\x1e":
            assert i in covered


@settings(max_examples=200, deadline=None)
@given(st.text(), st.lists(st.tuples(st.integers(-5, 60), st.integers(-5, 60), st.sampled_from(BLOCK_KINDS)), max_size=6))
def test_property_split_sentences_arbitrary_blocks(text: str, raw: list) -> None:
    blocks = [Block(a, b, k) for a, b, k in raw]
    for s in split_sentences(text, blocks):
        assert s.text == text[s.start : s.end]
        assert s.text


# ---------------------------------------------------------------------------------------------
# Pasted lines without final punctuation (issue 19)
# ---------------------------------------------------------------------------------------------

PASTED = ("Crime fell 20 percent last year in the city of Riverton, the mayor said on Monday\n"
          "Unemployment rose to 5 percent in March as two plants closed\n")


def test_pasted_lines_without_final_punctuation_stay_two_sentences() -> None:
    assert [s.text for s in split_sentences(PASTED, clean(PASTED))] == [
        "Crime fell 20 percent last year in the city of Riverton, the mayor said on Monday",
        "Unemployment rose to 5 percent in March as two plants closed"]
    short = "Budget row deepens\nThe city spent 4 million on roads\n"
    assert [s.text for s in split_sentences(short, clean(short))] == [
        "Budget row deepens", "The city spent 4 million on roads"]


def test_pasted_lines_reach_the_store_as_two_claims(bench) -> None:
    bench.ingest.text(PASTED, "pasted text")
    doc = bench.browse.documents()[0]
    assert [s["text"] for s in bench.browse.document(doc["id"])["sentences"]] == PASTED.strip().split("\n")


@pytest.mark.parametrize("wrapped", [
    "Officials at the Justice Department said that the long report was written by the\nJustice Department itself.",
    "The contract was signed in the spring by the city manager and by Mayor\nAna Ruiz, who praised it.",
    "The contract was signed in the spring by the city manager, with the state —\nIts lawyers agreed.",
])
def test_a_line_wrapped_mid_sentence_still_joins_a_capitalised_line(wrapped: str) -> None:
    text = "The council met on Tuesday.\n" + wrapped + "\n"
    sents = split_sentences(text, clean(text))
    assert [s.text for s in sents] == ["The council met on Tuesday.", wrapped]
