"""The context probe's neighbours and folds (claims.research.context_probe)."""
from __future__ import annotations

import numpy as np

from claims.research.context_probe import folds_by_id, neighbours


def test_a_neighbour_is_the_next_or_previous_id_and_zero_where_there_is_none():
    vectors = {10: np.array([1.0, 0.0]), 11: np.array([0.0, 1.0]), 13: np.array([2.0, 2.0])}
    ids = np.array([10, 11, 13])
    before = neighbours(ids, vectors, (-1,))
    assert before.tolist() == [[0.0, 0.0], [1.0, 0.0], [0.0, 0.0]]  # 12 is missing: no sentence before 13
    around = neighbours(ids, vectors, (1, 2))
    assert around.tolist() == [[0.0, 1.0], [2.0, 2.0], [0.0, 0.0]]  # 11 and 12 (missing) after 10: only 11


def test_folds_are_blocks_of_consecutive_ids():
    ids = np.array([5, 1, 4, 2, 3, 6, 8, 7])
    fold = folds_by_id(ids, k=4)
    by_id = dict(zip(ids.tolist(), fold.tolist()))
    assert [by_id[i] for i in range(1, 9)] == [0, 0, 1, 1, 2, 2, 3, 3]
