"""The review vocabulary, one list each for the store (which checks values), the services and every page."""

#: A claim's review status, in the order the pages offer it.
STATUSES = ("new", "accepted", "dismissed")

#: Every field a review saves.
REVIEW_FIELDS = ("status", "verdict", "rationale", "evidence", "assignee")

#: What changes for many claims at once on the Inbox.
BULK_FIELDS = ("status", "assignee")

#: What one verdict carries to every article that makes the same claim.
GROUP_FIELDS = ("status", "verdict", "rationale", "evidence")
