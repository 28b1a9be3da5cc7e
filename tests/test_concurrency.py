"""Several workers at once on one database: the same article from two of them is stored once."""
import threading

from claims.pipeline.embed import HashingEmbedder
from claims.services.workbench import Workbench
from conftest import FakeDetector

ARTICLE = "Harbour fees rose 9 percent in 2024, the port authority said.\n\nShips waited longer.\n"


def test_two_workers_ingesting_the_same_articles_store_each_once(settings):
    workers = [Workbench(settings, embedder=HashingEmbedder(), detector=FakeDetector(), attribution=False)
               for _ in range(4)]
    texts = [ARTICLE.replace("9 percent", f"{n} percent") for n in range(5)]
    barrier = threading.Barrier(len(workers))
    reports, errors = [], []

    def work(wb):
        try:
            barrier.wait()
            for i, t in enumerate(texts):
                reports.append(wb.ingest.text(t, name=f"doc{i}.txt"))
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(wb,)) for wb in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    stats = workers[0].browse.stats()
    assert stats["documents"] == len(texts)
    assert sum(r.documents for r in reports) == len(texts)
    assert sum(r.duplicates for r in reports) == len(texts) * (len(workers) - 1)
    # no half articles: every document has its sentences and each claim its vector
    for doc in workers[0].browse.documents():
        assert workers[0].browse.document(doc["id"])["sentences"]
    assert workers[0].matches.search(["harbour fees rose"], k=10, kinds=("claim",))[0]["results"]
    for wb in workers:
        wb.engine.dispose()
