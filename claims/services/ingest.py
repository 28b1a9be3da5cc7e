"""Ingest: read articles (files, folders, feeds, URLs, pasted text, uploads), run the pipeline, store each
article in one transaction, then compare the new claims with the fact-check archive."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Callable, Iterable, Iterator, Sequence

from sqlalchemy.exc import IntegrityError

from claims.io.readers import ARTICLE_SUFFIXES, Article, read_bytes, read_inputs
from claims.services.common import Compared, Progress, UseCase, growing_batches
from core.errors import InputError
from store import repo
from store.db import atomic


@dataclass
class IngestReport(Compared):
    documents: int = 0
    duplicates: int = 0
    sentences: int = 0
    claims: int = 0
    attributions: int = 0
    document_ids: list[int] = field(default_factory=list)
    #: ids of documents that were already stored (same content)
    duplicate_ids: list[int] = field(default_factory=list)

    def summary(self) -> str:
        return (f"stored {self.documents} new document(s), {self.sentences} sentences, {self.claims} claims, "
                f"{self.attributions} attributions; {self.duplicates} already stored")


def as_text(article: Article) -> Article:
    """The article with HTML turned into its text (page furniture and markup gone)."""
    if not article.is_html:
        return article
    from claims.pipeline.clean import html_to_text

    text = html_to_text(article.text)
    if not text.strip():
        raise InputError(f"{article.name}: no article text found in the HTML; save the article as text")
    return Article(name=article.name, text=text, origin=article.origin, title=article.title,
                   published=article.published)


class Ingest(UseCase):
    """Reading, extracting and storing articles."""

    def read(self, targets: Sequence[str], *, stdin=None) -> list[Article]:
        """Read and check every input first, so a bad one stops the run before anything is stored."""
        articles = list(read_inputs(targets, self.settings, stdin=stdin))
        if not articles:
            raise InputError("no articles given: name files, folders, URLs or - for standard input")
        return [as_text(a) for a in articles]

    def extract(self, targets: Sequence[str], *, lines: bool = False, stdin=None,
                progress: Progress | None = None, genre: str | None = None) -> Iterator[dict]:
        """One record per sentence, in document order (the `claims extract` contract), with its document's
        genre. `genre`: "article" or "transcript" for every document, which picks the detector's threshold;
        None (the default) detects it per document."""
        articles = self.read(targets, stdin=stdin)
        pipeline = self.bench.pipeline
        for batch in growing_batches(articles, size=lambda a: len(a.text)):
            with self.bench.lock:
                docs = pipeline.run([(a.name, a.text) for a in batch], lines=lines, genre=genre,
                                    progress=progress)
            for doc in docs:
                found = doc.genre.to_dict() if doc.genre else {}  # (not `genre`: the next batch reads that)
                for r in doc.results:
                    yield {**r.to_dict(), **found}

    def run(self, targets: Sequence[str], *, stdin=None, genre: str | None = None, **options) -> IngestReport:
        """Store articles named by `targets` and everything derived; the same content twice adds nothing.
        `options` as for `articles`."""
        return self.articles(self.read(targets, stdin=stdin), genre=genre, **options)

    def text(self, text: str, name: str = "pasted text", **options) -> IngestReport:
        """Store pasted text as one article (or a feed, by its content)."""
        articles = [as_text(a) for a in read_bytes(text.encode("utf-8"), name, settings=self.settings)]
        return self.articles(articles, **options)

    def uploads(self, files: Sequence[tuple[str, bytes]], **options) -> IngestReport:
        """Store uploaded articles, given as (file name, bytes); the suffix says how to read each (.txt, .md,
        .html, .jsonl). Every file is checked before anything is stored; nothing is written to disk."""
        if not files:
            raise InputError("no files given: choose .txt, .md, .html or .jsonl articles to upload")
        articles = []
        for name, data in files:
            suffix = PurePath(name).suffix.lower()
            if suffix not in ARTICLE_SUFFIXES:
                raise InputError(f"{name} is not an article file: upload .txt, .md, .html or .jsonl")
            articles += [as_text(a) for a in read_bytes(data, name, suffix=suffix, settings=self.settings)]
        return self.articles(articles, **options)

    def articles(self, articles: Iterable[Article], *, progress: Progress | None = None, genre: str | None = None,
                 match: bool = True, match_progress: Progress | None = None,
                 on_match_start: Callable[[int], None] | None = None) -> IngestReport:
        """Store new articles, then (with `match`) compare their claims with the fact-check archive, as the
        Claim page does, so the Inbox's "has a match" covers them at once.

        `genre`: "article" or "transcript", which detector threshold applies; None detects it per article. `progress` is told
        of each article done; `on_match_start` how many claims will be compared, `match_progress` as they are."""
        report = IngestReport()
        fresh: dict[str, Article] = {}
        with self.session() as s:
            for a in articles:
                h = repo.content_hash(a.text)
                stored = repo.find_document(s, h)
                if h in fresh or stored is not None:
                    report.duplicates += 1
                    if stored is not None:
                        report.duplicate_ids.append(stored.id)
                    if progress:
                        progress(1)
                    continue
                fresh[h] = a
        pipeline = self.bench.pipeline
        # at most 64 articles a batch: the app's searches wait for `lock` while a batch runs
        for batch in growing_batches(list(fresh.items()), size=lambda item: len(item[1].text), most=64):
            with self.bench.lock:  # spaCy, its parse helper and torch serve one batch at a time
                extracted = pipeline.run([(a.name, a.text) for _, a in batch], genre=genre)
            for (h, a), doc in zip(batch, extracted):
                self._store(h, a, doc, report)
                if progress:
                    progress(1)
        if report.documents:
            self.bench.indexes.extend("claim")
        if match and report.document_ids and report.claims:
            self._match(report, on_match_start, match_progress)
        return report

    def _match(self, report: IngestReport, on_start, progress) -> None:
        """Compare the stored articles' claims with the archive; the articles stay stored if this fails."""
        if on_start:
            on_start(report.claims)

        def run() -> tuple[int, int]:
            n = self.bench.matches.refresh(document_ids=report.document_ids, progress=progress)
            found = self.bench.browse.count({"has_match": True, "document_ids": report.document_ids}) if n else 0
            return n, found

        report.compare(run)

    def _store(self, h: str, a: Article, doc, report: IngestReport) -> None:
        sentences = []
        for r in doc.results:
            d = r.to_dict()
            d["attributions"] = [x.to_dict() for x in r.attributions]
            sentences.append(d)
        try:
            with atomic(self.engine) as s:  # one transaction per article
                row = repo.add_document(s, content_hash_=h, name=a.name, origin=a.origin,
                                        title=a.title or doc.title, text=doc.text, published=a.published,
                                        sentences=sentences, genre=doc.genre.genre if doc.genre else "article",
                                        genre_source=doc.genre.source if doc.genre else "")
                by_idx = {r.sentence.index: i for i, r in enumerate(doc.results)}
                items = [(sent.claim.id, doc.vectors[by_idx[sent.idx]]) for sent in row.sentences
                         if sent.claim is not None]
                repo.put_vectors(s, "claim", self.bench.embedder.name, items)
                report.documents += 1
                report.document_ids.append(row.id)
                report.sentences += len(sentences)
                report.claims += len(items)
                report.attributions += sum(len(x["attributions"]) for x in sentences)
        except IntegrityError:
            # another worker stored the same article first
            report.duplicates += 1
