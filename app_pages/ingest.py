"""Ingest: paste an article, upload files or give URLs; each is stored with its sentences, claims and sources,
then compared with the fact-check archive, one at a time so the page can say which it is on. The archive itself
is imported here too."""
from dataclasses import dataclass, field

import streamlit as st

from app_pages.common import as_text, get_bench
from core.errors import WorkbenchError

ARTICLE_TYPES = ["txt", "md", "markdown", "html", "htm", "jsonl"]
ARCHIVE_TYPES = ["csv", "json", "jsonld", "jsonl"]
# A missing model file or package is a setup problem, reported the same way as bad input.
PROBLEMS = (WorkbenchError, ImportError, FileNotFoundError)

bench = get_bench()


class Counter:
    """A progress bar fed by the service's progress callback (items done so far)."""

    def __init__(self, total: int | None, noun: str):
        self.done, self.total, self.noun = 0, total, noun
        self.bar = st.progress(0.0, text=f"0 {noun}") if total else st.empty()

    def __call__(self, n: int) -> None:
        self.done += n
        if self.total:
            self.bar.progress(min(1.0, self.done / self.total), text=f"{self.done} of {self.total} {self.noun}")
        else:
            self.bar.caption(f"{self.done} {self.noun}")


def show_matching(report) -> None:
    """Say how the new claims compare with the archive (the articles are stored even when that failed)."""
    if report.match_error:
        st.warning(f"Stored, but not compared with the fact-check archive: {as_text(report.match_error)}")
    elif report.matched:
        st.write(f"Compared {report.matched} claim(s) with the fact-check archive.")


@dataclass
class Totals:
    """What the articles of one ingest added up to (each article is stored by its own call)."""
    documents: int = 0
    duplicates: int = 0
    sentences: int = 0
    claims: int = 0
    attributions: int = 0
    matched: int = 0
    document_ids: list = field(default_factory=list)
    duplicate_ids: list = field(default_factory=list)

    def add(self, report) -> None:
        for name in ("documents", "duplicates", "sentences", "claims", "attributions", "matched"):
            setattr(self, name, getattr(self, name) + (getattr(report, name, 0) or 0))
        self.document_ids += report.document_ids
        self.duplicate_ids += report.duplicate_ids

    def summary(self) -> str:
        return (f"stored {self.documents} new document(s), {self.sentences} sentences, {self.claims} claims, "
                f"{self.attributions} attributions; {self.duplicates} already stored")


def article_line(name: str, report) -> str:
    """One line on what one article (or file, or page) gave."""
    if not report.documents:
        return f"{as_text(name)}: already stored"
    return (f"{as_text(name)}: {report.sentences} sentences, {report.claims} claims"
            + (", compared with the archive" if report.matched else ""))


def ingest_each(items: list[tuple[str, object]]) -> Totals | None:
    """Ingest the articles one by one inside a status box, with a bar that says which one is being read and a
    line for each as it is stored; None when one failed (the message is shown; those before it stay stored).

    `items` holds (name, run) pairs: run() stores that one article (or file, or page) and returns its report."""
    totals, n = Totals(), len(items)
    with st.status(f"Ingesting {n} article(s)…" if n > 1 else "Ingesting…", expanded=True) as status:
        bar = st.progress(0.0, text="Starting…")
        for i, (name, run) in enumerate(items):
            bar.progress(i / n, text=f"Article {i + 1} of {n}: {name} — splitting into sentences, scoring claims, "
                                     "finding their sources" + (" (the first of a session also loads the models)"
                                                                if i == 0 else "") + "…")
            try:
                report = run()
            except PROBLEMS as exc:
                status.update(label="Not ingested" if not totals.documents else
                              f"Stopped at {name}: {totals.documents} stored before it", state="error")
                st.error(str(exc))
                return None
            totals.add(report)
            st.write(f"{i + 1}/{n} · " + article_line(name, report))
            if report.match_error:
                st.warning(f"Stored, but not compared with the fact-check archive: {as_text(report.match_error)}")
        bar.progress(1.0, text=f"{n} of {n} done")
        status.update(label="Ingested", state="complete", expanded=False)
    return totals


def show_report(report) -> None:
    if report.documents:
        st.success("Done: " + as_text(report.summary()), icon=":material/check:")
        st.session_state["review_doc_id"] = report.document_ids[0]
        with st.container(horizontal=True):
            st.page_link("app_pages/review.py", label="Review it", icon=":material/fact_check:")
            st.page_link("app_pages/inbox.py", label="See the claims in the Inbox", icon=":material/inbox:")
    else:
        st.info("Everything given is already stored: nothing was added. Pick it on the Review page.")
        st.page_link("app_pages/review.py", label="Go to Review", icon=":material/fact_check:")


def paste_tab() -> None:
    with st.form("ingest_form"):
        name = st.text_input("Name", key="ingest_name", placeholder="e.g. riverton-budget-2024.txt",
                             help="How the article is listed on the Review page.")
        text = st.text_area("Article text", key="ingest_text", height=320)
        submitted = st.form_submit_button("Ingest", type="primary", icon=":material/upload_file:")
    if not submitted:
        return
    if not text.strip():
        st.error("Paste the article's text first.")
        return
    label = name.strip() or "pasted text"
    report = ingest_each([(label, lambda: bench.ingest.text(text, label))])
    if report is not None:
        show_report(report)


def upload_limit_mb() -> int:
    """The uploader's limit: the article size limit (CLAIMS_MAX_BYTES) in whole MB, rounded up, so the
    browser refuses what the server would; the service checks the exact limit again."""
    return max(1, -(-bench.settings.max_bytes // (1024 * 1024)))


def upload_tab() -> None:
    limit = upload_limit_mb()
    files = st.file_uploader("Article files", type=ARTICLE_TYPES, accept_multiple_files=True, key="ingest_files",
                             max_upload_size=limit,
                             help="Plain text, Markdown, HTML pages, or JSON lines with one article per line "
                                  "(a \"text\" field, optional \"title\", \"url\", \"date\"). Up to "
                                  f"{limit} MB a file; CLAIMS_MAX_BYTES sets the limit.")
    if not st.button("Ingest files", type="primary", icon=":material/upload_file:", key="ingest_files_button",
                     disabled=not files):
        return
    uploads = [(f.name, f.getvalue()) for f in files]
    report = ingest_each([(name, lambda one=(name, data): bench.ingest.uploads([one])) for name, data in uploads])
    if report is not None:
        show_report(report)


def url_tab() -> None:
    raw = st.text_area("Web addresses, one per line", key="ingest_urls", height=120,
                       placeholder="https://www.example.org/news/2024/budget-row")
    if not st.button("Fetch and ingest", type="primary", icon=":material/language:", key="ingest_urls_button"):
        return
    urls = [u.strip() for u in raw.splitlines() if u.strip()]
    if not urls:
        st.error("Give at least one web address (http or https).")
        return
    report = ingest_each([(url, lambda one=url: bench.ingest.run([one])) for url in urls])
    if report is not None:
        show_report(report)


def archive_tab() -> None:
    st.caption("Past fact-checks: CSV with a `claim` column (optional `verdict`, `url`, `date`, `speaker`, "
               "`title`), JSON lines, or ClaimReview JSON-LD. Importing the same file again updates it.")
    archive = st.file_uploader("Archive file", type=ARCHIVE_TYPES, key="ingest_archive")
    if not st.button("Import archive", type="primary", icon=":material/library_add:", key="ingest_archive_button",
                     disabled=archive is None):
        return
    with st.status(f"Importing {archive.name}…", expanded=True) as status:
        try:
            st.write("Reading and embedding the fact-checks, then comparing the stored claims with them…")
            compared = {}
            report = bench.archive.import_upload(
                archive.name, archive.getvalue(), progress=Counter(None, "fact-check(s) imported"),
                on_match_start=lambda n: compared.setdefault("bar", Counter(n, "claim(s) compared")),
                match_progress=lambda n: compared["bar"](n) if "bar" in compared else None)
            show_matching(report)
        except PROBLEMS as exc:
            status.update(label="Not imported", state="error")
            st.error(str(exc))
            return
        status.update(label="Imported", state="complete", expanded=False)
    st.success(as_text(report.summary()) + f"; compared {report.matched} claim(s) with the archive.",
               icon=":material/check:")
    if report.problems:
        with st.expander(f"{len(report.problems)} row(s) skipped", icon=":material/warning:"):
            for problem in report.problems:
                st.text(problem)


# --- the screen ----------------------------------------------------------------------------------------

st.title("Ingest", anchor=False)
st.caption("The same text twice is stored once. The first article of a session takes longer: the models load then.")

paste, upload, urls, archive = st.tabs(["Paste text", "Upload files", "From the web", "Fact-check archive"])
with paste:
    paste_tab()
with upload:
    upload_tab()
with urls:
    url_tab()
with archive:
    archive_tab()
