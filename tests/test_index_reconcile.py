"""The FAISS index is derived data: opened next to a database it does not match (vectors stored since, rows
deleted, files left from another or an older database), it reconciles before it answers."""
import numpy as np
from sqlalchemy import delete

from conftest import unit
from store import repo
from store.db import atomic, make_engine, session_factory
from store.index import open_index
from store.models import Vector

MODEL, DIM = "test/vectors", 8


def _vec(i: int) -> np.ndarray:
    rng = np.random.default_rng(i)
    return unit(rng.normal(size=DIM))


def _put(engine, refs):
    with atomic(engine) as s:
        repo.put_vectors(s, "claim", MODEL, [(r, _vec(r)) for r in refs])


def _open(engine, directory):
    with session_factory(engine)() as s:
        return open_index(s, directory, "claim-test", "claim", MODEL, DIM)


def _ids(index) -> set[int]:
    import faiss

    return set(int(i) for i in faiss.vector_to_array(index.index.id_map))


def _top(index, ref) -> int:
    return index.search(_vec(ref)[None, :], 1)[0][0][0]


def test_index_missing_vectors_adds_them_on_open(db_url, tmp_path):
    engine = make_engine(db_url)
    _put(engine, range(1, 11))
    assert _open(engine, tmp_path).count == 10  # saved with 10
    _put(engine, range(11, 16))  # stored since, by another process say
    index = _open(engine, tmp_path)
    assert index.count == 15 and _ids(index) == set(range(1, 16))
    assert _top(index, 13) == 13
    engine.dispose()


def test_index_with_extra_vectors_drops_them_on_open(db_url, tmp_path):
    engine = make_engine(db_url)
    _put(engine, range(1, 11))
    assert _open(engine, tmp_path).count == 10
    with atomic(engine) as s:  # claims (and their vectors) deleted in the database
        s.execute(delete(Vector).where(Vector.ref_id.in_([3, 7])))
    index = _open(engine, tmp_path)
    assert index.count == 8 and _ids(index) == set(range(1, 11)) - {3, 7}
    assert _top(index, 3) != 3
    engine.dispose()


def test_index_with_extra_and_missing_vectors_in_equal_number(db_url, tmp_path):
    engine = make_engine(db_url)
    _put(engine, range(1, 11))
    assert _open(engine, tmp_path).count == 10
    with atomic(engine) as s:
        s.execute(delete(Vector).where(Vector.ref_id == 4))
    _put(engine, [42])  # same count as the saved index, one vector more and one less
    index = _open(engine, tmp_path)
    assert index.count == 10 and _ids(index) == (set(range(1, 11)) - {4}) | {42}
    assert _top(index, 42) == 42
    engine.dispose()


def test_index_file_from_a_larger_database_is_rebuilt(db_url, tmp_path):
    engine = make_engine(db_url)
    _put(engine, range(1, 21))
    assert _open(engine, tmp_path).count == 20
    with atomic(engine) as s:  # the database is emptied and refilled (restored from an older backup, say)
        s.execute(delete(Vector))
    _put(engine, range(101, 106))
    index = _open(engine, tmp_path)
    assert index.count == 5 and _ids(index) == set(range(101, 106))
    engine.dispose()


def test_index_file_from_another_database_of_the_same_size_is_rebuilt(tmp_path):
    """Two databases whose vector rows have the same count, row ids and ref ids but other vectors (a database
    made again from other articles): the saved index must not answer with the old vectors."""
    first = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    _put(first, range(1, 11))
    assert _open(first, tmp_path / "index").count == 10
    first.dispose()
    (tmp_path / "a.db").unlink()
    again = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    with atomic(again) as s:
        repo.put_vectors(s, "claim", MODEL, [(r, _vec(r + 1000)) for r in range(1, 11)])
    index = _open(again, tmp_path / "index")
    assert index.count == 10
    got = index.vectors([5])[5]
    assert np.allclose(got, _vec(1005), atol=1e-5), "the index still holds the old database's vectors"
    again.dispose()


def test_a_replaced_vector_reaches_an_index_already_open(db_url, tmp_path):
    """Re-embedding a claim (or re-importing a fact-check with new text) stores its vector under a new row,
    which the next sync of any process picks up."""
    engine = make_engine(db_url)
    _put(engine, range(1, 6))
    index = _open(engine, tmp_path)
    with atomic(engine) as s:
        repo.put_vectors(s, "claim", MODEL, [(3, _vec(333))])
    with session_factory(engine)() as s:
        assert index.sync(s) != "ok"
        assert repo.vector_stats(s, "claim", MODEL)[0] == 5
    assert index.count == 5 and np.allclose(index.vectors([3])[3], _vec(333), atol=1e-6)
    assert np.allclose(_open(engine, tmp_path).vectors([3])[3], _vec(333), atol=1e-6)
    engine.dispose()
