"""Mine candidate attribution cues (verbs and nouns that introduce reported content) from Wikinews.

    python -m claims.research.mine_cues --data ../shared/data/wikinews/articles.jsonl --out claims/data/mined_cues.tsv

Every paragraph of every article (except the annotated gold articles listed in gold/wikinews/articles.jsonl,
which stay unseen) is parsed with spaCy en_core_web_sm. For each verb and noun lemma we count its
occurrences and how many of them introduce content:

* a verb introduces content when it has a clausal complement (ccomp, "said the plan would fail"), a
  "that"-clause, a to-infinitive with its own subject or after an object ("urged residents to leave"), or
  when it stands next to a quotation: within 2 tokens of it (across a comma or colon), or with only its own
  subject in between (`"...," the minister said`), including the inverted `"...," said X`;
* a noun introduces content when it has a "that"-clause (acl/ccomp with mark "that": "the claim that ..."),
  is the object of "according to" / "in the words of" / "as reported by", or opens a quotation after a
  colon ("in a statement: "...").

Of the content-introducing uses we also count those whose speaker (a verb's subject, a noun's possessor or
"by"/"from" object) is a person or organisation entity, a proper noun, a personal pronoun, or a role or
organisation noun of the lexicon's source sections ("the senator", "officials").

Candidates are ranked by a smoothed ratio, (content + PRIOR_WEIGHT * base_rate) / (total + PRIOR_WEIGHT), where
base_rate is the rate over all lemmas of that part of speech, times log(total). The TSV holds the top
candidates with total >= --min-count. Only counts are written, never article text.
"""
from __future__ import annotations

import argparse
import functools
import json
import math
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Sequence

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

ROOT = Path(__file__).resolve().parents[2]
GOLD_ARTICLES = ROOT / "gold" / "wikinews" / "articles.jsonl"

PRIOR_WEIGHT = 10.0
OPEN_QUOTES = {"“", "``"}
CLOSE_QUOTES = {"”", "''"}
STRAIGHT_QUOTES = {'"'}
#: A quotation shorter than this many tokens inside the marks is a scare quote ("a “disgrace”"), not speech.
MIN_QUOTE_TOKENS = 4
PERSON_ENTS = {"PERSON", "ORG", "NORP", "GPE"}
PERSON_PRONOUNS = {"i", "he", "she", "we", "they", "you"}
SOURCE_PATTERNS = (("according", "to"), ("as", "reported", "by"), ("in", "the", "words", "of"))
COLUMNS = ("lemma", "pos", "total", "content_count", "ratio", "quote_adjacent", "that_clause", "person_subject",
           "score")


@dataclass
class Counts:
    """Per (lemma, pos) counters; `add` folds another Counts in."""

    total: Counter = field(default_factory=Counter)
    content: Counter = field(default_factory=Counter)
    quote_adjacent: Counter = field(default_factory=Counter)
    that_clause: Counter = field(default_factory=Counter)
    person_subject: Counter = field(default_factory=Counter)
    evaluation: Counter = field(default_factory=Counter)  # verbs only: "called X a Y", "hailed X as Y"
    sentences: int = 0

    def add(self, other: "Counts") -> None:
        for name in ("total", "content", "quote_adjacent", "that_clause", "person_subject", "evaluation"):
            getattr(self, name).update(getattr(other, name))
        self.sentences += other.sentences


# ------------------------------------------------------------------------------------------------ quotations
def quote_spans(doc: "Doc") -> list[tuple[int, int]]:
    """(first, last) token indices of each quotation, marks included. Straight quotes pair up in order; an
    unclosed quotation (one that runs on into the next paragraph) ends with the doc."""
    spans: list[tuple[int, int]] = []
    start: int | None = None
    for t in doc:
        text = t.text
        if text in STRAIGHT_QUOTES:
            if start is None:
                start = t.i
            else:
                spans.append((start, t.i))
                start = None
        elif text in OPEN_QUOTES and start is None:
            start = t.i
        elif text in CLOSE_QUOTES and start is not None:
            spans.append((start, t.i))
            start = None
    if start is not None and len(doc) - start > 1:
        spans.append((start, len(doc) - 1))
    return [(a, b) for a, b in spans if b - a - 1 >= MIN_QUOTE_TOKENS]


def _subject_tokens(verb: "Token") -> set[int]:
    return {w.i for c in verb.children if c.dep_ in ("nsubj", "nsubjpass") for w in c.subtree}


def near_quote(verb: "Token", spans: list[tuple[int, int]], inside: set[int]) -> bool:
    """The verb stands next to a quotation: within 2 tokens of its marks, or with only its own subject and
    punctuation in between (`"...," the minister said`, `"...," said Smith`)."""
    if verb.i in inside:
        return False
    doc = verb.doc
    subject = _subject_tokens(verb)
    for a, b in spans:
        if b < verb.i:  # quotation before the verb
            gap = range(b + 1, verb.i)
        elif a > verb.i:  # verb, then quotation ("said: "...")
            gap = range(verb.i + 1, a)
        else:
            continue
        if len(gap) <= 2 and all(doc[j].is_punct or doc[j].lower_ == "that" or j in subject
                                 or doc[j].pos_ in ("PRON", "PROPN", "PART") for j in gap):
            return True
        if b < verb.i and len(gap) <= 8 and all(doc[j].is_punct or j in subject for j in gap):
            return True
    return False


# -------------------------------------------------------------------------------------------------- tests
@functools.lru_cache(maxsize=1)
def _speaker_nouns() -> frozenset[str]:
    """Common nouns that name a speaker in the lexicon ("the senator", "officials", "the ministry")."""
    from claims.pipeline.cues import lexicon

    lex = lexicon()
    return lex.roles | lex.organisations | lex.spokespeople | lex.anonymous | lex.groups


def _is_personal(tok: "Token") -> bool:
    """A speaker-like token: a person/organisation entity, a proper noun, a personal pronoun, or a role or
    organisation noun from the lexicon's source sections."""
    if tok.lower_ in PERSON_PRONOUNS or tok.lemma_.lower() in _speaker_nouns():
        return True
    return any(w.ent_type_ in PERSON_ENTS or w.pos_ == "PROPN" for w in [tok, *[c for c in tok.children
                                                                            if c.dep_ == "compound"]])


def _has_that_mark(tok: "Token") -> bool:
    return any(c.dep_ == "mark" and c.lower_ == "that" for c in tok.children)


def verb_uses(verb: "Token", spans: list[tuple[int, int]], inside: set[int]) -> tuple[bool, bool, bool]:
    """(introduces content, of which by a "that"-clause, of which next to a quotation) for a verb token."""
    children = list(verb.children)
    that_clause = any(c.dep_ in ("ccomp", "advcl") and _has_that_mark(c) for c in children)
    ccomp = any(c.dep_ == "ccomp" for c in children)
    has_object = any(c.dep_ in ("dobj", "dative") for c in children)
    infinitive = any(c.dep_ in ("xcomp", "ccomp") and any(a.dep_ == "aux" and a.lower_ == "to" for a in c.children)
                     and (has_object or any(s.dep_ in ("nsubj", "nsubjpass") for s in c.children))
                     for c in children)
    quote = near_quote(verb, spans, inside)
    return (ccomp or that_clause or infinitive or quote), that_clause, quote


def evaluates(verb: "Token") -> bool:
    """The verb says what its object is, with a speaker as subject: "branded the plan a disaster" (two objects
    or an object predicate), "hailed the deal as historic" ("as" after the object)."""
    obj = next((c for c in verb.children if c.dep_ == "dobj"), None)
    if obj is None or not any(c.dep_ == "nsubj" and _is_personal(c) for c in verb.children):
        return False
    after = [c for c in verb.children if c.i > obj.i]
    return any(c.dep_ in ("dobj", "oprd") or (c.dep_ == "prep" and c.lower_ == "as") for c in after) or any(
        c.dep_ == "prep" and c.lower_ == "as" for c in obj.children)


def noun_uses(noun: "Token", spans: list[tuple[int, int]]) -> tuple[bool, bool, bool]:
    """(introduces content, of which by a "that"-clause, of which opening a quotation) for a noun token."""
    that_clause = any(c.dep_ in ("acl", "ccomp", "appos") and _has_that_mark(c) for c in noun.children)
    doc = noun.doc
    source = False
    for pattern in SOURCE_PATTERNS:  # the noun heads the object of "according to ..." and the like
        head = noun.head
        if noun.dep_ == "pobj" and head.lower_ == pattern[-1]:
            start = head.i - len(pattern) + 1
            if start >= 0 and tuple(t.lower_ for t in doc[start:head.i + 1]) == pattern:
                source = True
    nxt = noun.i + 1
    quote = nxt + 1 < len(doc) and doc[nxt].text == ":" and any(a == nxt + 1 for a, _ in spans)
    return (that_clause or source or quote), that_clause, quote


def _speaker_is_personal(tok: "Token") -> bool:
    if tok.pos_ == "VERB":
        return any(c.dep_ == "nsubj" and _is_personal(c) for c in tok.children) or any(
            c.dep_ == "agent" and any(_is_personal(p) for p in c.children) for c in tok.children)
    if any(c.dep_ == "poss" and _is_personal(c) for c in tok.children):
        return True
    return any(c.dep_ == "prep" and c.lower_ in ("by", "from", "of") and any(
        p.dep_ == "pobj" and _is_personal(p) for p in c.children) for c in tok.children)


def count_doc(doc: "Doc", counts: Counts | None = None) -> Counts:
    """Count each verb and noun lemma of a parsed doc (one paragraph) and its content-introducing uses."""
    counts = counts if counts is not None else Counts()
    spans = quote_spans(doc)
    inside = {i for a, b in spans for i in range(a, b + 1)}
    counts.sentences += sum(1 for _ in doc.sents)
    for tok in doc:
        if tok.pos_ == "VERB":
            content, that, quote = verb_uses(tok, spans, inside)
        elif tok.pos_ == "NOUN":
            content, that, quote = noun_uses(tok, spans)
        else:
            continue
        key = (tok.lemma_.lower(), tok.pos_)
        counts.total[key] += 1
        if tok.pos_ == "VERB" and evaluates(tok):
            counts.evaluation[key] += 1
        if content:
            counts.content[key] += 1
            counts.that_clause[key] += that
            counts.quote_adjacent[key] += quote
            counts.person_subject[key] += _speaker_is_personal(tok)
    return counts


# -------------------------------------------------------------------------------------------------- ranking
def rank(counts: Counts, min_count: int = 5, top: int = 400) -> list[dict]:
    """Rows for the TSV, best first: smoothed ratio (prior = the part of speech's base rate) times log(total)."""
    base: dict[str, float] = {}
    for pos in ("VERB", "NOUN"):
        tot = sum(v for (_, p), v in counts.total.items() if p == pos)
        con = sum(v for (_, p), v in counts.content.items() if p == pos)
        base[pos] = con / tot if tot else 0.0
    rows = []
    for key, total in counts.total.items():
        lemma, pos = key
        if total < min_count or not lemma.isalpha():
            continue
        content = counts.content[key]
        ratio = (content + PRIOR_WEIGHT * base[pos]) / (total + PRIOR_WEIGHT)
        rows.append({"lemma": lemma, "pos": pos.lower(), "total": total, "content_count": content,
                     "ratio": round(ratio, 4), "quote_adjacent": counts.quote_adjacent[key],
                     "that_clause": counts.that_clause[key], "person_subject": counts.person_subject[key],
                     "score": round(ratio * math.log(total), 4)})
    rows.sort(key=lambda r: (-r["score"], r["lemma"], r["pos"]))
    return rows[:top]


def rank_evaluations(counts: Counts, min_count: int = 5, top: int = 60) -> list[dict]:
    """Verbs that say what their object is ("branded X a Y", "hailed X as Y"), best first by the same smoothed
    ratio, over the evaluative uses; written with `--evaluations FILE` for review."""
    verbs = [k for k in counts.total if k[1] == "VERB"]
    base = sum(counts.evaluation[k] for k in verbs) / max(1, sum(counts.total[k] for k in verbs))
    rows = []
    for key in verbs:
        total, used = counts.total[key], counts.evaluation[key]
        if total < min_count or used < 2 or not key[0].isalpha():
            continue
        ratio = (used + PRIOR_WEIGHT * base) / (total + PRIOR_WEIGHT)
        rows.append({"lemma": key[0], "pos": "verb", "total": total, "evaluation": used, "ratio": round(ratio, 4),
                     "score": round(ratio * math.log(total), 4)})
    rows.sort(key=lambda r: (-r["score"], r["lemma"]))
    return rows[:top]


def write_tsv(rows: list[dict], out: Path, columns: Sequence[str] = COLUMNS) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as f:
        f.write("\t".join(columns) + "\n")
        for r in rows:
            f.write("\t".join(str(r[c]) for c in columns) + "\n")


# ---------------------------------------------------------------------------------------------------- input
def gold_ids(path: Path = GOLD_ARTICLES) -> set[str]:
    """Article ids of the annotated gold (all splits): never mined."""
    if not path.exists():
        raise SystemExit(f"{path} not found: the gold article list is needed to leave the gold out")
    return {json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()}


def paragraphs(data: Path, exclude: set[str], limit: int | None = None) -> Iterator[str]:
    with data.open(encoding="utf-8") as f:
        n = 0
        for line in f:
            art = json.loads(line)
            if art["id"] in exclude:
                continue
            n += 1
            if limit is not None and n > limit:
                return
            for para in art["text"].split("\n\n"):
                if para.strip():
                    yield para.strip()


def mine(texts: Sequence[str], batch_size: int = 64, entities: bool = True, progress: bool = True) -> Counts:
    from tqdm import tqdm

    from claims.pipeline.nlp import get_nlp

    nlp = get_nlp()
    disable = [] if entities else ["ner"]
    counts = Counts()
    docs = nlp.pipe(texts, n_process=1, batch_size=batch_size, disable=disable)
    for doc in tqdm(docs, desc="paragraphs", unit="para", total=len(texts), disable=not progress, mininterval=5):
        count_doc(doc, counts)
    return counts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True, help="Wikinews articles.jsonl")
    ap.add_argument("--out", type=Path, required=True, help="TSV to write")
    ap.add_argument("--gold", type=Path, default=GOLD_ARTICLES, help="gold article list whose ids are left out")
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("--top", type=int, default=400)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--limit", type=int, default=None, help="mine only the first N (non-gold) articles")
    ap.add_argument("--evaluations", type=Path, default=None,
                    help="also write the verbs that say what their object is ('branded X a Y') to this TSV")
    ap.add_argument("--no-entities", action="store_true",
                    help="skip the entity recogniser (about twice as fast; speakers then by proper noun/pronoun)")
    args = ap.parse_args(argv)
    exclude = gold_ids(args.gold)
    start = time.perf_counter()
    counts = mine(list(paragraphs(args.data, exclude, args.limit)), args.batch_size, not args.no_entities)
    rows = rank(counts, args.min_count, args.top)
    write_tsv(rows, args.out)
    if args.evaluations:
        write_tsv(rank_evaluations(counts), args.evaluations, ("lemma", "pos", "total", "evaluation", "ratio", "score"))
    print(f"{counts.sentences} sentences, {sum(counts.total.values())} verb/noun tokens, "
          f"{len(exclude)} gold articles left out, {time.perf_counter() - start:.0f} s; "
          f"{len(rows)} rows -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
