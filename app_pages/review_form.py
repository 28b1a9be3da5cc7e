"""The review form of one claim, as the Claim and Review pages show it: status, verdict, (assignee,) rationale and
evidence links, saved against the version the tab showed, so a save that crosses someone else's is refused and
shows theirs (`conflict_notice`) instead of replacing it.

Each page draws it with its own key prefix ("claim", "review"): widget keys are `{prefix}_{field}_{claim_id}`
(`review_verdict_12`), the form is `{prefix}_form_{claim_id}`, the version the tab showed is
`{prefix}_seen_{claim_id}` and the message for the next run is `{prefix}_saved`."""
from __future__ import annotations

from functools import partial

import streamlit as st

from app_pages import common
from app_pages.common import conflict_notice, require_reviewer
from core.errors import ReviewConflict, WorkbenchError
from core.review import REVIEW_FIELDS, STATUSES


def field_key(prefix: str, field: str, claim_id: int) -> str:
    """The session_state key of one of a page's widgets (or values) for one claim."""
    return f"{prefix}_{field}_{claim_id}"


def seen_version(prefix: str, claim_id: int, version: int) -> int:
    """The version this tab showed when the reviewer started; a save from an older version is a conflict."""
    return st.session_state.setdefault(field_key(prefix, "seen", claim_id), version)


def forget_edits(prefix: str, claim_id: int, also: tuple[str, ...] = ()) -> None:
    """Drop this tab's unsaved edits of the claim (the review's fields and `also`, the page's other widgets for it),
    so its forms show what is saved."""
    for field in (*REVIEW_FIELDS, "seen", *also):
        st.session_state.pop(field_key(prefix, field, claim_id), None)


def accept_version(prefix: str, claim_id: int, version: int) -> None:
    """The reviewer has seen the other save and chooses to replace it with their edits."""
    st.session_state[field_key(prefix, "seen", claim_id)] = version


def report_saved(prefix: str, message: str) -> None:
    """Keep `message` for the page's next run (which `show_saved` draws): a save reruns the page."""
    st.session_state[f"{prefix}_saved"] = message


def show_saved(prefix: str) -> None:
    """The message the last save left, once."""
    saved = st.session_state.pop(f"{prefix}_saved", None)
    if saved:
        st.success(saved, icon=":material/check:")


def conflict(prefix: str, claim_id: int, exc: ReviewConflict, *, what: str, also: tuple[str, ...] = ()) -> None:
    """The conflict notice for a save of this page's forms that someone else's save crossed."""
    conflict_notice(claim_id, exc, what=what, key_of=partial(field_key, prefix),
                    forget=partial(forget_edits, prefix, also=also), accept=partial(accept_version, prefix))


def review_form(prefix: str, claim_id: int, claim: dict, *, what: str = "claim", assignee: bool = False,
                compact: bool = False, also_forget: tuple[str, ...] = ()) -> None:
    """Draw the review form of one claim and save it when submitted.

    `claim` holds the saved review (status, verdict, rationale, evidence, assignee, version). `what` names the
    thing in the conflict notice ("claim", "review"); `assignee` adds the "Assigned to" field; `compact` draws
    shorter text areas; `also_forget` names the page's other widgets for the claim that "Discard my edits" drops."""
    bench = common.get_bench()  # looked up per call: the module outlives a page run
    seen = seen_version(prefix, claim_id, claim["version"])
    key = partial(field_key, prefix)
    verdicts = ["", *bench.settings.verdicts]
    if claim["verdict"] not in verdicts:
        verdicts.append(claim["verdict"])  # a verdict from an older scale stays visible
    status = claim["status"] if claim["status"] in STATUSES else STATUSES[0]
    rationale_height, evidence_height = (90, 70) if compact else (110, 80)
    with st.form(key("form", claim_id), border=False):
        st.radio("Status", STATUSES, index=STATUSES.index(status), horizontal=True, key=key("status", claim_id))
        st.selectbox("Verdict", verdicts, index=verdicts.index(claim["verdict"]),
                     format_func=lambda v: v or "(no verdict yet)", key=key("verdict", claim_id))
        if assignee:
            st.text_input("Assigned to", value=claim["assignee"], key=key("assignee", claim_id))
        st.text_area("Rationale", value=claim["rationale"], key=key("rationale", claim_id), height=rationale_height)
        st.text_area("Evidence links", value=claim["evidence"], key=key("evidence", claim_id),
                     height=evidence_height, help="One link per line.")
        submitted = st.form_submit_button("Save", type="primary", icon=":material/save:")
    if not submitted:
        return
    name = require_reviewer()
    if name is None:
        return
    fields = [f for f in REVIEW_FIELDS if assignee or f != "assignee"]
    changes = {f: st.session_state[key(f, claim_id)] for f in fields}
    try:
        saved = bench.reviews.save(claim_id, changes, reviewer=name, expected_version=seen)
    except ReviewConflict as exc:
        conflict(prefix, claim_id, exc, what=what, also=also_forget)
        return
    except WorkbenchError as exc:
        st.error(str(exc))
        return
    st.session_state[key("seen", claim_id)] = saved["version"]
    report_saved(prefix, f"Saved your review of claim {claim_id}.")
    st.rerun()
