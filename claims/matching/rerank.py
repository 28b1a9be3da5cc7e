"""Re-ranking candidate fact-checks for a claim, and the calibrated match decision.

Candidates come from two retrievers (dense: MiniLM cosine; lexical: BM25, `claims.matching.lexical`). `fuse()`
mixes their scores; `features()` describes every (claim, candidate) pair with what a fact-checker looks
at: both scores and how far each is from the best candidate's, the title's similarity, numbers and names
the two share or disagree on, negation on one side only, and how far apart the two dates are (when both are
known). A small learned model (logistic regression, plain arrays in `claims/data/reranker.npz`, written by
`python -m claims.research.train_match`) turns the features into a probability that the candidate checks the claim.

The match decision: `match` at or above `Reranker.match_threshold` (chosen on dev data for a stated
precision, see the file's `meta`), `possible` at or above `possible_threshold`, else `none`.
`explain()` lists shared numbers and names and warns when numbers differ or one side negates the other.

Pure functions over plain values; nothing is loaded at import time.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

from claims.matching.lexical import STOP_WORDS, clean_text, stem, tokens

BANDS = ("match", "possible", "none")


def default_path():
    """The shipped model, `claims/data/reranker.npz` (a Traversable; use it with np.load/open)."""
    return resources.files("claims").joinpath("data", "reranker.npz")


# --------------------------------------------------------------------------------------------- numbers
_SCALE = {"thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "mn": 1e6, "mln": 1e6, "billion": 1e9,
          "bn": 1e9, "b": 1e9, "trillion": 1e12, "tn": 1e12, "hundred": 1e2, "dozen": 12}
_WORD_NUM = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
             "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
             "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
             "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
             "half": 0.5, "a": 1}
_MONEY = r"(?:[$£€¥]|\b(?:US\$|USD|EUR|GBP)\s?)"
_SCALE_WORDS = r"(?:thousand|million|billion|trillion|mn|mln|bn|tn|[kmb]\b)"
_UNIT = r"(?:\s?(?:%|percent\b|per cent\b|percentage points?\b)|\s?(?:dollars?|euros?|pounds?)\b)?"
_NUMERIC = (rf"(?P<money>{_MONEY})?(?P<num>\d+(?:,\d{{3}})*(?:\.\d+)?|\.\d+)"
            rf"(?:\s?(?P<scale>{_SCALE_WORDS}))?(?P<unit>{_UNIT})")
_IN_WORDS = (rf"(?P<wmoney>{_MONEY})?\b(?P<word>{'|'.join(k for k in _WORD_NUM if k != 'a')})[\s-]+"
             rf"(?P<wscale>hundred|thousand|million|billion|trillion)(?P<wunit>{_UNIT})")
_PLURALS = "dozens|hundreds|thousands|millions|billions|trillions"
_VAGUELY = (rf"\b(?P<vague>{_PLURALS})(?P<vof>(?:\s+of)?(?:\s+(?:thousands|millions|billions|trillions))?)"
            rf"(?P<vunit>(?:\s+of)?{_UNIT})")
_QUANTITY = re.compile(f"{_NUMERIC}|{_IN_WORDS}|{_VAGUELY}", re.IGNORECASE)
_VAGUE = {"dozens": 12, "hundreds": 1e2, "thousands": 1e3, "millions": 1e6, "billions": 1e9, "trillions": 1e12}
# dates like "January 5, 2021" or "5 March 2019" are when something was said, not a figure in the claim
_DATE = re.compile(r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?\b,?"
                   r"|\b\d{1,2}(?:st|nd|rd|th)?\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\b")


@dataclass(frozen=True)
class Quantity:
    """A figure in a text: its words, its value, its kind (money, percent, year, count) and whether it is vague
    ("hundreds of billions")."""

    text: str
    value: float
    kind: str
    vague: bool = False

    def same(self, other: "Quantity") -> bool:
        if self.vague != other.vague or not _comparable(self.kind, other.kind):
            return False
        if self.vague:
            return self.value == other.value
        return math.isclose(self.value, other.value, rel_tol=0.011, abs_tol=1e-9)


def _comparable(a: str, b: str) -> bool:
    # "4.2 million" and "$4.2 million" are the same figure with the currency left out
    return a == b or {a, b} == {"count", "money"}


@lru_cache(maxsize=65536)
def quantities(text: str) -> tuple[Quantity, ...]:
    """The figures in a text: money, percentages, years and counts, exact or vague."""
    text = _DATE.sub(" ", clean_text(text))
    out = []
    for m in _QUANTITY.finditer(text):
        words = " ".join(m.group(0).split()).strip(" -")
        if m.group("vague"):
            value = _VAGUE[m.group("vague").lower()]
            inner = (m.group("vof") or "").split()
            if inner and inner[-1].lower() in _VAGUE:
                value *= _VAGUE[inner[-1].lower()]
            unit = (m.group("vunit") or "").lower()
            kind = "percent" if "%" in unit or "percent" in unit else "money" if _is_money(unit) else "count"
            out.append(Quantity(words, value, kind, vague=True))
            continue
        if m.group("word"):
            value = _WORD_NUM[m.group("word").lower()] * _SCALE[m.group("wscale").lower()]
            money, unit = m.group("wmoney"), (m.group("wunit") or "").lower()
        else:
            num = m.group("num").replace(",", "")
            try:
                value = float(num)
            except ValueError:  # pragma: no cover - the pattern only lets numbers through
                continue
            scale = (m.group("scale") or "").lower()
            # a lone "m", "b" or "k" is a scale only right after the number ("$5m"), not in "5 b"
            if scale and (scale not in ("k", "m", "b") or m.end("num") == m.start("scale")):
                value *= _SCALE[scale]
            money, unit = m.group("money"), (m.group("unit") or "").lower()
        if "%" in unit or "percent" in unit or "per cent" in unit:
            kind = "percent"
        elif money or _is_money(unit):
            kind = "money"
        elif value.is_integer() and 1800 <= value <= 2100 and m.group("num") and "," not in m.group("num") \
                and not m.group("scale"):
            kind = "year"
        else:
            kind = "count"
        out.append(Quantity(words, value, kind))
    return tuple(out)


def _is_money(unit: str) -> bool:
    return any(w in unit for w in ("dollar", "euro", "pound"))


def compare_numbers(query: str, text: str) -> tuple[list[str], list[str]]:
    """(figures both texts give, warnings about figures of the same kind that differ)."""
    qs, cs = quantities(query), quantities(text)
    shared, warnings = [], []
    for q in qs:
        if any(q.same(c) for c in cs) and q.text not in shared:
            shared.append(q.text)
    for kind in ("money", "percent", "count", "year"):
        qk = [q for q in qs if q.kind == kind]
        ck = [c for c in cs if c.kind == kind]
        if not qk or not ck:
            continue
        q_only = [q.text for q in qk if not any(q.same(c) for c in ck)]
        c_only = [c.text for c in ck if not any(c.same(q) for q in qk)]
        if q_only and c_only:
            warnings.append(f"numbers differ: {_quote(q_only)} in the claim, {_quote(c_only)} in the fact-check")
    return shared, warnings


def _quote(items: Sequence[str]) -> str:
    return ", ".join(f"“{x}”" for x in items[:3])


# --------------------------------------------------------------------------------------------- names
_CAP_TOKEN = re.compile(r"[^\W\d_][\w'’.-]*", re.UNICODE)
_SENTENCE_END = re.compile(r"[.!?:;\"“”]\s*$")


@lru_cache(maxsize=65536)
def entities(text: str) -> dict[str, str]:
    """Names in a text, as {normalised key: word as written}: capitalised words that do not open a sentence
    (or that do and are followed by another capitalised word), and acronyms; stop words never."""
    text = clean_text(text)
    found: dict[str, str] = {}
    words = list(_CAP_TOKEN.finditer(text))
    for i, m in enumerate(words):
        w = m.group(0).rstrip(".'’-")
        if not w or not w[0].isupper():
            continue
        low = w.lower().replace("’", "'")
        if low.endswith("'s"):
            low, w = low[:-2], w[:-2]
        if low in STOP_WORDS or len(low) < 2 or low in _NEGATIONS:
            continue
        if w.isupper() and len(w) > 5:  # shouting, not an acronym
            continue
        before = text[:m.start()]
        opens = not before.strip() or bool(_SENTENCE_END.search(before))
        if opens and not w.isupper():
            nxt = words[i + 1].group(0) if i + 1 < len(words) else ""
            if not (nxt[:1].isupper() and text[m.end():words[i + 1].start()].strip() == ""):
                continue
        found.setdefault(stem(low), w)
    return found


@lru_cache(maxsize=65536)
def capitalised(text: str) -> frozenset[str]:
    """Keys (as in `entities`) of every capitalised word, sentence openers included."""
    out = set()
    for m in _CAP_TOKEN.finditer(clean_text(text)):
        w = m.group(0).rstrip(".'’-")
        if w[:1].isupper():
            low = w.lower().replace("’", "'")
            low = low[:-2] if low.endswith("'s") else low
            if low not in STOP_WORDS and low not in _NEGATIONS and len(low) >= 2:
                out.add(stem(low))
    return frozenset(out)


def shared_entities(query: str, text: str) -> list[str]:
    """Names both texts give, as the fact-check writes them: a name on one side that is capitalised on the other
    (so that "Chinese theft ..." and "... say Chinese theft" agree)."""
    qe, ce = entities(query), entities(text)
    qc, cc = capitalised(query), capitalised(text)
    out = {k: w for k, w in ce.items() if k in qc}
    out.update({k: w for k, w in qe.items() if k in cc and k not in out})
    return list(out.values())


# --------------------------------------------------------------------------------------------- negation
_NEGATIONS = frozenset({"not", "no", "never", "nobody", "nothing", "none", "neither", "nor", "cannot", "without",
                        "isn't", "aren't", "wasn't", "weren't", "don't", "doesn't", "didn't", "won't", "can't",
                        "couldn't", "shouldn't", "wouldn't", "hasn't", "haven't", "hadn't", "ain't"})
_WORDS = re.compile(r"[a-z]+(?:['’][a-z]+)?")


@lru_cache(maxsize=65536)
def negations(text: str) -> tuple[str, ...]:
    """The negation words of a text, in order ("not", "never", "didn't", ...)."""
    return tuple(w for w in _WORDS.findall(clean_text(text).lower().replace("’", "'")) if w in _NEGATIONS)


# --------------------------------------------------------------------------------------------- explanation
@dataclass(frozen=True)
class Explanation:
    shared_numbers: tuple[str, ...] = ()
    shared_entities: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


def explain(query: str, text: str) -> Explanation:
    """What a claim and a fact-check share (figures, names) and what should make a reviewer look twice."""
    shared, warnings = compare_numbers(query, text)
    names = tuple(shared_entities(query, text))
    qn, cn = negations(query), negations(text)
    if bool(qn) != bool(cn):
        side, words = ("the claim", qn) if qn else ("the fact-check", cn)
        warnings.append(f"only {side} is negated ({', '.join(dict.fromkeys(words))}): "
                        "one may deny what the other asserts")
    return Explanation(tuple(shared), names, tuple(warnings))


def words_shared(query: str, text: str) -> float:
    """The share of the query's content words (stop words out, plurals folded) that the text has too."""
    q = _terms(query)
    return round(len(q & _terms(text)) / len(q), 4) if q else 0.0


def reason(result: dict) -> str:
    """One line on why a result is listed: how close in meaning, how many words shared, the figures and names
    both give, and the first warning (numbers or negation that disagree)."""
    parts = [f"cosine {result.get('dense', 0.0):.2f}"]
    if result.get("words_shared") is not None:
        parts.append(f"{result['words_shared']:.0%} of the words")
    if result.get("shared_numbers"):
        parts.append("same " + ", ".join(result["shared_numbers"][:2]))
    if result.get("shared_entities"):
        parts.append("names " + ", ".join(result["shared_entities"][:3]))
    line = "; ".join(parts)
    if result.get("warnings"):
        line += "; but " + result["warnings"][0]
    return line


# --------------------------------------------------------------------------------------------- dates
_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_ISO_DATE = re.compile(r"^\s*(\d{4})[-/](\d{1,2})[-/](\d{1,2})")
_DMY = re.compile(r"^\s*(\d{1,2})\s*([A-Za-z]{3,9})\.?,?\s+(\d{4})\s*$")
_MDY = re.compile(r"([A-Z][a-z]{2,8})\.?\s+(\d{1,2}),?\s+(\d{4})")
# the signature of a copied tweet: "— Name (@handle) January 6, 2021"
_SIGNED = re.compile(r"\(@\w+\)\s*([A-Z][a-z]{2,8}\.? \d{1,2}, \d{4})\s*\"?\s*$")


def _ymd(y, m, d) -> date | None:
    try:
        return date(int(y), int(m), int(d))
    except (TypeError, ValueError):
        return None


def parse_date(value) -> date | None:
    """A fact-check's date from what archives write: 2025-10-09 (ISO, with a time or not), 26 May 2015,
    May 26, 2015. None when there is none or it cannot be read."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    if not text:
        return None
    m = _ISO_DATE.match(text)
    if m:
        return _ymd(*m.groups())
    m = _DMY.match(text)
    if m and m.group(2)[:3].lower() in _MONTHS:
        return _ymd(m.group(3), _MONTHS[m.group(2)[:3].lower()], m.group(1))
    m = _MDY.search(text)
    if m and m.group(1)[:3].lower() in _MONTHS:
        return _ymd(m.group(3), _MONTHS[m.group(1)[:3].lower()], m.group(2))
    return None


def text_date(text: str) -> date | None:
    """The date a copied tweet carries in its signature ("— Name (@handle) January 6, 2021"), else None."""
    m = _SIGNED.search(text or "")
    return parse_date(m.group(1)) if m else None


# --------------------------------------------------------------------------------------------- features
@dataclass(frozen=True)
class Candidate:
    """One archived fact-check retrieved for a query, with the retrievers' scores.

    `dense` is the cosine between the query and the checked claim, `dense_title` between the query and the
    fact-check's title (None when it has none), `lexical` the raw BM25 of the query against claim and title,
    `date` when the fact-check was published (None when unknown). For a query of several sentences (a tweet
    that wraps a claim in other sentences), `sentence_dense` and `sentence_title` are the best sentence's
    cosine with the claim and with the title (None: the query is one sentence, and `dense` and `dense_title`
    stand in)."""

    ref: object
    text: str
    title: str = ""
    dense: float = 0.0
    lexical: float = 0.0
    dense_title: float | None = None
    date: date | None = None
    sentence_dense: float | None = None
    sentence_title: float | None = None


FEATURE_NAMES = (
    "dense", "dense_title", "dense_max", "lexical_norm", "lexical_log", "fused",
    "dense_gap", "lexical_gap", "fused_gap", "dense_rank", "lexical_rank",
    "title_overlap", "claim_overlap", "query_cover", "claim_cover",
    "shared_numbers", "number_conflict", "shared_entities", "entity_recall", "negation_mismatch",
    "date_unknown", "log_days_after", "log_days_before",
    "sentence_dense", "sentence_title", "sentence_dense_gap", "sentence_title_gap",
)


def lexical_norm(lexical) -> np.ndarray:
    """BM25 scores of one query's candidates divided by the best of them (BM25 has no fixed scale)."""
    lexical = np.asarray(lexical, dtype=np.float64)
    top = float(lexical.max()) if len(lexical) else 0.0
    return lexical / top if top > 0 else np.zeros_like(lexical)


def fuse(dense, lexical, weight: float) -> np.ndarray:
    """weight * dense cosine + (1 - weight) * BM25 / best BM25 of the query's candidates."""
    return weight * np.asarray(dense, dtype=np.float64) + (1.0 - weight) * lexical_norm(lexical)


def _ranks(x: np.ndarray) -> np.ndarray:
    order = np.argsort(-x, kind="stable")
    r = np.empty(len(x), dtype=np.float64)
    r[order] = np.arange(len(x))
    return r


#: How many archived fact-checks `analyse_archive` reads ahead (the caches hold 65,536 texts; queries need room).
ANALYSED = 30_000


@lru_cache(maxsize=65536)
def _terms(text: str) -> frozenset[str]:
    return frozenset(tokens(text))


def analyse_archive(pairs: Iterable[tuple[str, str]]) -> None:
    """Fill the caches above with what `features` reads in each archived (claim, title): done once per archive
    version (about 0.1 ms a fact-check), so that a query reads only its own text. Only the newest
    `ANALYSED` fit the caches: beyond that, the rest are read when a query first meets them."""
    for claim, title in list(pairs)[-ANALYSED:]:
        if claim:
            quantities(claim), entities(claim), capitalised(claim), negations(claim), _terms(claim)
        if title:
            _terms(title)


def _cover(have: frozenset, of: frozenset, idf) -> float:
    """The share of `of`'s idf mass that `have` contains."""
    total = sum(idf(t) for t in of)
    return sum(idf(t) for t in of if t in have) / total if total > 0 else 0.0


def _uniform(term: str) -> float:
    return 1.0


def features(query: str, candidates: Sequence[Candidate], fusion_weight: float, *,
             idf: Callable[[str], float] | None = None, query_date: date | None = None) -> np.ndarray:
    """One row of `FEATURE_NAMES` per candidate of one query. `idf` weighs terms (BM25's `idf_of`; uniform
    without it); `query_date` is when the claim was made (None: unknown, and the date features are neutral)."""
    n = len(candidates)
    if not n:
        return np.zeros((0, len(FEATURE_NAMES)))
    idf = idf or _uniform
    dense = np.array([c.dense for c in candidates], dtype=np.float64)
    title = np.array([c.dense if c.dense_title is None else c.dense_title for c in candidates], dtype=np.float64)
    s_dense = np.array([c.dense if c.sentence_dense is None else c.sentence_dense for c in candidates])
    s_title = np.array([t if c.sentence_title is None else c.sentence_title for c, t in zip(candidates, title)])
    lex = np.array([c.lexical for c in candidates], dtype=np.float64)
    lnorm = lexical_norm(lex)
    fused = fuse(dense, lex, fusion_weight)
    qterms = _terms(query)
    qents, qcaps = entities(query), capitalised(query)
    qneg = bool(negations(query))
    rows = []
    for c in candidates:
        tterms, cterms = _terms(c.title), _terms(c.text)
        shared, warnings = compare_numbers(query, c.text)
        cents, ccaps = entities(c.text), capitalised(c.text)
        common = len({k for k in cents if k in qcaps} | {k for k in qents if k in ccaps})
        if query_date is None or c.date is None:
            dates = (1.0, 0.0, 0.0)
        else:
            days = (c.date - query_date).days
            dates = (0.0, math.log1p(max(days, 0)), math.log1p(max(-days, 0)))
        rows.append((
            len(tterms & qterms) / max(len(tterms), 1),
            len(cterms & qterms) / max(len(cterms), 1),
            _cover(cterms | tterms, qterms, idf),
            _cover(qterms, cterms, idf),
            min(len(shared), 3),
            1.0 if any(w.startswith("numbers differ") for w in warnings) else 0.0,
            min(common, 4),
            sum(1 for k in cents if k in qcaps) / len(cents) if cents else 0.5,
            1.0 if qneg != bool(negations(c.text)) else 0.0,
        ) + dates)
    return np.column_stack([
        dense, title, np.maximum(dense, title), lnorm, np.log1p(lex), fused,
        dense - dense.max(), lnorm - 1.0 if lnorm.max() > 0 else lnorm, fused - fused.max(),
        np.log1p(_ranks(dense)), np.log1p(_ranks(lex)),
        np.array(rows, dtype=np.float64),
        s_dense, s_title, s_dense - s_dense.max(), s_title - s_title.max(),
    ])


# --------------------------------------------------------------------------------------------- the model
class Reranker:
    """A probability that a candidate checks the query, from `features()`: logistic regression over
    standardised features,

        p = sigmoid(bias + w . (x - mean) / std)
    """

    def __init__(self, weights, bias, mean, std, *, fusion_weight: float, match_threshold: float,
                 possible_threshold: float, feature_names: Sequence[str] = FEATURE_NAMES,
                 meta: dict | None = None):
        self.weights = np.asarray(weights, dtype=np.float64).reshape(-1)
        self.bias = float(bias)
        self.mean = np.asarray(mean, dtype=np.float64).reshape(-1)
        std = np.asarray(std, dtype=np.float64).reshape(-1)
        self.std = np.where(std > 1e-12, std, 1.0)
        self.fusion_weight = float(fusion_weight)
        self.match_threshold = float(match_threshold)
        self.possible_threshold = float(possible_threshold)
        self.feature_names = tuple(str(n) for n in feature_names)
        self.meta = dict(meta or {})
        if self.feature_names != FEATURE_NAMES:
            raise ValueError(f"the reranker was trained on features {self.feature_names}, this code computes "
                             f"{FEATURE_NAMES}; retrain it with `python -m claims.research.train_match`")
        if not (self.weights.shape == self.mean.shape == self.std.shape == (len(FEATURE_NAMES),)):
            raise ValueError("reranker arrays disagree in length; retrain it with `python -m claims.research.train_match`")

    # -- scoring ---------------------------------------------------------------------------------------
    def logits(self, X: np.ndarray) -> np.ndarray:
        X = np.atleast_2d(np.asarray(X, dtype=np.float64))
        return self.bias + ((X - self.mean) / self.std) @ self.weights

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Probabilities, one per row of features."""
        return _sigmoid(self.logits(X))

    def band(self, p: float) -> str:
        if p >= self.match_threshold:
            return "match"
        if p >= self.possible_threshold:
            return "possible"
        return "none"

    def rank(self, query: str, candidates: Sequence[Candidate], k: int | None = None, *,
             idf: Callable[[str], float] | None = None, query_date: date | None = None) -> list[dict]:
        """The candidates re-ranked, best first, each as a dict that explains itself. Without `query_date`
        the date a copied tweet carries in its signature is used, if any."""
        if not candidates:
            return []
        if query_date is None:
            query_date = text_date(query)
        p = self.predict(features(query, candidates, self.fusion_weight, idf=idf, query_date=query_date))
        fused = fuse([c.dense for c in candidates], [c.lexical for c in candidates], self.fusion_weight)
        order = np.lexsort((-fused, -p))[: k if k is not None else len(candidates)]
        out = []
        for i in order:
            c = candidates[i]
            ex = explain(query, c.text)
            prob = float(p[i])
            out.append({
                "ref": c.ref, "score": round(prob, 4), "band": self.band(prob),
                "match": prob >= self.match_threshold, "dense": round(float(c.dense), 4),
                "lexical": round(float(c.lexical), 4), "fused": round(float(fused[i]), 4),
                "words_shared": words_shared(query, f"{c.text} {c.title}"),
                "shared_numbers": list(ex.shared_numbers), "shared_entities": list(ex.shared_entities),
                "warnings": list(ex.warnings),
            })
            out[-1]["reason"] = reason(out[-1])
        return out

    # -- files -----------------------------------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        np.savez(path, weights=self.weights, bias=np.array([self.bias]), mean=self.mean, std=self.std,
                 feature_names=np.array(self.feature_names), fusion_weight=np.array([self.fusion_weight]),
                 match_threshold=np.array([self.match_threshold]),
                 possible_threshold=np.array([self.possible_threshold]),
                 meta=np.array(json.dumps(self.meta, sort_keys=True)))

    @classmethod
    def load(cls, path=None) -> "Reranker":
        """The model at `path`, by default the shipped `claims/data/reranker.npz`."""
        src = default_path() if path is None else Path(path)
        with src.open("rb") as fh:
            z = np.load(fh, allow_pickle=False)
            return cls(z["weights"], float(z["bias"][0]), z["mean"], z["std"],
                       fusion_weight=float(z["fusion_weight"][0]), match_threshold=float(z["match_threshold"][0]),
                       possible_threshold=float(z["possible_threshold"][0]),
                       feature_names=[str(x) for x in z["feature_names"]],
                       meta=json.loads(str(z["meta"])))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=np.float64)))
