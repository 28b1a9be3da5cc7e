"""The README tells the truth: its command-line session runs as shown, its links resolve, and it stays short.

The session is read from the fenced blocks under the README's "command line" heading: each `$ claims ...`
line is a command, the lines after it are its output, and a final `(exit N)` line is its exit status (0 when
absent). The commands run in order, as a user would type them, against one fresh CLAIMS_HOME.
"""
from __future__ import annotations

import ipaddress
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from conftest import IN_CI, ROOT, SHARED

README = ROOT / "README.md"
DOCS = ROOT / "docs"
CLAIMS = Path(sys.executable).parent / "claims"
MAX_README_LINES = 300
# CLAIMS_DETECTOR_BF16=auto runs the detector in bfloat16 on CPUs that have it and in float32 elsewhere;
# scores then differ by 0.010 at most (docs/detector.md). Decimals shown may differ by that much, no more.
DECIMAL_TOLERANCE = 0.011
DECIMAL = re.compile(r"\d+\.\d+")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


# --- reading Markdown -------------------------------------------------------------------------------------

def outside_fences(text: str) -> list[tuple[bool, str]]:
    """(inside a fenced block, line) for every line; fence lines themselves count as inside."""
    out, inside = [], False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            out.append((True, line))
            inside = not inside
            continue
        out.append((inside, line))
    return out


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"`|\*\*|__", "", heading.strip().lower())
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # a link in a heading keeps its words
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    for inside, line in outside_fences(path.read_text(encoding="utf-8")):
        m = None if inside else HEADING.match(line)
        if m:
            base = slug(m.group(2))
            n = seen.get(base, 0)
            seen[base] = n + 1
            out.add(base if n == 0 else f"{base}-{n}")
    return out


def cli_section_blocks(text: str) -> list[list[str]]:
    """The fenced blocks under the heading that names the command line, up to the next heading as high."""
    blocks, level, current = [], None, None
    for inside, line in outside_fences(text):
        if not inside:
            m = HEADING.match(line)
            if m:
                if level is not None and len(m.group(1)) <= level:
                    break
                if level is None and "command line" in m.group(2).lower():
                    level = len(m.group(1))
                continue
        if level is None:
            continue
        if line.lstrip().startswith("```"):
            if current is None:
                current = []
            else:
                blocks.append(current)
                current = None
        elif current is not None:
            current.append(line)
    return blocks


@dataclass
class Step:
    command: str
    shown: list[str] = field(default_factory=list)
    exit_code: int = 0

    @property
    def label(self) -> str:
        return self.command if len(self.command) <= 70 else self.command[:67] + "..."


def readme_session() -> list[Step]:
    steps: list[Step] = []
    for block in cli_section_blocks(README.read_text(encoding="utf-8")):
        step, pending = None, ""
        for line in block:
            if pending or line.startswith("$ "):
                command = (pending + " " + line.strip()) if pending else line[2:].strip()
                if command.endswith("\\"):
                    pending = command[:-1].strip()
                    continue
                pending = ""
                step = Step(command)
                steps.append(step)
            elif step is not None:
                m = re.fullmatch(r"\(exit (\d+)\)", line.strip())
                if m:
                    step.exit_code = int(m.group(1))
                elif line.strip():
                    step.shown.append(line)
    return steps


STEPS = readme_session()


# --- running a step ---------------------------------------------------------------------------------------

def split_command(command: str) -> tuple[list[str], list[list[str]]]:
    """The `claims` arguments, and the filters it is piped through."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars="|")
    lexer.whitespace_split = True
    parts: list[list[str]] = [[]]
    for token in lexer:
        if token == "|":
            parts.append([])
        elif set(token) == {"|"}:
            raise ValueError(f"only plain pipes are understood, not {token!r}: {command}")
        else:
            parts[-1].append(token)
    return parts[0], parts[1:]


def apply_filter(lines: list[str], argv: list[str]) -> list[str]:
    """The `head` and `sed -n ...p` selections the README pipes output through, done in Python."""
    if argv[:1] == ["head"]:
        rest = argv[1:]
        if rest[:1] == ["-n"] and len(rest) == 2 and rest[1].isdigit():
            return lines[: int(rest[1])]
        if len(rest) == 1 and re.fullmatch(r"-\d+", rest[0]):
            return lines[: int(rest[0][1:])]
    if argv[:2] == ["sed", "-n"] and len(argv) == 3:
        m = re.fullmatch(r"(\d+)(?:,(\d+))?p", argv[2])
        if m:
            first = int(m.group(1))
            last = int(m.group(2) or first)
            return lines[first - 1: last]
    raise ValueError(f"tests/test_readme.py does not know the filter `{' '.join(argv)}`; add it to apply_filter")


def touches_network(url: str) -> bool:
    """Whether `claims` would connect for this URL. Private and loopback addresses are refused before any
    connection (CLAIMS_ALLOW_PRIVATE_URLS is unset here), and `localhost` resolves from the hosts file."""
    host = (urlparse(url).hostname or "").rstrip(".").lower()
    if not host:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return True  # a name: resolving it, at least, needs the network
    return not (address.is_private or address.is_loopback or address.is_link_local
                or address.is_unspecified or address.is_reserved)


def shared_paths(args: list[str]) -> list[Path]:
    """The arguments that name files under ../shared."""
    out = []
    for arg in args:
        value = arg.split("=", 1)[1] if arg.startswith("--") and "=" in arg else arg
        if value.startswith("-") or "://" in value:
            continue
        path = (ROOT / value).resolve()
        if path == SHARED.resolve() or SHARED.resolve() in path.parents:
            out.append(path)
    return out


def needs_network(args: list[str]) -> str | None:
    for url in (a for a in args if re.match(r"(?i)https?://", a)):
        if touches_network(url):
            return f"needs the network ({url})"
    return None


def missing_shared(args: list[str]) -> str | None:
    for path in shared_paths(args):
        if not path.exists():
            return f"reads {path}, which is not here (../shared exists on the project's dev and CI machines)"
    return None


@dataclass
class Outcome:
    skipped: str | None = None
    shared_missing: bool = False
    exit_code: int = 0
    lines: list[str] = field(default_factory=list)
    transcript: str = ""


def run_step(step: Step, env: dict) -> Outcome:
    args, filters = split_command(step.command)
    assert args[:1] == ["claims"], f"the README's session should only run `claims`, not: {step.command}"
    reason = needs_network(args)
    if reason:
        return Outcome(skipped=reason)
    reason = missing_shared(args)
    if reason:
        return Outcome(skipped=reason, shared_missing=True)
    done = subprocess.run([str(CLAIMS), *args[1:]], cwd=ROOT, env=env, capture_output=True, text=True,
                          encoding="utf-8", timeout=600)
    out = done.stdout.splitlines()
    for f in filters:
        out = apply_filter(out, f)
    # Errors and warnings go to standard error, which a pipe does not filter: the user sees both.
    lines = out + done.stderr.splitlines()
    transcript = (f"$ {step.command}\n(exit {done.returncode})\n"
                  f"--- stdout ---\n{done.stdout}--- stderr ---\n{done.stderr}")
    return Outcome(exit_code=done.returncode, lines=lines, transcript=transcript)


@pytest.fixture(scope="module")
def session(tmp_path_factory) -> list[Outcome]:
    """Every step of the README's session, run in order in one fresh home (later steps need earlier ones)."""
    home = tmp_path_factory.mktemp("readme-home")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMS_")}
    env.update(CLAIMS_HOME=str(home), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    return [run_step(step, env) for step in STEPS]


def same_line(shown: str, real: str) -> bool:
    """Equal after collapsing whitespace, with decimals allowed DECIMAL_TOLERANCE apart."""
    a, b = " ".join(shown.split()), " ".join(real.split())
    if DECIMAL.sub("#", a) != DECIMAL.sub("#", b):
        return False
    return all(abs(float(x) - float(y)) <= DECIMAL_TOLERANCE
               for x, y in zip(DECIMAL.findall(a), DECIMAL.findall(b)))


# --- the tests --------------------------------------------------------------------------------------------

def test_readme_shows_a_command_line_session():
    assert len(STEPS) >= 5, "no `$ claims ...` session found in the fenced blocks under the command line heading"
    for step in STEPS:
        args, filters = split_command(step.command)
        assert args[:1] == ["claims"], step.command
        for f in filters:
            apply_filter([], f)  # a filter the runner does not know fails here, without the model


@pytest.mark.slow
@pytest.mark.parametrize("index", range(len(STEPS)), ids=[f"{i + 1:02d} {s.label}" for i, s in enumerate(STEPS)])
def test_readme_command_runs_as_shown(session, index):
    step, outcome = STEPS[index], session[index]
    if outcome.skipped:
        if IN_CI and outcome.shared_missing:
            pytest.fail(f"`{step.command}`: {outcome.skipped}; CI must have ../shared")
        pytest.skip(f"`{step.command}` {outcome.skipped}")
    assert outcome.exit_code == step.exit_code, (
        f"`{step.command}` exited {outcome.exit_code}, the README shows {step.exit_code}\n{outcome.transcript}")
    position = 0
    for shown in step.shown:
        found = next((i for i in range(position, len(outcome.lines)) if same_line(shown, outcome.lines[i])), None)
        assert found is not None, (f"`{step.command}` no longer prints this README line (in this order):\n"
                                   f"  {shown.strip()}\n{outcome.transcript}")
        position = found + 1


def markdown_files() -> list[Path]:
    return [README, *sorted(DOCS.glob("*.md"))]


@pytest.mark.parametrize("doc", markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_readme_and_docs_links_resolve(doc):
    text = "\n".join(line for inside, line in outside_fences(doc.read_text(encoding="utf-8")) if not inside)
    broken = []
    for target in LINK.findall(text):
        if re.match(r"(?i)[a-z][a-z0-9+.-]*:", target):  # https:, mailto: ...
            continue
        path_part, _, anchor = target.partition("#")
        path = (doc.parent / unquote(path_part)).resolve() if path_part else doc
        if not path.exists():
            broken.append(f"{target}: no such file")
        elif anchor and path.suffix == ".md" and anchor not in anchors(path):
            broken.append(f"{target}: no heading #{anchor} in {path.relative_to(ROOT)}")
    assert not broken, f"broken links in {doc.relative_to(ROOT)}:\n  " + "\n  ".join(broken)


def test_readme_is_at_most_300_lines():
    n = len(README.read_text(encoding="utf-8").splitlines())
    assert n <= MAX_README_LINES, f"README.md has {n} lines; move detail into docs/ (at most {MAX_README_LINES})"


def test_every_setting_is_documented():
    """Every environment variable that core/settings.py reads has a row in the README's settings table."""
    import re

    names = set(re.findall(r'"(CLAIMS_[A-Z0-9_]+)"', (ROOT / "core" / "settings.py").read_text(encoding="utf-8")))
    names |= set(re.findall(r'^BF16_ENV = "(CLAIMS_[A-Z0-9_]+)"', (ROOT / "core" / "settings.py").read_text(
        encoding="utf-8"), re.M))
    assert len(names) >= 15
    readme = README.read_text(encoding="utf-8")
    assert not [n for n in sorted(names) if f"`{n}`" not in readme], "settings missing from README.md"
