"""Ingest: paste an article, upload files or give URLs; each is stored with its sentences, claims and sources,
then compared with the fact-check archive. The archive itself is imported here too."""
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


def ingest_with_status(label: str, run, total: int | None):
    """Run one ingest inside a status box with a progress bar; None when it failed (the message is shown)."""
    with st.status(label, expanded=True) as status:
        st.write("Splitting into sentences, scoring claims and finding their sources…")
        try:
            report = run(Counter(total, "article(s)"))
            show_matching(report)
        except PROBLEMS as exc:
            status.update(label="Not ingested", state="error")
            st.error(str(exc))
            return None
        status.update(label="Ingested", state="complete", expanded=False)
    return report


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
    report = ingest_with_status("Ingesting…", lambda progress: bench.ingest.text(text, name.strip() or "pasted text",
                                                                                progress=progress), 1)
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
    report = ingest_with_status(f"Ingesting {len(uploads)} file(s)…",
                                lambda progress: bench.ingest.uploads(uploads, progress=progress), len(uploads))
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
    report = ingest_with_status(f"Fetching {len(urls)} page(s)…",
                                lambda progress: bench.ingest.run(urls, progress=progress), len(urls))
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
