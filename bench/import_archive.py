"""Importing the 14,231-claim CheckThat! 2022 archive with the real MiniLM model into a fresh SQLite database.

The archive (../shared/data/checkthat2022_2a/vclaims.jsonl, see its SOURCE.md) is converted to the JSONL that
`claims import-factchecks` reads (claim, title, date, url) in a temporary folder, never in the repository, then
imported through `Workbench.archive.import_file` (what the command calls) with a progress bar. Prints the total
and its split (parse, embed, store, index; loading the model apart) and writes
bench/results/import_archive.json. With --cli, also times the command itself, start to finish, on another
fresh database. Never asserts anything.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from claims.services.workbench import Workbench  # noqa: E402
from core.settings import load_settings  # noqa: E402


def convert(vclaims: Path, out: Path) -> int:
    """CheckThat!'s vclaims.jsonl -> our archive JSONL; returns the number of records."""
    n = 0
    with open(vclaims, encoding="utf-8") as src, open(out, "w", encoding="utf-8") as dst:
        for line in src:
            if not line.strip():
                continue
            r = json.loads(line)
            dst.write(json.dumps({"claim": r.get("vclaim") or "", "title": r.get("title") or "",
                                  "date": r.get("date") or "", "url": r.get("page_url") or ""},
                                 ensure_ascii=False) + "\n")
            n += 1
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "checkthat2022_2a"))
    ap.add_argument("--cli", action="store_true", help="also time `claims import-factchecks` end to end")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "import_archive.json"))
    args = ap.parse_args()
    vclaims = Path(args.data) / "vclaims.jsonl"
    if not vclaims.exists():
        sys.exit(f"{vclaims} is not here: this benchmark needs ../shared/data/checkthat2022_2a")

    with tempfile.TemporaryDirectory(prefix="claims-import-bench-") as tmp:
        archive = Path(tmp) / "checkthat-vclaims.jsonl"
        records = convert(vclaims, archive)
        wb = Workbench(load_settings(home=str(Path(tmp) / "home")))
        t = time.perf_counter()
        wb.embedder.encode(["warm up"])
        load_s = time.perf_counter() - t

        from tqdm import tqdm

        with tqdm(desc="import", unit="check", file=sys.stderr, disable=None, leave=False) as bar:
            load_before = os.getloadavg()[0]
            t, cpu = time.perf_counter(), time.process_time()
            report = wb.archive.import_file(archive, progress=bar.update, on_start=lambda n: bar.reset(total=n))
            total_s, cpu_s = time.perf_counter() - t, time.process_time() - cpu
        stats = wb.browse.stats()
        index_meta = json.loads(wb.indexes.get("factcheck").meta_path.read_text())
        wb.engine.dispose()
        out = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": platform.platform(),
               "cpus": os.cpu_count(), "load_average": os.getloadavg(), "records": records, "created": report.created, "updated": report.updated,
               "problems": len(report.problems), "stored": stats["factchecks"], "model_load_s": round(load_s, 2),
               "import_s": round(total_s, 2), "split_s": {k: round(v, 2) for k, v in report.seconds.items()},
               # CPU seconds of this process (all its threads): what the import costs whatever else runs
               "import_cpu_s": round(cpu_s, 2), "load_average_at_start": load_before,
               "index": index_meta}
        print(f"{records:,} records -> {report.summary()} ({stats['factchecks']:,} stored)")
        print(f"import {total_s:.1f} s: " + ", ".join(f"{k} {v:.1f} s" for k, v in report.seconds.items())
              + f"; loading the model {load_s:.1f} s apart")
        print(f"CPU time {cpu_s:.1f} s over {os.cpu_count()} cores (load average {load_before:.1f} at the start, "
              f"{os.getloadavg()[0]:.1f} at the end)")

        if args.cli:
            env = {**os.environ, "CLAIMS_HOME": str(Path(tmp) / "cli-home")}
            env.pop("CLAIMS_DB", None)
            t = time.perf_counter()
            res = subprocess.run([str(Path(sys.executable).parent / "claims"), "import-factchecks", str(archive)],
                                 env=env, capture_output=True, text=True)
            cli_s = time.perf_counter() - t
            out["cli"] = {"seconds": round(cli_s, 2), "exit": res.returncode, "output": res.stdout.strip()}
            print(f"`claims import-factchecks` start to finish: {cli_s:.1f} s ({res.stdout.strip()})")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
