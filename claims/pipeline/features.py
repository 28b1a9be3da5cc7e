"""Fast lexical features of one sentence: regular expressions and word lists, no models, no spaCy.

`extract(text)` returns a dict {name: float} with exactly the keys of `FEATURE_NAMES`, in that order.
Almost every feature is a 0/1 flag (`has_number` ignores numbers that are only part of a date, which
`has_date` covers); `named_entities` and `log_length` are small non-negative
numbers. `extract_matrix(texts)` stacks them into an (n, len(FEATURE_NAMES)) float32 array, which
is what the detector standardises and feeds to its logistic regression next to the embedding.

`REASON_WORDS` maps a feature to the human words shown as a reason for a score (None: never shown).

Changing the names, their order or their meaning invalidates the shipped detector weights
(`claims/data/detector.npz` stores the names and `Detector.load` checks them): retrain with
`python -m claims.research.train_detect` after any change here. New features go at the end: weights trained
on a prefix of `FEATURE_NAMES` still load (they use the features they were trained on).
"""
from __future__ import annotations

import math
import re
from typing import Iterable

import numpy as np

#: The features, in the fixed order used by the detector weights.
FEATURE_NAMES: tuple[str, ...] = (
    "has_number",
    "has_percent",
    "has_money",
    "has_date",
    "has_comparison",
    "has_superlative",
    "has_trend",
    "causal",
    "prediction",
    "law_rule",
    "reported_speech",
    "has_quote",
    "stat_term",
    "event_verb",
    "past_tense",
    "named_entities",
    "first_person_singular",
    "first_person_plural",
    "second_person",
    "personal_experience",
    "opinion",
    "normative",
    "pleasantry",
    "question",
    "very_short",
    "log_length",
    # News cues for what the samples' guideline (samples/GUIDELINE.md, section 2) says is no claim.
    "non_answer",
    "denial",
    "schedule",
    "directive",
    "hedge",
    "value_judgement",
)

#: Human words for a feature when it is a reason for a high score; None: not shown as a reason.
REASON_WORDS: dict[str, str | None] = {
    "has_number": "number",
    "has_percent": "percentage",
    "has_money": "money amount",
    "has_date": "date or time",
    "has_comparison": "comparison",
    "has_superlative": "superlative or record",
    "has_trend": "change or trend",
    "causal": "causal",
    "prediction": "prediction",
    "law_rule": "law or rule",
    "reported_speech": "reported speech",
    "has_quote": "quotation",
    "stat_term": "statistical term",
    "event_verb": "event",
    "past_tense": "past tense",
    "named_entities": "named entity",
    "first_person_singular": "first person",
    "first_person_plural": "first person plural",
    "second_person": "second person",
    "personal_experience": "personal experience",
    "opinion": "opinion",
    "normative": "should or must",
    "pleasantry": "pleasantry",
    "question": "question",
    "very_short": None,
    "log_length": None,
    "non_answer": "non-answer",
    "denial": "denial",
    "schedule": "schedule",
    "directive": "directive",
    "hedge": "hedged",
    "value_judgement": "value judgement",
}

_I = re.IGNORECASE

# Numbers: digits, or number words. "one" is left out: "no one", "one of the things".
_NUMBER_WORDS = (
    r"two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
    r"hundreds?|thousands?|millions?|billions?|trillions?|dozens?|half|third|quarter|twice|"
    r"double|triple"
)
_NUMBER = re.compile(rf"\d|\b(?:{_NUMBER_WORDS})\b", _I)  # has_number ignores the digits of dates
_PERCENT = re.compile(r"%|\bper\s?cent\b|\bpercentage(?:\s+points?)?\b|\bpercentile\b", _I)
_MONEY = re.compile(
    r"[$£€¥]\s?\d|\d\s?[$£€]|\d\s?p\b|\b(?:dollars?|bucks|pounds|euros?|cents|pence|yen|usd|gbp|eur)\b",
    _I,
)
# "May" and "March" are also a modal and a verb: only with a number or a time preposition.
_MONTHS = r"January|February|April|June|July|August|September|October|November|December"
_ALL_MONTHS = rf"{_MONTHS}|March|May"
_DAY = r"\d{1,2}(?:st|nd|rd|th)?\b"
_DATE = re.compile(
    rf"\b(?:{_ALL_MONTHS})\s+{_DAY}(?:,?\s+\d{{4}}\b)?|\b{_DAY}\s+(?:of\s+)?(?:{_ALL_MONTHS})\b(?:,?\s+\d{{4}}\b)?"
    r"|\b(?:[Ii]n|[Oo]n|[Ss]ince|[Bb]y|[Uu]ntil|[Tt]ill|[Ll]ast|[Nn]ext|[Tt]his|[Ee]arly|[Ll]ate|mid-?|of)\s+(?:March|May)\b"
    rf"(?:\s+{_DAY}(?:,?\s+\d{{4}}\b)?)?"
    rf"|\b(?:1[5-9]\d\d|20\d\d)s?\b|\b'\d0s\b|\b(?:{_MONTHS})\b"
    r"|\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"
)
_RELATIVE_DATE = re.compile(
    r"\b(?:yesterday|(?:last|this|next|past)\s+(?:year|month|week|decade|century|quarter|summer|winter|"
    r"spring|autumn|fall)|(?:years?|months?|decades?)\s+ago|"
    r"in\s+the\s+(?:past|last|first)\s+\w+\s+(?:years?|months?|weeks?|days?|decades?))\b",
    _I,
)
_COMPARISON = re.compile(
    r"\bthan\b|\bcompared\s+(?:to|with)\b|\bcomparison\b|\brelative\s+to\b|\bversus\b|\bvs\.?(?=\s)"
    r"|\b(?:twice|\w+\s+times)\s+(?:as|more|less|higher|lower|greater|bigger|larger|faster)\b"
    r"|\bas\s+(?:many|much|high|low|large|big|few|little)\s+as\b|\bthe\s+same\s+as\b",
    _I,
)
_SUPERLATIVE_WORDS = (
    r"most|least|best|worst|highest|lowest|largest|biggest|smallest|greatest|fastest|slowest|"
    r"longest|shortest|richest|poorest|deadliest|strongest|weakest|oldest|youngest|cheapest|"
    r"record(?:-|\s)(?:high|low|breaking|levels?)|all-time|ever|first\s+time|never\s+before|unprecedented"
)
_SUPERLATIVE = re.compile(rf"(?<!\bat\s)\b(?:{_SUPERLATIVE_WORDS})\b", _I)
_EST = re.compile(r"\b[a-z]{3,}(?:est|iest)\b", _I)
_NOT_SUPERLATIVE = frozenset(
    "interest request west rest honest protest forest suggest invest arrest contest guest chest nest "
    "modest digest manifest harvest inquest conquest quest pest vest crest attest detest behest earnest "
    "midwest northwest southwest everest lest jest zest wrest unrest infest divest priest tempest "
    "bequest dishonest disinterest congest ingest molest test retest pretest".split()
)
_TREND = re.compile(
    r"\b(?:rose|risen|rising|fell|fallen|falling|increased?|increases|increasing|decreased?|"
    r"decreases|decreasing|declined?|declines|declining|dropped|dropping|grew|grown|growing|"
    r"doubled|tripled|quadrupled|halved|soared|plunged|plummeted|surged|jumped|climbed|shrank|"
    r"shrunk|slashed|went\s+(?:up|down)|gone\s+(?:up|down)|(?:up|down)\s+(?:by\s+)?\d|cut\s+by|"
    r"from\s+\S+\s+to\s+\S+)\b",
    _I,
)
_CAUSAL = re.compile(
    r"\b(?:because|caus(?:e|es|ed|ing)|led\s+to|leads?\s+to|leading\s+to|due\s+to|"
    r"result(?:s|ed|ing)?\s+(?:in|from)|as\s+a\s+result|as\s+a\s+consequence|thanks\s+to|"
    r"responsible\s+for|blam(?:e|es|ed|ing)|linked\s+to|contribut(?:e|es|ed|ing)\s+to|"
    r"trigger(?:s|ed|ing)?|driven\s+by|fuel(?:l)?ed|therefore|consequently|owing\s+to|"
    r"attributable\s+to|the\s+reason|effect\s+of|impact\s+of|so\s+that|which\s+means|"
    r"that\s+is\s+why|that's\s+why|this\s+is\s+why|because\s+of)\b",
    _I,
)
_PREDICTION = re.compile(
    r"\bwill\b|\bwon't\b|\w'll\b|\bgoing\s+to\b(?!\s+(?:the|a|an|my|our|your|his|her|their)\b)|\bgonna\b|"
    r"\b(?:expect(?:s|ed)?|set|likely|unlikely|projected|predicted|forecast|poised|on\s+track)\s+to\b|"
    r"\bforecasts?\b|\bpredict(?:s|ed|ion|ions)?\b|\bprojections?\b|"
    r"\bby\s+(?:20[2-9]\d|21\d\d|the\s+end\s+of|next)\b|\bnext\s+(?:year|decade|month|week|century)\b|"
    r"\bin\s+the\s+(?:coming|next)\b|\bin\s+the\s+future\b|\bfuture\b",
    _I,
)
_LAW_RULE = re.compile(
    r"\b(?:laws?|bills?|illegal(?:ly)?|unlawful(?:ly)?|legal(?:ly)?|lawful(?:ly)?|ban|bans|banned|banning|"
    r"prohibit\w*|forbid\w*|requires?|required|requirements?|mandat\w*|regulations?|regulat(?:e|es|ed|ing)|"
    r"rules?|statutes?|statutory|legislation|legislat\w*|constitution\w*|amendments?|courts?|"
    r"ruled|ruling|judges?|allowed\s+to|not\s+allowed|permitted|entitled\s+to|eligible|treaty|"
    r"licen[cs]e[ds]?|penalt(?:y|ies)|fined|obliged|compulsory|directive|ordinance|veto(?:ed)?|"
    r"signed\s+into\s+law|executive\s+order|policy|policies)\b",
    _I,
)
_LAW_ACT = re.compile(r"\b[A-Z][a-z]+(?:\s+(?:of\s+)?[A-Z][a-z]+)*\s+Act\b")
_REPORTED = re.compile(
    r"\b(?:said|says|told|tells|according\s+to|stated|states\s+that|claim(?:s|ed)|announced|"
    r"reported(?:ly)?|argued|argues|insisted|insists|confirmed|confirms|denied|denies|added|noted|"
    r"warned|warns|admitted|admits|acknowledged|explained|wrote|writes|tweeted|posted|quoted|"
    r"alleged(?:ly)?|testified|declared|spokesm[ae]n|spokeswom[ae]n|spokesperson|press\s+release|"
    r"in\s+a\s+statement|sources?\s+(?:say|said)|commented)\b",
    _I,
)
_QUOTE = re.compile(r"[\"“”«»]|(?:^|\s)'[A-Z]|(?<=\s)‘")
_STAT = re.compile(
    r"\b(?:rate|rates|average|median|total|per\s+capita|number\s+of|amount\s+of|share\s+of|"
    r"proportion|majority|minority|gdp|unemployment|unemployed|inflation|taxe?s?|costs?|spend\w*|"
    r"jobs|wages?|salar\w+|income|prices?|polls?|survey\w*|stud(?:y|ies)|data|statistic\w*|figures|"
    r"census|estimate[sd]?|deaths?|cases|population|economy|economic|revenue|growth|"
    r"emissions|crime|funding|funds?|billion|million|trillion)\b",
    _I,
)
_EVENT = re.compile(
    r"\b(?:killed|died|dead|arrested|charged|convicted|sentenced|elected|won|lost|signed|voted|"
    r"passed|vetoed|launched|attacked|invaded|bombed|resigned|fired|appointed|visited|met\s+with|"
    r"closed|opened|shut\s+down|hired|sued|crashed|collapsed|struck|destroyed|exploded|evacuated|"
    r"approved|rejected|released|cancell?ed|shot|injured|wounded|occurred|happened|took\s+place|"
    r"held|founded|created|built|sold|bought|acquired|merged|invested|withdrew|pulled\s+out|"
    r"declared|imposed|lifted|raised|cut|started|ended|began|broke|seized|captured|escaped)\b",
    _I,
)
_PAST = re.compile(
    r"\b(?:was|were|had|did|been|[a-z]{3,}ed|fell|rose|grew|saw|went|came|took|made|said|told|got|gave|"
    r"won|lost|met|paid|spent|built|sold|bought|began|brought|thought|knew|ran|wrote|kept|held|"
    r"found|felt|led|sent|shot|struck|drove|became|chose)\b",
    _I,
)
_NOT_PAST = frozenset("need seed feed speed indeed bed red shed weed breed greed creed hundred".split())
_FP_SING = re.compile(r"\bI\b|\bI'(?:m|ve|d|ll)\b|\b(?:[Mm]e|[Mm]y|[Mm]ine|[Mm]yself)\b")
_FP_PLUR = re.compile(r"\b(?:we|we're|we've|we'd|we'll|us|our|ours|ourselves)\b", _I)
_SECOND = re.compile(r"\b(?:you|you're|you've|you'd|you'll|your|yours|yourself|yourselves)\b", _I)
_EXPERIENCE = re.compile(
    r"\bI\s+(?:was|were|grew\s+up|saw|met|visited|lived|worked|went|spent|remember|experienced|had|"
    r"lost|talked\s+to|spoke\s+(?:to|with)|sat\s+(?:down\s+)?with|watched|heard|served|raised|"
    r"taught|ran|started|built|paid|used\s+to|have\s+(?:seen|met|been|visited|lived|worked|talked|"
    r"spoken|heard|watched)|'ve\s+(?:seen|met|been|visited|lived|worked|talked|spoken|heard|watched))\b"
    r"|\b[Ww]hen\s+I\s+was\b|\bI've\s+(?:seen|met|been|visited|lived|worked|talked|spoken|heard|watched)\b"
    r"|\b[Mm]y\s+(?:father|mother|dad|mom|mum|family|wife|husband|son|daughter|brother|sister|"
    r"grand(?:father|mother|parents|children|son|daughter)|parents|kids|children|uncle|aunt|"
    r"own\s+experience|experience|home\s+town|hometown|childhood)\b",
)
_OPINION = re.compile(
    r"\bI\s+(?:think|believe|feel|hope|guess|suppose|wish|doubt|trust|agree|disagree)\b|"
    r"\b(?:in\s+my\s+(?:view|opinion)|frankly|honestly|obviously|clearly|of\s+course|I'm\s+sure|"
    r"I\s+am\s+sure|I'm\s+convinced|it\s+seems|perhaps|maybe|probably)\b",
    _I,
)
_NORMATIVE = re.compile(
    r"\b(?:should|shouldn't|ought|must|mustn't|need\s+to|needs\s+to|have\s+to|has\s+to|let's|let\s+us|"
    r"we've\s+got\s+to|got\s+to|it's\s+time|it\s+is\s+time)\b",
    _I,
)
_PLEASANTRY = re.compile(
    r"\b(?:thank(?:s|\s+you)|good\s+(?:evening|morning|afternoon|night)|welcome|hello|hi|"
    r"ladies\s+and\s+gentlemen|congratulat\w+|appreciate|pleasure|applause|laughter|crosstalk|"
    r"excuse\s+me|sorry|please|goodbye|let\s+me\s+(?:say|finish|just)|I'd\s+like\s+to|"
    r"I\s+want\s+to\s+(?:thank|say))\b",
    _I,
)
# Refusals and non-answers: "declined to comment", "did not respond to requests", "would not say".
_NON_ANSWER = re.compile(
    r"\b(?:declin(?:ed|es|ing)|refus(?:ed|es|ing)|did\s+not|didn't|would\s+not|wouldn't|could\s+not|couldn't|"
    r"has\s+not|have\s+not|had\s+not)\s+(?:to\s+)?(?:immediately\s+)?(?:comment|respond|return|reply|answer|say|"
    r"name|confirm|discuss|elaborate|specify|disclose|give|provide|be\s+reached|commit)\b"
    r"|\bno\s+comment\b|\bunavailable\s+for\s+comment\b|\bnot\s+be\s+reached\b",
    _I,
)
# Denying or playing down ("denied that", "says the figure is exaggerated"): the disputed figure is
# labelled where it is stated, not here.
_DENIAL = re.compile(
    r"\b(?:den(?:y|ies|ied|ying)|disput(?:e|es|ed|ing)|exaggerat(?:e|es|ed|ing)|overstat(?:e|es|ed|ing)|"
    r"misleading|untrue|not\s+true|baseless|unfounded|play(?:s|ed|ing)?\s+down|downplay(?:s|ed|ing)?)\b",
    _I,
)
# Procedure and scheduling: "will publish its next figures in February", "are due to appear in court".
_SCHEDULE = re.compile(
    r"\b(?:will|is\s+due\s+to|are\s+due\s+to|is\s+scheduled\s+to|are\s+scheduled\s+to|is\s+set\s+to|"
    r"are\s+set\s+to|plans?\s+to|intends?\s+to)\s+(?:publish|release|meet|vote|appear|decide|announce|hold|"
    r"resume|issue|report|consider|debate|review|hear|rule|return)\b"
    r"|\bdue\s+(?:to\s+appear\s+)?in\s+court\b|\bnext\s+(?:quarterly|monthly|annual|weekly)\s+"
    r"(?:figures|report|data|update|meeting)\b",
    _I,
)
# Directives: "urged residents to", "asked anyone with information to call".
_DIRECTIVE = re.compile(
    r"\b(?:urg(?:e|es|ed|ing)|advis(?:e|es|ed|ing)|encourag(?:e|es|ed|ing)|call(?:s|ed)?\s+on|"
    r"appeal(?:s|ed)?\s+(?:to|for)|ask(?:s|ed)?\s+(?:anyone|residents|people|customers|the\s+public|members|"
    r"parents|voters|drivers|patients|readers|everyone))\b",
    _I,
)
# Hedges and conditionals: vague predictions and hopes are no claims, concrete forecasts are.
_HEDGE = re.compile(r"\b(?:could|might|may|would|hope(?:s|d)?\s+to|aim(?:s|ed)?\s+to|if)\b", _I)
# Evaluative words of opinions and characterisations ("a promising start", "unnecessary").
_JUDGEMENT = re.compile(
    r"\b(?:good|bad|great|terrible|promising|genuinely|disappointing|unacceptable|unnecessary|welcomed?|"
    r"encouraging|worrying|concerning|wrong|fair|unfair|ridiculous|outrageous|shameful|excellent|wonderful|"
    r"important|committed|proud|love|hate|afraid|worried|happy|glad|right\s+thing)\b",
    _I,
)
_TOKEN = re.compile(r"[A-Za-z0-9]+(?:['’.-][A-Za-z0-9]+)*|[$£€%]")
_CAP_WORD = re.compile(r"\b[A-Z][A-Za-z'’.-]*[A-Za-z]\b|\b[A-Z]{2,}s?\b")
_NOT_ENTITY = frozenset(
    "I I'm I've I'd I'll OK Mr Mrs Ms Dr The A An And But So If It This That We You He She They "
    "There Now Well Yes No".split()
)


def _flag(pattern: re.Pattern, text: str) -> float:
    return 1.0 if pattern.search(text) else 0.0


def _has_superlative(text: str) -> bool:
    if _SUPERLATIVE.search(text):
        return True
    return any(m.group(0).lower() not in _NOT_SUPERLATIVE for m in _EST.finditer(text))


def _has_number(text: str) -> bool:
    """A number that is not just part of a date ("in 2019", "March 3")."""
    if not _NUMBER.search(text):
        return False
    return bool(_NUMBER.search(_DATE.sub(" ", text)))


def _has_past(text: str) -> bool:
    return any(m.group(0).lower() not in _NOT_PAST for m in _PAST.finditer(text))


def _named_entities(text: str) -> int:
    """Capitalised words and acronyms that do not start the sentence (a crude named-entity cue)."""
    count = 0
    first_word = _TOKEN.search(text)
    first_start = first_word.start() if first_word else -1
    for m in _CAP_WORD.finditer(text):
        word = m.group(0).rstrip(".")
        if m.start() == first_start or word in _NOT_ENTITY:
            continue
        # The word after a sentence-internal full stop, colon or opening quote is capitalised anyway.
        before = text[: m.start()].rstrip()
        if before.endswith((".", "!", "?", ":", '"', "“", "—", "(")) and not before.endswith(("Mr.", "Dr.", "Ms.", "Mrs.", "St.")):
            continue
        count += 1
    return count


def extract(text: str) -> dict[str, float]:
    """The lexical features of one sentence, {name: value} with keys in `FEATURE_NAMES` order."""
    text = text or ""
    stripped = text.strip()
    tokens = _TOKEN.findall(stripped)
    n_tokens = len(tokens)
    fp_sing = _flag(_FP_SING, stripped)
    values = {
        "has_number": 1.0 if _has_number(stripped) else 0.0,
        "has_percent": _flag(_PERCENT, stripped),
        "has_money": _flag(_MONEY, stripped),
        "has_date": 1.0 if (_DATE.search(stripped) or _RELATIVE_DATE.search(stripped)) else 0.0,
        "has_comparison": _flag(_COMPARISON, stripped),
        "has_superlative": 1.0 if _has_superlative(stripped) else 0.0,
        "has_trend": _flag(_TREND, stripped),
        "causal": _flag(_CAUSAL, stripped),
        "prediction": _flag(_PREDICTION, stripped),
        "law_rule": 1.0 if (_LAW_RULE.search(stripped) or _LAW_ACT.search(stripped)) else 0.0,
        "reported_speech": _flag(_REPORTED, stripped),
        "has_quote": _flag(_QUOTE, stripped),
        "stat_term": _flag(_STAT, stripped),
        "event_verb": _flag(_EVENT, stripped),
        "past_tense": 1.0 if _has_past(stripped) else 0.0,
        "named_entities": math.log1p(_named_entities(stripped)),
        "first_person_singular": fp_sing,
        "first_person_plural": _flag(_FP_PLUR, stripped),
        "second_person": _flag(_SECOND, stripped),
        "personal_experience": fp_sing * _flag(_EXPERIENCE, stripped),
        "opinion": _flag(_OPINION, stripped),
        "normative": _flag(_NORMATIVE, stripped),
        "pleasantry": _flag(_PLEASANTRY, stripped),
        "question": 1.0 if "?" in stripped else 0.0,
        "very_short": 1.0 if n_tokens <= 5 else 0.0,
        "log_length": math.log1p(n_tokens),
        "non_answer": _flag(_NON_ANSWER, stripped),
        "denial": _flag(_DENIAL, stripped),
        "schedule": _flag(_SCHEDULE, stripped),
        "directive": _flag(_DIRECTIVE, stripped),
        "hedge": _flag(_HEDGE, stripped),
        "value_judgement": _flag(_JUDGEMENT, stripped),
    }
    return {name: values[name] for name in FEATURE_NAMES}


def extract_matrix(texts: Iterable[str]) -> np.ndarray:
    """Features of many sentences as an (n, len(FEATURE_NAMES)) float32 array."""
    rows = [list(extract(t).values()) for t in texts]
    if not rows:
        return np.zeros((0, len(FEATURE_NAMES)), dtype=np.float32)
    return np.asarray(rows, dtype=np.float32)
