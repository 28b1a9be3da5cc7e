"""The house rules of docs/architecture.md, checked on the import graph of the product code.

Every import counts, a lazy one inside a function too (it runs some day); only imports under
`if TYPE_CHECKING:` are left out. "Reaches" means through any chain of imports, not only directly.

- `core/` (settings, errors, the review vocabulary) reaches nothing else of the project.
- `store/` never reaches `claims/` or Streamlit.
- `claims/pipeline/`, `claims/matching/` and `claims/io/` never reach `store/`, `claims/services/`, Streamlit or
  SQLAlchemy.
- No product module reaches `claims/research/` (training and evaluation), except the CLI's `claims eval`.
- Front ends (`app.py`, `app_pages/`, the `claims/cli/` package) import, of the project, only the services facade
  and `core/` (and the pages their shared `app_pages/common.py`; the CLI its own modules, and `claims/research/`
  for `claims eval`).
- No import cycles among the project's modules.
- No product module over 600 lines, no class with more than 20 public methods.
"""
from __future__ import annotations

import ast
import shutil
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "store", "claims", "app_pages")
MAX_LINES = 600
MAX_PUBLIC_METHODS = 20
FACADE = "claims.services.workbench"
PURE = ("claims.pipeline", "claims.matching", "claims.io")


# --- the import graph -------------------------------------------------------------------------------------
def modules(root: Path) -> dict[str, Path]:
    """Dotted name -> file, for every module of the product (`app.py` and the packages)."""
    out = {}
    if (root / "app.py").exists():
        out["app"] = root / "app.py"
    for pkg in PACKAGES:
        for path in sorted((root / pkg).rglob("*.py")) if (root / pkg).is_dir() else []:
            if "migrations" in path.parts:  # Alembic's scripts, run by Alembic
                continue
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = path
    return out


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imported_names(name: str, path: Path) -> set[str]:
    """Every module `name` imports (absolute dotted names; `from a import b` gives `a.b` and `a`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_pkg = path.name == "__init__.py"
    out: set[str] = set()

    def visit(node):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for sub in child.orelse:
                    visit(sub)
                continue
            if isinstance(child, ast.Import):
                out.update(a.name for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    package = name.split(".") if is_pkg else name.split(".")[:-1]
                    package = package[:len(package) - (child.level - 1)]
                    base = ".".join(package + ([child.module] if child.module else []))
                out.add(base)
                out.update(f"{base}.{a.name}" for a in child.names)
            visit(child)

    visit(tree)
    return out


def graph(root: Path) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(edges between project modules, other top-level packages each module imports directly)."""
    mods = modules(root)
    edges, external = {}, {}
    for name, path in mods.items():
        edges[name], external[name] = set(), set()
        for imp in imported_names(name, path):
            if imp in mods:
                edges[name].add(imp)
            elif imp.split(".")[0] not in PACKAGES and imp.split(".")[0] != "app":
                external[name].add(imp.split(".")[0])
    return edges, external


def reach(edges: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _in(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            strong(v)
    return out


# --- the rules ----------------------------------------------------------------------------------------------
def violations(root: Path) -> list[str]:
    """Every broken rule under `root`, one line each."""
    edges, external = graph(root)
    out = []
    for name in sorted(edges):
        reached = reach(edges, name)
        ext = set().union(external[name], *(external[m] for m in reached))
        chain = {m for m in reached}
        if _in(name, "core"):
            bad = {m for m in chain if not _in(m, "core")}
            if bad:
                out.append(f"{name} (core) reaches {sorted(bad)}")
        if _in(name, "store"):
            bad = sorted({m for m in chain if _in(m, "claims", "app_pages", "app")} | (ext & {"streamlit"}))
            if bad:
                out.append(f"{name} (store) reaches {bad}")
        if _in(name, *PURE):
            bad = sorted({m for m in chain if _in(m, "store", "claims.services", "app_pages", "app")}
                         | (ext & {"streamlit", "sqlalchemy"}))
            if bad:
                out.append(f"{name} (a pure stage) reaches {bad}")
        if not _in(name, "claims.research", "claims.cli"):
            bad = sorted(m for m in chain if _in(m, "claims.research"))
            if bad:
                out.append(f"{name} (product) reaches research code {bad}")
        if name == "app" or _in(name, "app_pages", "claims.cli"):
            allowed = {FACADE, "core", "core.settings", "core.errors", "core.review", "claims", "claims.services"}
            own = {m for m in edges[name] if not _in(m, "app_pages")} if not _in(name, "claims.cli") else {
                m for m in edges[name] if not _in(m, "claims.research", "claims.cli")}
            bad = sorted(own - allowed)
            if bad:
                out.append(f"{name} (a front end) imports {bad}; go through {FACADE}")
            if external[name] & {"sqlalchemy", "faiss"}:
                out.append(f"{name} (a front end) imports {sorted(external[name] & {'sqlalchemy', 'faiss'})}")
    for comp in cycles(edges):
        out.append(f"import cycle: {' <-> '.join(comp)}")
    for name, path in sorted(modules(root).items()):
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > MAX_LINES:
            out.append(f"{name} has {n} lines (at most {MAX_LINES})")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                public = [f.name for f in node.body
                          if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)) and not f.name.startswith("_")]
                if len(public) > MAX_PUBLIC_METHODS:
                    out.append(f"{name}.{node.name} has {len(public)} public methods (at most {MAX_PUBLIC_METHODS})")
    return out


def test_the_house_keeps_its_rules():
    assert violations(ROOT) == []


def test_the_graph_sees_lazy_imports_and_packages():
    edges, external = graph(ROOT)
    assert FACADE in edges["claims.cli._util"]  # imported inside a function
    assert {"claims.cli._util", "claims.cli.ingest", "claims.cli.eval"} <= edges["claims.cli"]  # a package's modules
    assert FACADE in reach(edges, "claims.cli")
    assert "claims.pipeline.extract" in reach(edges, FACADE)
    assert "store.repo" in reach(edges, FACADE) and "sqlalchemy" in external["store.db"]
    assert "claims.research.eval_detect" in edges["claims.cli.eval"]  # `claims eval`, the one allowed use


# --- the rules catch what they are for: each planted in a copy of the tree ---------------------------------
@pytest.fixture
def tree(tmp_path):
    for part in (*PACKAGES, "app.py"):
        src = ROOT / part
        if src.is_dir():
            shutil.copytree(src, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__", "data"))
        else:
            shutil.copy(src, tmp_path / part)
    assert violations(tmp_path) == []
    return tmp_path


def plant(root: Path, rel: str, code: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(code), encoding="utf-8")


@pytest.mark.parametrize("rel, code, found", [
    # store reaching claims through a chain: store -> core is fine, store -> claims.io -> ... is not
    ("store/planted.py", "def f():\n    from claims.io import readers\n", "store.planted (store) reaches"),
    ("store/planted.py", "import streamlit\n", "store.planted (store) reaches ['streamlit']"),
    # a pipeline stage reaching the database two steps away
    ("claims/pipeline/planted.py", "from claims.matching import planted_too\n", "claims.pipeline.planted (a pure stage)"),
    ("claims/matching/planted.py", "from sqlalchemy import select\n", "claims.matching.planted (a pure stage)"),
    ("claims/io/planted.py", "from claims.services import workbench\n", "claims.io.planted (a pure stage)"),
    ("core/planted.py", "from store import repo\n", "core.planted (core) reaches"),
    ("claims/services/planted.py", "from claims.research import train_match\n", "reaches research code"),
    ("app_pages/planted.py", "from store import repo\n", "app_pages.planted (a front end) imports ['store', 'store.repo']"),
    ("app_pages/planted.py", "from claims.pipeline.clean import clean\n", "(a front end) imports"),
    ("claims/cli/planted.py", "from store import repo\n", "claims.cli.planted (a front end) imports ['store', 'store.repo']"),
    ("claims/cli/planted.py", "def f():\n    from claims.services.review import save\n", "claims.cli.planted (a front end)"),
    ("claims/pipeline/planted.py", "from claims.pipeline import planted_two\n", "import cycle"),
    ("claims/pipeline/planted.py", "x = 1\n" * 601, "claims.pipeline.planted has 601 lines"),
    ("claims/services/planted.py",
     "class Big:\n" + "".join(f"    def m{i}(self):\n        pass\n" for i in range(21)),
     "claims.services.planted.Big has 21 public methods"),
])
def test_a_planted_violation_is_caught(tree, rel, code, found):
    plant(tree, rel, code)
    if "planted_too" in code:
        plant(tree, "claims/matching/planted_too.py", "from store import repo\n")
    if "planted_two" in code:
        plant(tree, "claims/pipeline/planted_two.py", "from claims.pipeline import planted\n")
    assert any(found in v for v in violations(tree)), violations(tree)


def test_type_checking_imports_do_not_count(tree):
    plant(tree, "claims/pipeline/planted.py",
          "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from store import repo\n")
    assert violations(tree) == []


def test_the_picture_names_every_package():
    picture = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for pkg in ("core/", "store/", "claims/pipeline/", "claims/matching/", "claims/io/", "claims/services/",
                "claims/research/", "app_pages/", "claims/cli/"):
        assert pkg in picture, f"docs/architecture.md does not show {pkg}"
