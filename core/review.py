"""The review vocabulary, one list each for the store (which checks values), the services and every page.

A claim moves new -> in progress -> reviewed -> published, or is dismissed. These five keep their meaning
whatever the newsroom calls them: CLAIMS_STATUSES (read in `core.settings`) may rename their labels and put
statuses of its own between them, e.g. `new=To triage|in progress|second look|reviewed|published=Live|dismissed`.
The stored value is always the key (left of `=`); the label is what the pages show."""
from __future__ import annotations

from core.settings import statuses as _configured

NEW, IN_PROGRESS, REVIEWED, PUBLISHED, DISMISSED = "new", "in progress", "reviewed", "published", "dismissed"

#: The built-in statuses, in workflow order.
BUILTIN_STATUSES = (NEW, IN_PROGRESS, REVIEWED, PUBLISHED, DISMISSED)

#: A saved verdict moves a claim in one of these to `reviewed` (never a published or dismissed one back).
BEFORE_VERDICT = (NEW, IN_PROGRESS)

#: (status, label) pairs in the order the pages offer them: the built-ins, or CLAIMS_STATUSES.
STATUS_CHOICES: tuple[tuple[str, str], ...] = _configured()

#: A claim's review status (the stored values), in the order the pages offer them.
STATUSES: tuple[str, ...] = tuple(key for key, _ in STATUS_CHOICES)

#: Every field a review saves.
REVIEW_FIELDS = ("status", "verdict", "rationale", "evidence", "assignee")

#: What changes for many claims at once on the Inbox.
BULK_FIELDS = ("status", "assignee")

#: What one verdict carries to every article that makes the same claim.
GROUP_FIELDS = ("status", "verdict", "rationale", "evidence")


def status_label(status: str) -> str:
    """What the pages call a stored status (its CLAIMS_STATUSES label; the value itself otherwise)."""
    return dict(STATUS_CHOICES).get(status, status)


def status_after(old_status: str, old_verdict: str, changes: dict) -> str | None:
    """The status a save sets on its own, or None: a verdict saved on a new or in-progress claim makes it
    reviewed (the review form sends the status it shows with every save). A save that moves the status by hand
    and keeps the verdict as it was (re-opening a reviewed claim, say) is left as asked."""
    verdict = changes.get("verdict")
    if not verdict:
        return None
    if changes.get("status", old_status) not in BEFORE_VERDICT:
        return None
    if "status" in changes and changes["status"] != old_status and verdict == old_verdict:
        return None
    return REVIEWED
