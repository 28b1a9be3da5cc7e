"""Reviewing: verdicts with rationale and evidence, corrected attributions, claims the detector missed, bulk
status and assignee changes, and one verdict for every article that makes the same claim. Every save names
the version the reviewer saw; a stale one raises `ReviewConflict` and writes nothing."""
from __future__ import annotations

from typing import Iterable
from urllib.parse import urlsplit

from claims.pipeline.normalise import normalise_text
from claims.services.common import UseCase
from core.errors import InputError
from core.review import BULK_FIELDS, BUILTIN_STATUSES, GROUP_FIELDS, REVIEWED
from store import repo
from store.db import atomic


def _clean(values: dict) -> dict:
    """What a reviewer typed, without NUL, control, zero-width or bidi characters (as articles are stored)."""
    return {k: normalise_text(v) if isinstance(v, str) else v for k, v in values.items()}


def evidence_links(evidence) -> str:
    """Evidence as stored: one http(s) address a line (a list, or text with a link a line; blank lines dropped).
    Raises InputError naming the first entry that is not a full http(s) address."""
    lines = evidence if isinstance(evidence, (list, tuple)) else str(evidence or "").splitlines()
    links = [line.strip() for line in lines if line and line.strip()]
    for link in links:
        parts = urlsplit(link)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname or any(c.isspace() for c in link):
            raise InputError(f"evidence {link[:80]!r} is not a web address: give full http(s) links, one per line, "
                             "like https://example.org/report")
    return "\n".join(links)


class Reviews(UseCase):
    """Saving reviews; each save appends to the claim's history with the reviewer's name."""

    def named_reviewer(self, reviewer: str = "") -> str:
        """The reviewer a save is made under: the name given, else CLAIMS_REVIEWER, else the login name. Raises
        InputError when there is none, for front ends that refuse to save without a name (`claims review`)."""
        name = normalise_text(reviewer or self.settings.reviewer or "").strip()
        if not name:
            raise InputError("no reviewer named: give your name with --reviewer NAME, or set CLAIMS_REVIEWER")
        return name

    def _reviewer(self, reviewer: str) -> str:
        """Every save names its reviewer (the history says who decided), from a program as from the app."""
        return self.named_reviewer(reviewer)

    def _check_verdict(self, verdict: str | None) -> None:
        if verdict and verdict not in self.settings.verdicts:
            raise InputError(f"unknown verdict {verdict!r}; use one of: {', '.join(self.settings.verdicts)}")

    def _check(self, changes: dict) -> dict:
        """The changes cleaned, with the verdict checked and the evidence as stored (InputError otherwise)."""
        changes = _clean(changes)
        self._check_verdict(changes.get("verdict"))
        if "evidence" in changes:
            changes["evidence"] = evidence_links(changes["evidence"])
        return changes

    def statuses(self) -> list[dict]:
        """The review statuses in workflow order, `{"status", "label", "builtin", "reviewed"}` each: what the
        review form, the Inbox and `claims review --status` offer (CLAIMS_STATUSES renames and adds). `reviewed`
        marks the ones where the review is done (reviewed, published and any status between them)."""
        keys = [k for k, _ in self.settings.statuses]
        done = keys[keys.index(REVIEWED):keys.index("published") + 1]
        return [{"status": k, "label": label, "builtin": k in BUILTIN_STATUSES, "reviewed": k in done}
                for k, label in self.settings.statuses]

    def save(self, claim_id: int, changes: dict, *, reviewer: str = "", expected_version: int | None = None) -> dict:
        """Save review changes; raises ReviewConflict if someone saved since `expected_version`. A verdict saved
        on a new or in-progress claim makes it reviewed. Evidence must be http(s) links (InputError otherwise)."""
        changes = self._check(changes)
        with atomic(self.engine) as s:
            c = repo.update_review(s, claim_id, changes, reviewer=self._reviewer(reviewer),
                                   expected_version=expected_version, statuses=self._status_keys())
            return repo.review_state(c)

    def _status_keys(self) -> tuple[str, ...]:
        return tuple(k for k, _ in self.settings.statuses)

    def edit_attribution(self, sentence_id: int, values: dict, *, reviewer: str = "",
                         expected_version: int | None = None) -> dict | None:
        """Correct a sentence's main attribution. Returns the claim's new review state (None if the
        sentence is not a claim); raises ReviewConflict if the claim was saved since `expected_version`."""
        with atomic(self.engine) as s:
            repo.update_attribution(s, sentence_id, _clean(values), reviewer=self._reviewer(reviewer),
                                    expected_version=expected_version)
            claim = repo.claim_for_sentence(s, sentence_id)
            return repo.review_state(claim) if claim is not None else None

    def add_claim(self, sentence_id: int, *, reviewer: str = "") -> int:
        """Make a sentence the detector passed over a claim (embedded at once, so search finds it)."""
        with atomic(self.engine) as s:
            c = repo.add_claim(s, sentence_id, reviewer or self.settings.reviewer)
            cid, text = c.id, c.text
        embedder = self.bench.embedder
        vec = embedder.encode([text])
        with atomic(self.engine) as s:
            repo.put_vectors(s, "claim", embedder.name, [(cid, vec[0])])
        return cid

    def bulk(self, claim_ids: Iterable[int], changes: dict, *, reviewer: str = "") -> dict:
        """Set the status and/or assignee of many claims in one transaction. Each claim's history records the
        change and the reviewer; a missing claim undoes the whole batch. Returns `{"changed", "unchanged"}`."""
        if set(changes) - set(BULK_FIELDS):
            raise InputError(f"only {' and '.join(BULK_FIELDS)} change in bulk; open a claim to set its verdict")
        if not changes:
            raise InputError("nothing to change: pick a status or an assignee")
        ids = list(dict.fromkeys(int(i) for i in claim_ids))
        if not ids:
            raise InputError("no claims selected: tick the claims to change first")
        return self._many(ids, changes, reviewer)

    def apply_to_group(self, claim_id: int, changes: dict | None = None, *, reviewer: str = "",
                       expected_versions: dict[int, int] | None = None) -> dict:
        """Save one verdict on every claim of `Matches.group(claim_id)`; by default this claim's verdict,
        rationale and evidence. Each claim gets its own new version and history entry naming the reviewer, in
        one transaction: if any of them was saved since the version in `expected_versions` ({claim id:
        version}, what the reviewer was shown), nothing is saved and ReviewConflict says which. Returns
        `{"changed", "unchanged", "claim_ids"}`."""
        if changes is None:
            own = self.bench.browse.claim(claim_id)
            changes = {f: own[f] for f in ("verdict", "rationale", "evidence")}
        if set(changes) - set(GROUP_FIELDS):
            raise InputError(f"only {', '.join(GROUP_FIELDS)} are applied to a group; assign claims on the Inbox")
        if not changes.get("verdict"):
            raise InputError(f"claim {claim_id} has no verdict yet: save one first, then apply it to the group")
        self._check_verdict(changes["verdict"])
        ids = [m["claim_id"] for m in self.bench.matches.group(claim_id)["members"]]
        return {**self._many(ids, changes, reviewer, expected_versions), "claim_ids": ids}

    def _many(self, ids: list[int], changes: dict, reviewer: str,
              expected_versions: dict[int, int] | None = None) -> dict:
        """Apply the same review changes to many claims in one transaction, each with its own new version and
        history entry; a missing claim, or one saved since its `expected_versions` entry, undoes them all."""
        reviewer = self._reviewer(reviewer)
        changes = self._check(changes)
        expected_versions = expected_versions or {}
        changed = 0
        with atomic(self.engine) as s:
            before = {cid: c.version for cid, c in repo.claims_by_ids(s, ids).items()}
            for cid in ids:
                claim = repo.update_review(s, cid, changes, reviewer=reviewer,
                                           expected_version=expected_versions.get(cid), statuses=self._status_keys())
                changed += claim.version != before.get(cid)
        return {"changed": changed, "unchanged": len(ids) - changed}
