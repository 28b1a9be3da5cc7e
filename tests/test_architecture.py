"""Imports flow one way: UI and CLI -> claims/service.py -> pipeline modules and store/."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PIPELINE = ["clean", "split", "detect", "features", "claim_types", "attribute", "nlp", "embed", "pipeline",
            "types", "archive", "export", "readers", "fetch"]


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the package
                pkg = path.parent.name
                out.add(f"{pkg}.{node.module}" if node.module else pkg)
            elif node.module:
                out.add(node.module)
    return out


@pytest.mark.parametrize("path", sorted((ROOT / "store").glob("*.py")), ids=lambda p: p.name)
def test_store_never_imports_claims(path):
    assert not {m for m in imports(path) if m == "claims" or m.startswith("claims.")}


@pytest.mark.parametrize("name", PIPELINE)
def test_pipeline_modules_import_neither_store_nor_streamlit(name):
    path = ROOT / "claims" / f"{name}.py"
    if not path.exists():
        pytest.skip(f"{path.name} does not exist")
    bad = {m for m in imports(path) if m.split(".")[0] in ("store", "streamlit", "sqlalchemy")}
    assert not bad, f"{path.name} imports {bad}"


@pytest.mark.parametrize("path", [ROOT / "app.py", *sorted((ROOT / "app_pages").glob("*.py")), ROOT / "claims" / "cli.py"],
                         ids=lambda p: p.name)
def test_ui_and_cli_go_through_the_service(path):
    allowed = {"claims.service", "claims.settings", "claims.errors", "claims"}
    own = {m for m in imports(path) if m.split(".")[0] in ("claims", "store")}
    # measurement commands (`claims eval ...`) are use cases of their own, in claims/eval_*.py
    own = {m for m in own if not m.startswith("claims.eval_")}
    assert own <= allowed, f"{path.name} imports {own - allowed}"
