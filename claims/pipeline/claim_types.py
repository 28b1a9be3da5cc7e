"""What kind of claim a check-worthy sentence makes: simple rules over the lexical features.

The types follow Full Fact's claim typology (Konstantinovskiy, Price, Babakar and Zubiaga, "Toward
automated factchecking: developing an annotation schema and benchmark for consistent automated claim
detection", Digital Threats: Research and Practice, 2021), adapted for the workbench: comparisons
are split out of "quantity" and one-off happenings ("event") out of "other", because fact-checkers
check them in different ways.

quantity
    A number, amount, share, rate or change in the past or present: "Unemployment is 3.9 percent",
    "Spending rose by £2bn", "Seven million people have contracted COVID".
comparison
    Two or more things, places or times set against each other, or a ranking: "Crime is higher in
    London than in Paris", "the lowest level since 2001", "the biggest tax cut in history".
causal
    Correlation or causation: one thing led to, caused, or is linked to another: "The drought caused
    food prices to rise", "Crime fell because of more police".
prediction
    A claim about the future, including hypotheticals and forecasts: "Inflation will reach 4% by
    2025", "The plan is expected to cost $3 billion".
law or rule
    Current laws, regulations, rules of operation, constitutions, court rulings, and what is allowed
    or required: "The new law requires employers to pay at least $15 an hour".
personal experience
    The speaker's own experience, which the checker can rarely verify: "When I was a nurse, I saw
    patients wait 12 hours".
event
    Something that happened (past tense, with an event verb or a date): "Police arrested three men in Manchester on
    Tuesday", "The minister resigned last week".
other
    Any other checkable claim: voting records, public opinion, support, definitions, trivia,
    descriptions of a state of affairs ("He wants to shut down the country").

Precedence, when a sentence fits several types (first match wins):

    personal experience > prediction > causal > law or rule > comparison > quantity (statistical)
    > event > quantity (a bare number) > other

- personal experience first: the source of the claim (the speaker) decides how it can be checked,
  whatever it contains ("I saw 300 workers laid off" is not a statistic to look up).
- prediction before causal and law: "The bill will lead to job losses" is about the future, and
  a future law is a prediction, not a current rule.
- causal before law, comparison and quantity: "Crime fell 5% because of the new law" is checked by
  asking whether the law caused it; the number is secondary.
- law or rule before comparison and quantity: "The law caps rents at 3%" is checked against the law.
- comparison before quantity: an explicit comparison or ranking needs both sides checked.
- statistical quantity (a percentage, money, a trend word, or a number next to a statistical term)
  before event; a bare number ("arrested three men") is a detail of an event, so event comes first.
"""
from __future__ import annotations

from claims.pipeline import features as _features
from claims.pipeline.types import CLAIM_TYPES

#: The order in which the rules are tried (see the module docstring).
PRECEDENCE: tuple[str, ...] = (
    "personal experience",
    "prediction",
    "causal",
    "law or rule",
    "comparison",
    "quantity",
    "event",
    "other",
)


def classify(text: str, features: dict | None = None) -> str:
    """The claim type of a sentence: one of `claims.pipeline.types.CLAIM_TYPES`.

    `features` is `claims.pipeline.features.extract(text)`; it is computed when missing. This only says what
    kind of claim a sentence would be: whether it is a claim at all is the detector's decision.
    """
    f = features if features is not None else _features.extract(text)

    def on(name: str) -> bool:
        return f.get(name, 0.0) > 0.0

    if on("personal_experience"):
        result = "personal experience"
    elif on("prediction"):
        result = "prediction"
    elif on("causal"):
        result = "causal"
    elif on("law_rule"):
        result = "law or rule"
    elif on("has_comparison") or on("has_superlative"):
        result = "comparison"
    elif on("has_percent") or on("has_money") or on("has_trend") or (on("has_number") and on("stat_term")):
        result = "quantity"
    elif on("past_tense") and (on("event_verb") or on("has_date")):
        result = "event"
    elif on("has_number"):
        result = "quantity"
    else:
        result = "other"
    assert result in CLAIM_TYPES
    return result
