"""Probe: how far does fine-tuning all-MiniLM-L6-v2 take check-worthiness on CT24, and which part to tune?

Variants: full fine-tune, only the top K transformer layers (the lower layers stay shared with the frozen
embedding model used for search), and LoRA on query/value. Mean pooling + a linear head, class-weighted
cross-entropy, max length 64. Reports, per variant and seed: dev F1 at the best dev threshold, dev-test F1 at
that threshold and at a threshold set from dev's positive rate, and average precision; writes JSON.

This is a measurement script (run on any device: it picks CUDA when present); it ships nothing.
  python bench/finetune_probe.py --data ../shared/data/ct24/ct24_english.tsv --model <MiniLM dir> --out results.json
"""
from __future__ import annotations

import argparse
import csv
import json
import time

import numpy as np
import torch
from sklearn.metrics import average_precision_score, f1_score
from transformers import AutoModel, AutoTokenizer


def load(path):
    rows = {"train": [], "dev": [], "dev-test": []}
    with open(path, newline="", encoding="utf-8") as fh:
        for r in csv.DictReader(fh, delimiter="\t"):
            rows[r["split"]].append((r["text"], int(r["label"])))
    return rows


class Clf(torch.nn.Module):
    def __init__(self, base):
        super().__init__()
        self.base = base
        self.head = torch.nn.Linear(base.config.hidden_size, 2)

    def forward(self, ids, mask):
        h = self.base(input_ids=ids, attention_mask=mask).last_hidden_state
        m = mask.unsqueeze(-1).to(h.dtype)
        pooled = (h * m).sum(1) / m.sum(1).clamp(min=1)
        return self.head(pooled)


def build(model_dir, variant, device):
    base = AutoModel.from_pretrained(model_dir, torch_dtype=torch.float32)
    if variant.startswith("top"):
        k = int(variant[3:])
        n = base.config.num_hidden_layers
        for name, p in base.named_parameters():
            p.requires_grad = any(name.startswith(f"encoder.layer.{i}.") for i in range(n - k, n))
    elif variant.startswith("lora"):
        from peft import LoraConfig, get_peft_model

        base = get_peft_model(base, LoraConfig(r=16, lora_alpha=32, lora_dropout=0.1,
                                               target_modules=["query", "value"]))
    return Clf(base).to(device)


def predict(model, enc, device, bs=256):
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, enc["input_ids"].shape[0], bs):
            logits = model(enc["input_ids"][i:i + bs].to(device), enc["attention_mask"][i:i + bs].to(device))
            out.append(torch.softmax(logits.float(), -1)[:, 1].cpu().numpy())
    return np.concatenate(out)


def best_threshold(y, p):
    cands = np.unique(np.round(p, 4))
    f = [f1_score(y, p >= t) for t in cands]
    return float(cands[int(np.argmax(f))]), float(max(f))


def run(rows, tok, model_dir, variant, seed, device, epochs, lr, bs, max_len):
    torch.manual_seed(seed)
    np.random.seed(seed)
    enc = {s: tok([t for t, _ in rows[s]], padding="max_length", truncation=True, max_length=max_len,
                  return_tensors="pt") for s in rows}
    y = {s: np.array([l for _, l in rows[s]]) for s in rows}
    model = build(model_dir, variant, device)
    params = [p for p in model.parameters() if p.requires_grad]
    n_params = sum(p.numel() for p in params)
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    n = len(y["train"])
    steps = epochs * ((n + bs - 1) // bs)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.1)
    pos = y["train"].mean()
    weight = torch.tensor([0.5 / (1 - pos), 0.5 / pos], dtype=torch.float32, device=device)
    lossf = torch.nn.CrossEntropyLoss(weight=weight)
    t0 = time.time()
    for _ in range(epochs):
        model.train()
        order = np.random.permutation(n)
        for i in range(0, n, bs):
            idx = torch.as_tensor(order[i:i + bs])
            logits = model(enc["train"]["input_ids"][idx].to(device), enc["train"]["attention_mask"][idx].to(device))
            loss = lossf(logits, torch.as_tensor(y["train"][idx], device=device))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    train_s = time.time() - t0
    p_dev = predict(model, enc["dev"], device)
    p_test = predict(model, enc["dev-test"], device)
    t, f_dev = best_threshold(y["dev"], p_dev)
    # threshold from an expected positive rate: the rate of the training data
    t_rate = float(np.quantile(p_dev, 1 - y["train"].mean()))
    return {
        "variant": variant, "seed": seed, "lr": lr, "epochs": epochs, "trainable_params": n_params,
        "train_seconds": round(train_s, 1),
        "dev_f1": round(f_dev, 4), "dev_ap": round(average_precision_score(y["dev"], p_dev), 4),
        "threshold": round(t, 4),
        "devtest_f1_at_dev_threshold": round(f1_score(y["dev-test"], p_test >= t), 4),
        "devtest_f1_at_rate_threshold": round(f1_score(y["dev-test"], p_test >= t_rate), 4),
        "devtest_best_f1": round(best_threshold(y["dev-test"], p_test)[1], 4),
        "devtest_ap": round(average_precision_score(y["dev-test"], p_test), 4),
        "devtest_positive_rate_at_dev_threshold": round(float((p_test >= t).mean()), 4),
    }, p_dev, p_test


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--variants", default="full:3e-5,top2:1e-4,top1:2e-4,lora:5e-4")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--bs", type=int, default=32)
    ap.add_argument("--max-len", type=int, default=64)
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    rows = load(args.data)
    tok = AutoTokenizer.from_pretrained(args.model)
    results, ens = [], {}
    for spec in args.variants.split(","):
        variant, lr = spec.split(":")
        for seed in [int(s) for s in args.seeds.split(",")]:
            r, p_dev, p_test = run(rows, tok, args.model, variant, seed, device, args.epochs, float(lr), args.bs,
                                   args.max_len)
            print(json.dumps(r), flush=True)
            results.append(r)
            ens.setdefault(variant, []).append((p_dev, p_test))
    y_dev = np.array([l for _, l in rows["dev"]])
    y_test = np.array([l for _, l in rows["dev-test"]])
    summary = {}
    for variant, preds in ens.items():
        p_dev = np.mean([p for p, _ in preds], 0)
        p_test = np.mean([p for _, p in preds], 0)
        t, f = best_threshold(y_dev, p_dev)
        summary[variant] = {"seeds": len(preds), "dev_f1": round(f, 4),
                            "devtest_f1_at_dev_threshold": round(f1_score(y_test, p_test >= t), 4),
                            "devtest_ap": round(average_precision_score(y_test, p_test), 4)}
        print(variant, "seed-average", json.dumps(summary[variant]), flush=True)
    with open(args.out, "w") as fh:
        json.dump({"device": torch.cuda.get_device_name() if device == "cuda" else "cpu", "runs": results,
                   "seed_average": summary}, fh, indent=2)


if __name__ == "__main__":
    main()
