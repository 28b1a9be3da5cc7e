"""The real-news attribution gold: Wikinews articles (../shared/data/wikinews, CC BY 2.5) annotated by us, shipped
as article ids and character offsets with labels, never the text (docs/attribution-guideline.md).

    python -m claims.research.wikinews_gold select --data ../shared/data/wikinews/articles.jsonl [--draws N]
    python -m claims.research.wikinews_gold convert --data ../shared/data/wikinews/articles.jsonl --notes NOTES_DIR
    python -m claims.research.wikinews_gold convert-checkworthy --data ../shared/data/wikinews/articles.jsonl \
        --notes LABELS.jsonl [LABELS.jsonl ...]
    python -m claims.research.wikinews_gold check --data ../shared/data/wikinews/articles.jsonl

`select` draws the articles and splits them by date into train, dev and test before anything is built from
them (a fixed seed, so it reproduces). `convert` turns annotators' notes, which quote the article's words (kept
outside the repository), into offsets, checking that every quoted piece is where the note says. `check`
verifies the shipped gold against the article texts: each article's text hash and every span.
`convert-checkworthy` turns sentence labels (one JSON line per sentence: id, start, end, is_claim, claim_type;
docs/checkworthiness-guideline.md) into `checkworthy.jsonl`, the second layer of the same gold.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from pathlib import Path

GOLD_DIR = Path(__file__).resolve().parents[2] / "gold" / "wikinews"
SPLITS = ("train", "dev", "test")
QUOTES = ("direct", "reported")
CLAIM_TYPES = ("quantity", "comparison", "causal", "prediction", "law or rule", "personal experience", "event",
               "other", "not a claim")
SOURCE_TYPES = ("person", "organisation", "document", "anonymous", "group", "pronoun")
#: What `select` draws: running news prose of a readable length, no interviews, questionnaires or result lists.
MIN_WORDS, MAX_WORDS = 180, 420
SEED, N_ARTICLES, SHARES = 15, 48, (28, 8, 12)
#: The second draw (to reach about 1,000 sentences): a fresh seed, the first draw's articles excluded, and the
#: split fixed by the first draw's date boundaries (dev starts 2007-06-12, test 2008-03-20), so no date
#: straddles two splits. Per split, how many to draw: the test split grows most, as the targets are scored there.
MORE_SEED, MORE_SHARES = 16, (14, 8, 18)
#: The third draw (2026-12-06), for the learned attribution step and the detector's real-news training: more
#: train and dev articles only, so the test split is the one scored before (see docs/attribution-guideline.md).
THIRD_SEED, THIRD_SHARES = 17, (56, 16, 0)
#: The fourth draw (2026-12-06), the same way: drawn after the fourth round of rule forms was written from the
#: three draws before, so that the rules meet it unseen (docs/attribution.md).
FOURTH_SEED, FOURTH_SHARES = 18, (48, 16, 0)
#: The fifth draw (2026-12-06, tenth session), the same way: drawn before the fifth round of rule forms and the
#: learned cue tagger were built, and read only after they were frozen, so that both meet it unseen.
FIFTH_SEED, FIFTH_SHARES = 19, (32, 16, 0)
#: The sixth draw (2026-12-06, end of the tenth session): drawn after every change of that session was committed,
#: to measure the shipped extractor and detector on articles nothing was built or chosen on.
SIXTH_SEED, SIXTH_SHARES = 20, (32, 16, 0)
#: The seventh draw (2026-12-06, eleventh session): drawn before that session's work and read only after its
#: changes were frozen, so that they meet it unseen.
SEVENTH_SEED, SEVENTH_SHARES = 21, (32, 16, 0)
#: The eighth draw (2026-12-06, later in the eleventh session): drawn before round 7's work, read after it froze.
EIGHTH_SEED, EIGHTH_SHARES = 22, (32, 16, 0)
#: The ninth draw (2026-12-06, end of the eleventh session): drawn before round 8's work, read after it froze.
NINTH_SEED, NINTH_SHARES = 23, (32, 16, 0)
#: The tenth draw (2026-12-06, twelfth session): drawn before round 9's work, read after it froze.
TENTH_SEED, TENTH_SHARES = 24, (32, 16, 0)
#: The eleventh draw (2026-12-06, later in the twelfth session): drawn before the learned step's open vocabulary
#: was built, read after it was decided.
ELEVENTH_SEED, ELEVENTH_SHARES = 25, (32, 16, 0)
#: The twelfth draw (2026-12-06, end of the twelfth session): drawn before round 10's work, read after it froze.
TWELFTH_SEED, TWELFTH_SHARES = 26, (32, 16, 0)
#: The thirteenth draw (2026-12-06, thirteenth session): drawn before the fine-tuned cue tagger's second variant was
#: built, read once after its CV, to decide it.
THIRTEENTH_SEED, THIRTEENTH_SHARES = 27, (32, 16, 0)
#: The fourteenth draw (2026-12-06, later in the thirteenth session): drawn before round 11, read after it froze.
FOURTEENTH_SEED, FOURTEENTH_SHARES = 28, (32, 16, 0)
#: The fifteenth draw (2026-12-06, fourteenth session): drawn before round 12, read after it froze; it also judged the
#: learned step's refit on draws 1-14 against the shipped one.
FIFTEENTH_SEED, FIFTEENTH_SHARES = 29, (32, 16, 0)
#: The sixteenth draw (2026-12-06, later in the fourteenth session): drawn before round 13, read after it froze.
SIXTEENTH_SEED, SIXTEENTH_SHARES = 30, (32, 16, 0)
#: The draws after the first, in order: (seed, shares per split, draw number).
LATER_DRAWS = ((MORE_SEED, MORE_SHARES, 2), (THIRD_SEED, THIRD_SHARES, 3), (FOURTH_SEED, FOURTH_SHARES, 4),
               (FIFTH_SEED, FIFTH_SHARES, 5), (SIXTH_SEED, SIXTH_SHARES, 6), (SEVENTH_SEED, SEVENTH_SHARES, 7),
               (EIGHTH_SEED, EIGHTH_SHARES, 8), (NINTH_SEED, NINTH_SHARES, 9), (TENTH_SEED, TENTH_SHARES, 10),
               (ELEVENTH_SEED, ELEVENTH_SHARES, 11), (TWELFTH_SEED, TWELFTH_SHARES, 12),
               (THIRTEENTH_SEED, THIRTEENTH_SHARES, 13), (FOURTEENTH_SEED, FOURTEENTH_SHARES, 14),
               (FIFTEENTH_SEED, FIFTEENTH_SHARES, 15), (SIXTEENTH_SEED, SIXTEENTH_SHARES, 16))
DEV_FROM, TEST_FROM = "2007-06-12", "2008-03-20"


def read_articles(path: Path | str) -> dict[str, dict]:
    with open(path, encoding="utf-8") as fh:
        return {a["id"]: a for a in map(json.loads, fh)}


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _prose(a: dict) -> bool:
    words = len(a["text"].split())
    if not MIN_WORDS <= words <= MAX_WORDS:
        return False
    if re.search(r"(?i)interview|questionnaire|results|candidate", a["title"]):
        return False
    return ('"' in a["text"] or "“" in a["text"] or " said" in a["text"]) and a["text"].count("\nQ:") < 2


def select(articles: dict[str, dict], n: int = N_ARTICLES, seed: int = SEED, shares=SHARES) -> list[dict]:
    """`n` articles drawn at random from the prose ones, then split by date: the oldest `shares[0]` train, the
    next `shares[1]` dev, the newest `shares[2]` test (a split takes all of a date it reaches into)."""
    pool = sorted((a for a in articles.values() if _prose(a)), key=lambda a: (a["date"], a["id"]))
    chosen = sorted(random.Random(seed).sample(pool, n), key=lambda a: (a["date"], a["id"]))
    out, i = [], 0
    for split, k in zip(SPLITS, shares):
        end = min(i + k, len(chosen))
        while 0 < end < len(chosen) and chosen[end]["date"] == chosen[end - 1]["date"]:
            end += 1  # a date never straddles two splits
        for a in chosen[i:end]:
            out.append({"id": a["id"], "date": a["date"], "split": split, "chars": len(a["text"]),
                        "sha256": sha(a["text"])})
        i = end
    return out


def pick(arts: list[dict], split: str) -> list[dict]:
    """The gold articles of `split`: train, dev, test, "train+dev", "all", or "drawN" (one draw's articles, e.g.
    draw5: each later draw was annotated before any rule was read from it); ValueError for anything else."""
    if split.startswith("draw") and split[4:].isdigit():
        return [a for a in arts if a.get("draw", 1) == int(split[4:])]
    wanted = set(SPLITS) if split == "all" else set(split.split("+"))
    if not wanted <= set(SPLITS):
        raise ValueError(f"unknown split {split!r}: use train, dev, test, train+dev, all or a draw "
                         "(draw3, draw4, draw5)")
    return [a for a in arts if a["split"] in wanted]


def select_draws(articles: dict[str, dict], draws: int | None = None) -> list[dict]:
    """The first `draws` draws (all of LATER_DRAWS after the first when None), in date order: each later draw
    excludes the articles of the draws before it, so they are drawn in order."""
    if draws is not None and not 1 <= draws <= len(LATER_DRAWS) + 1:
        raise ValueError(f"--draws must be between 1 and {len(LATER_DRAWS) + 1}, not {draws}")
    chosen = select(articles)
    for seed, shares, draw in LATER_DRAWS[:None if draws is None else draws - 1]:
        chosen = sorted(chosen + select_more(articles, chosen, seed, shares, draw=draw),
                        key=lambda a: (a["date"], a["id"]))
    return chosen


def split_of(date: str) -> str:
    return "train" if date < DEV_FROM else "dev" if date < TEST_FROM else "test"


def select_more(articles: dict[str, dict], first: list[dict], seed: int = MORE_SEED,
                shares=MORE_SHARES, draw: int = 2) -> list[dict]:
    """A later draw: per split, `shares` more prose articles at random from that split's date range,
    excluding the articles of the draws before (`first`)."""
    taken = {a["id"] for a in first}
    rng, out = random.Random(seed), []
    for split, k in zip(SPLITS, shares):
        pool = sorted((a for a in articles.values() if _prose(a) and a["id"] not in taken
                       and split_of(a["date"]) == split), key=lambda a: (a["date"], a["id"]))
        for a in rng.sample(pool, k):
            out.append({"id": a["id"], "date": a["date"], "split": split, "chars": len(a["text"]),
                        "sha256": sha(a["text"]), "draw": draw})
    return sorted(out, key=lambda a: (a["date"], a["id"]))


def _find(haystack: str, needle: str, occurrence: int, start: int, what: str) -> int:
    """Where the `occurrence`-th (1-based) `needle` starts in `haystack` from `start`, as whole words ("he" is
    not found inside "she"); ValueError if absent."""
    if not needle:
        raise ValueError(f"{what} is empty")
    left = r"(?<!\w)" if needle[0].isalnum() else ""
    right = r"(?!\w)" if needle[-1].isalnum() else ""
    found = [m.start() for m in re.finditer(left + re.escape(needle) + right, haystack[start:])]
    if len(found) < max(1, occurrence):
        raise ValueError(f"{what} {needle!r} (occurrence {occurrence}) is not in the text")
    return start + found[max(1, occurrence) - 1]


def convert_note(note: dict, text: str) -> list[dict]:
    """Offsets for one annotator's note on one article (see docs/attribution-guideline.md for the note's form)."""
    out = []
    for k, a in enumerate(note.get("attributions", []), 1):
        where = f"{note['id']} attribution {k}"
        try:
            s0 = _find(text, a["sentence"], a.get("sentence_occurrence", 1), 0, "sentence")
            sent = a["sentence"]

            def span(piece, occ=1, what="piece"):
                at = _find(sent, piece, occ, 0, what)
                return [s0 + at, s0 + at + len(piece)]

            rec = {"id": note["id"], "sentence": [s0, s0 + len(sent)],
                   "source": span(a["source"], a.get("source_occurrence", 1), "source"),
                   "cue": span(a["cue"], a.get("cue_occurrence", 1), "cue"),
                   "content": [span(c, 1, "content") for c in a["content"]],
                   "quote": a["quote"], "source_type": a["source_type"], "resolved": None}
            if a.get("resolved"):
                at = text.rfind(a["resolved"], 0, rec["source"][0])
                if at < 0:
                    raise ValueError(f"resolved {a['resolved']!r} does not occur before the source")
                rec["resolved"] = [at, at + len(a["resolved"])]
        except (KeyError, TypeError) as exc:
            raise ValueError(f"{where}: missing or malformed field {exc}") from None
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
        problems = check_record(rec, text)
        if problems:
            raise ValueError(f"{where}: {'; '.join(problems)}")
        out.append(rec)
    return out


def check_record(rec: dict, text: str) -> list[str]:
    """What is wrong with one gold attribution against its article's text ([] when nothing is)."""
    bad = []
    spans = [("sentence", rec["sentence"]), ("source", rec["source"]), ("cue", rec["cue"]),
             *(("content", c) for c in rec["content"])] + ([("resolved", rec["resolved"])] if rec["resolved"] else [])
    for name, (s, e) in spans:
        if not 0 <= s < e <= len(text):
            bad.append(f"{name} span {s}-{e} is outside the text")
    s0, e0 = rec["sentence"]
    for name, (s, e) in spans[1:]:
        if name != "resolved" and not s0 <= s < e <= e0:
            bad.append(f"{name} span {s}-{e} is outside its sentence {s0}-{e0}")
    if not rec["content"]:
        bad.append("no content")
    if rec["quote"] not in QUOTES:
        bad.append(f"quote {rec['quote']!r} is not one of {QUOTES}")
    if rec["source_type"] not in SOURCE_TYPES:
        bad.append(f"source_type {rec['source_type']!r} is not one of {SOURCE_TYPES}")
    if rec["resolved"] and rec["resolved"][0] >= rec["source"][0]:
        bad.append("resolved mention does not come before the source")
    return bad


def check_label(rec: dict, text: str) -> list[str]:
    """What is wrong with one check-worthiness label against its article's text ([] when nothing is)."""
    bad, (s, e) = [], rec["sentence"]
    if not 0 <= s < e <= len(text):
        bad.append(f"sentence span {s}-{e} is outside the text")
    if rec["claim_type"] not in CLAIM_TYPES:
        bad.append(f"claim_type {rec['claim_type']!r} is not one of {CLAIM_TYPES}")
    if not isinstance(rec["is_claim"], bool) or rec["is_claim"] == (rec["claim_type"] == "not a claim"):
        bad.append("is_claim must be false exactly when claim_type is 'not a claim'")
    return bad


def read_labels(gold_dir: Path = GOLD_DIR) -> list[dict]:
    """The check-worthiness layer: one row per sentence ([] where it is not shipped)."""
    path = gold_dir / "checkworthy.jsonl"
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def convert_labels(arts: list[dict], articles: dict[str, dict], notes: list[dict]) -> list[dict]:
    """Sentence labels as shipped rows, in article and text order; raises ValueError naming what is wrong
    (a label outside its text, a bad type, overlapping sentences, or an article without labels)."""
    split = {a["id"]: a["split"] for a in arts}
    rows, problems = [], []
    for n in notes:
        if n["id"] not in split:
            problems.append(f"{n['id']}: not an article of the gold")
            continue
        row = {"id": n["id"], "sentence": [n["start"], n["end"]], "is_claim": n["is_claim"],
               "claim_type": n["claim_type"], "split": split[n["id"]]}
        problems += [f"{n['id']} {n['start']}-{n['end']}: {p}" for p in check_label(row, articles[n["id"]]["text"])]
        rows.append(row)
    order = {a["id"]: k for k, a in enumerate(arts)}
    rows.sort(key=lambda r: (order.get(r["id"], 0), r["sentence"][0]))
    for a, b in zip(rows, rows[1:]):
        if a["id"] == b["id"] and b["sentence"][0] < a["sentence"][1]:
            problems.append(f"{a['id']}: sentences {a['sentence']} and {b['sentence']} overlap")
    unlabelled = sorted(set(split) - {r["id"] for r in rows})
    if unlabelled:
        problems.append(f"no labels for {len(unlabelled)} article(s): {' '.join(unlabelled)}")
    if problems:
        raise ValueError("; ".join(problems[:10]) + (f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""))
    return rows


def read_gold(gold_dir: Path = GOLD_DIR) -> tuple[list[dict], list[dict]]:
    """(articles, attributions) as shipped."""
    with open(gold_dir / "articles.jsonl", encoding="utf-8") as fh:
        arts = [json.loads(line) for line in fh if line.strip()]
    path = gold_dir / "attributions.jsonl"
    attrs = []
    if path.exists():
        with open(path, encoding="utf-8") as fh:
            attrs = [json.loads(line) for line in fh if line.strip()]
    return arts, attrs


def check(articles: dict[str, dict], gold_dir: Path = GOLD_DIR) -> list[str]:
    """Every problem with the shipped gold against the Wikinews texts ([] when it is sound)."""
    arts, attrs = read_gold(gold_dir)
    out, listed = [], {a["id"]: a for a in arts}
    for a in arts:
        src = articles.get(a["id"])
        if src is None:
            out.append(f"{a['id']}: not in the Wikinews file")
        elif sha(src["text"]) != a["sha256"]:
            out.append(f"{a['id']}: the text differs from the one annotated (sha256)")
    for k, rec in enumerate(attrs, 1):
        if rec["id"] not in listed:
            out.append(f"attribution {k}: article {rec['id']} is not listed in articles.jsonl")
        elif rec["id"] in articles:
            out += [f"attribution {k} ({rec['id']}): {p}" for p in check_record(rec, articles[rec["id"]]["text"])]
    for k, rec in enumerate(read_labels(gold_dir), 1):
        if rec["id"] not in listed:
            out.append(f"label {k}: article {rec['id']} is not listed in articles.jsonl")
        elif rec["split"] != listed[rec["id"]]["split"]:
            out.append(f"label {k} ({rec['id']}): split {rec['split']} differs from the article's")
        elif rec["id"] in articles:
            out += [f"label {k} ({rec['id']}): {p}" for p in check_label(rec, articles[rec["id"]]["text"])]
    return out


def _write_jsonl(path: Path, rows) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m claims.research.wikinews_gold", description=__doc__.split("\n\n")[0])
    ap.add_argument("command", choices=["select", "convert", "convert-checkworthy", "check"])
    ap.add_argument("--data", required=True, help="../shared/data/wikinews/articles.jsonl")
    ap.add_argument("--gold", default=str(GOLD_DIR), help="the gold folder (default: gold/wikinews)")
    ap.add_argument("--notes", nargs="+", help="convert: the folder of annotators' notes, one <id>.json per "
                    "article; convert-checkworthy: the sentence label files (JSON lines)")
    ap.add_argument("--draws", type=int, help="select: how many draws (default: all %d; 2 was `--more`, 3 `--more "
                    "--third`, and so on)" % (len(LATER_DRAWS) + 1))
    args = ap.parse_args(argv)
    articles, gold = read_articles(args.data), Path(args.gold)
    if args.command == "select":
        try:
            chosen = select_draws(articles, args.draws)
        except ValueError as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
        _write_jsonl(gold / "articles.jsonl", chosen)
        print(f"wrote {len(chosen)} articles: " + ", ".join(
            f"{s} {sum(a['split'] == s for a in chosen)} ({min(a['date'] for a in chosen if a['split'] == s)} to "
            f"{max(a['date'] for a in chosen if a['split'] == s)})" for s in SPLITS))
        return 0
    if args.command == "convert":
        arts, shipped = read_gold(gold)
        rows, missing, kept = [], [], 0
        latest = max(a.get("draw", 1) for a in arts)
        for a in arts:
            note_path = Path(args.notes[0]) / f"{a['id']}.json"
            if note_path.exists():
                note = json.loads(note_path.read_text(encoding="utf-8"))
                rows += convert_note(note, articles[a["id"]]["text"])
            elif a.get("draw", 1) < latest:  # earlier draws' notes are gone: their shipped gold stays as it is
                old = [r for r in shipped if r["id"] == a["id"]]
                rows, kept = rows + old, kept + 1
            else:
                missing.append(a["id"])
        _write_jsonl(gold / "attributions.jsonl", rows)
        print(f"wrote {len(rows)} attributions from {len(arts) - len(missing)} articles ({kept} kept as shipped)"
              + (f"; no notes yet for {len(missing)}: {' '.join(missing)}" if missing else ""))
        return 1 if missing else 0
    if args.command == "convert-checkworthy":
        notes = []
        for path in args.notes or []:
            with open(path, encoding="utf-8") as fh:
                notes += [json.loads(line) for line in fh if line.strip()]
        fresh = {n["id"] for n in notes}  # articles labelled before keep their shipped labels
        notes += [{"id": r["id"], "start": r["sentence"][0], "end": r["sentence"][1], "is_claim": r["is_claim"],
                   "claim_type": r["claim_type"]} for r in read_labels(gold) if r["id"] not in fresh]
        try:
            rows = convert_labels(read_gold(gold)[0], articles, notes)
        except ValueError as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
        _write_jsonl(gold / "checkworthy.jsonl", rows)
        print(f"wrote {len(rows)} sentence labels, {sum(r['is_claim'] for r in rows)} claims: " + ", ".join(
            f"{s} {sum(r['split'] == s for r in rows)}" for s in SPLITS))
        return 0
    problems = check(articles, gold)
    for p in problems:
        print(p)
    print(f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
