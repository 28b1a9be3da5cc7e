from claims.pipeline.types import Attribution, Score, Sentence, SentenceResult


def test_result_record_has_the_documented_fields():
    s = Sentence(index=3, text="Prices rose 4 percent, officials said.", start=10, end=48)
    a = Attribution(source="officials", cue="said", content="Prices rose 4 percent", quote="reported")
    r = SentenceResult(doc="a.txt", sentence=s, score=Score(0.9, True, "quantity", ("number",)), attributions=(a,))
    d = r.to_dict()
    for key in ("doc", "index", "text", "start", "end", "is_claim", "score", "claim_type",
                "source", "cue", "quote", "attributions"):
        assert key in d
    assert d["source"] == "officials" and d["cue"] == "said" and d["quote"] == "reported"
    assert d["attributions"][0]["content"] == "Prices rose 4 percent"


def test_sentence_without_attribution_says_none():
    s = Sentence(index=0, text="Hello.", start=0, end=6)
    d = SentenceResult(doc="-", sentence=s, score=Score(0.1, False, "not a claim")).to_dict()
    assert d["quote"] == "none" and d["source"] is None and d["attributions"] == []
