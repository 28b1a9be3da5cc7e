"""GPU sweep: which fine-tuning depth/LoRA reaches the detector targets (CV on CT24 train + news)."""
import json, math, os, sys, time
import numpy as np, torch
from transformers import BertModel, BertTokenizerFast

VARIANTS = {
    "top2": dict(full=[4, 5], lr=1e-4),
    "top3": dict(full=[3, 4, 5], lr=1e-4),
    "top4": dict(full=[2, 3, 4, 5], lr=1e-4),
    "full6": dict(full=[0, 1, 2, 3, 4, 5], lr=5e-5),
    "lora_qv": dict(lora=[0, 1, 2, 3, 4, 5], targets=("query", "value"), r=16, lora_lr=5e-4),
    "lora_all": dict(lora=[0, 1, 2, 3, 4, 5], targets=("query", "key", "value", "attention.output.dense", "intermediate.dense", "output.dense"), r=16, lora_lr=5e-4),
    "top2_lora_lo": dict(full=[4, 5], lr=1e-4, lora=[0, 1, 2, 3], targets=("query", "key", "value", "attention.output.dense", "intermediate.dense", "output.dense"), r=16, lora_lr=5e-4),
    "lora_top4": dict(lora=[2, 3, 4, 5], targets=("query", "key", "value", "attention.output.dense", "intermediate.dense", "output.dense"), r=32, lora_lr=5e-4),
}
name = sys.argv[1]; out_dir = sys.argv[2]
spec = VARIANTS[name.split("@")[0]]
NEWS_W_ENV = os.environ.get("NEWS_W")
EPOCHS = int(os.environ.get("EPOCHS", 3)); BATCH = 32; NEWS_W = float(os.environ.get("NEWS_W", 10.0)); HEAD_LR = 1e-3
torch.set_num_threads(2)
dev = "cuda" if torch.cuda.is_available() else "cpu"
SMOKE = bool(os.environ.get("SMOKE"))
torch.backends.cuda.matmul.allow_tf32 = True
D = dict(np.load(".devx/data.npz"))
if os.environ.get("ALL"):
    D["news_texts"], D["news_y"], D["news_raw"], D["news_fold"] = D["all_texts"], D["all_y"], D["all_raw"], D["all_fold"]
    D["held_texts"], D["held_y"], D["held_raw"] = D["news_texts"][:5], D["news_y"][:5], D["news_raw"][:5]
tok = BertTokenizerFast.from_pretrained(".devx/model")
splits = ("train", "dev", "dev-test", "news", "held")
enc = {}
for s in splits:
    e = tok(list(D[f"{s}_texts"]), truncation=True, max_length=64)
    enc[s] = e["input_ids"]
raw_tr = np.concatenate([D["train_raw"], D["news_raw"]])
mean, std = raw_tr.mean(0), raw_tr.std(0); std = np.where(std > 1e-6, std, 1.0)
Z = {s: ((D[f"{s}_raw"] - mean) / std).astype(np.float32) for s in splits}
Y = {s: D[f"{s}_y"].astype(np.float32) for s in splits}

class LoRA(torch.nn.Module):
    def __init__(self, base, r):
        super().__init__()
        self.base = base; self.r = r; self.scale = 2.0  # alpha = 2r
        self.A = torch.nn.Parameter(torch.empty(r, base.in_features)); torch.nn.init.kaiming_uniform_(self.A, a=math.sqrt(5))
        self.B = torch.nn.Parameter(torch.zeros(base.out_features, r))
        self.drop = torch.nn.Dropout(0.05)
    def forward(self, x):
        return self.base(x) + (self.drop(x) @ self.A.t() @ self.B.t()) * self.scale
    def merged(self):
        return self.base.weight.data + self.scale * (self.B.data @ self.A.data)

def build():
    m = BertModel.from_pretrained(".devx/model", add_pooling_layer=False, attn_implementation="sdpa").float()
    for p in m.parameters(): p.requires_grad_(False)
    for li in spec.get("full", []):
        for p in m.encoder.layer[li].parameters(): p.requires_grad_(True)
    loras = {}
    for li in spec.get("lora", []):
        layer = m.encoder.layer[li]
        for t in spec["targets"]:
            parent_path, attr = (t.rsplit(".", 1) if "." in t else ("", t))
            if t in ("query", "key", "value"): parent = layer.attention.self; attr = t
            elif t == "attention.output.dense": parent = layer.attention.output; attr = "dense"
            elif t == "intermediate.dense": parent = layer.intermediate; attr = "dense"
            elif t == "output.dense": parent = layer.output; attr = "dense"
            l = LoRA(getattr(parent, attr), spec["r"]); setattr(parent, attr, l)
            loras[f"encoder.layer.{li}." + ("attention.self." + t if t in ("query", "key", "value") else t) + ".weight"] = l
    return m.to(dev), loras

class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.bert, self.loras = build()
        self.head = torch.nn.Linear(384, 1).to(dev); self.lex = torch.nn.Linear(Z["train"].shape[1], 1).to(dev)
        torch.nn.init.zeros_(self.head.weight); torch.nn.init.zeros_(self.lex.weight)
        self.drop = torch.nn.Dropout(0.1)
    def forward(self, ids, mask, z):
        h = self.bert(input_ids=ids, attention_mask=mask).last_hidden_state
        m = mask.unsqueeze(-1).to(h.dtype)
        pooled = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
        return (self.head(self.drop(pooled)) + self.lex(z)).squeeze(1)
    def set_train(self):
        self.train()
        frozen = [li for li in range(6) if li not in spec.get("full", []) and li not in spec.get("lora", [])]
        self.bert.embeddings.eval()
        for li in frozen: self.bert.encoder.layer[li].eval()

def batch_of(s, rows):
    ids = [enc[s][i] for i in rows]; t = max(len(x) for x in ids)
    a = np.zeros((len(ids), t), np.int64); m = np.zeros((len(ids), t), np.int64)
    for j, x in enumerate(ids): a[j, :len(x)] = x; m[j, :len(x)] = 1
    return torch.from_numpy(a).to(dev), torch.from_numpy(m).to(dev), torch.from_numpy(Z[s][rows]).to(dev)

@torch.no_grad()
def score(net, s, rows=None):
    net.eval()
    rows = np.arange(len(enc[s])) if rows is None else np.asarray(rows)
    order = rows[np.argsort([len(enc[s][i]) for i in rows], kind="stable")]
    out = {}
    for i in range(0, len(order), 512):
        r = order[i:i + 512]
        with torch.autocast(dev, dtype=torch.bfloat16):
            lg = net(*batch_of(s, r)).float().cpu().numpy()
        out.update(zip(r.tolist(), lg.tolist()))
    return np.array([out[i] for i in rows.tolist()])

def train_fold(k, seed=0):
    torch.manual_seed(seed + 100 * k); rng = np.random.default_rng(seed + 100 * k)
    net = Net()
    full_p = [p for n, p in net.bert.named_parameters() if p.requires_grad and not (n.endswith(".A") or n.endswith(".B"))]
    lora_p = [p for n, p in net.bert.named_parameters() if p.requires_grad and (n.endswith(".A") or n.endswith(".B"))]
    groups = []
    lrs = []
    if full_p: groups.append({"params": full_p, "lr": spec["lr"], "weight_decay": 0.01}); lrs.append(spec["lr"])
    if lora_p: groups.append({"params": lora_p, "lr": spec["lora_lr"], "weight_decay": 0.0}); lrs.append(spec["lora_lr"])
    groups.append({"params": [*net.head.parameters(), *net.lex.parameters()], "lr": HEAD_LR, "weight_decay": 0.001}); lrs.append(HEAD_LR)
    opt = torch.optim.AdamW(groups)
    tr = [("train", i) for i in np.flatnonzero(D["train_fold"] != k)[:(300 if SMOKE else None)]] + [("news", i) for i in np.flatnonzero(D["news_fold"] != k)]
    y = np.array([Y[s][i] for s, i in tr]); w = np.array([1.0 if s == "train" else NEWS_W for s, i in tr])
    pos, neg = (w * y).sum(), (w * (1 - y)).sum()
    cw = w * np.where(y == 1, (pos + neg) / (2 * pos), (pos + neg) / (2 * neg)); cw = cw / cw.mean()
    lengths = np.array([len(enc[s][i]) for s, i in tr])
    n = len(tr); nb = (n + BATCH - 1) // BATCH
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lrs, total_steps=EPOCHS * nb, pct_start=0.1)
    t0 = time.time()
    for ep in range(EPOCHS):
        net.set_train()
        perm = rng.permutation(n)
        batches = []
        for c in [perm[i:i + BATCH * 50] for i in range(0, n, BATCH * 50)]:
            c = c[np.argsort(lengths[c], kind="stable")]
            batches += [c[i:i + BATCH] for i in range(0, len(c), BATCH)]
        rng.shuffle(batches)
        tot = 0.0
        for b in batches:
            # rows may mix train and news: build per-source then concat by padding jointly
            ids = [enc[tr[j][0]][tr[j][1]] for j in b]; t = max(len(x) for x in ids)
            a = np.zeros((len(b), t), np.int64); m = np.zeros((len(b), t), np.int64)
            for q, x in enumerate(ids): a[q, :len(x)] = x; m[q, :len(x)] = 1
            z = np.stack([Z[tr[j][0]][tr[j][1]] for j in b])
            with torch.autocast(dev, dtype=torch.bfloat16):
                lg = net(torch.from_numpy(a).to(dev), torch.from_numpy(m).to(dev), torch.from_numpy(z).to(dev)).float()
            loss = (torch.nn.functional.binary_cross_entropy_with_logits(lg, torch.from_numpy(y[b].astype(np.float32)).to(dev), reduction="none")
                    * torch.from_numpy(cw[b].astype(np.float32)).to(dev)).mean()
            opt.zero_grad(set_to_none=True); loss.backward(); opt.step(); sched.step()
            tot += loss.item() * len(b)
        print(f"{name} fold {k} epoch {ep+1}: loss {tot/n:.4f} {time.time()-t0:.0f}s", flush=True)
    return net

def merged_state(net):
    sd = {}
    for n_, p in net.bert.state_dict().items():
        if n_.endswith(".A") or n_.endswith(".B"): continue
        key = n_.replace(".base.", ".")
        sd[key] = p.detach().float().clone()
    for key, l in net.loras.items():
        sd[key] = l.merged().float().clone()
    sd["head.weight"] = net.head.weight.detach().clone(); sd["head.bias"] = net.head.bias.detach().clone()
    sd["lex.weight"] = net.lex.weight.detach().clone(); sd["lex.bias"] = net.lex.bias.detach().clone()
    return sd

res = {"oof_ct": np.zeros(len(enc["train"])), "oof_news": np.zeros(len(enc["news"]))}
fold_logits = {s: [] for s in ("dev", "dev-test", "held")}
soup_sd = None; t0 = time.time()
for k in range(4):
    net = train_fold(k)
    ct = np.flatnonzero(D["train_fold"] == k); nw = np.flatnonzero(D["news_fold"] == k)
    res["oof_ct"][ct] = score(net, "train", ct[:(50 if SMOKE else None)]) if not SMOKE else 0; res["oof_news"][nw] = score(net, "news", nw)
    for s in fold_logits: fold_logits[s].append(score(net, s))
    sd = merged_state(net)
    soup_sd = sd if soup_sd is None else {kk: soup_sd[kk] + sd[kk] for kk in sd}
    del net; torch.cuda.empty_cache()
    np.savez(f"{out_dir}/{name}.npz", folds_done=k + 1, **{kk.replace("-", "_"): v for kk, v in res.items()})
soup_sd = {kk: v / 4 for kk, v in soup_sd.items()}
spec_plain = dict(spec); spec.clear(); spec.update({"full": [], "lora": []})  # plain model to load soup
net = Net(); print("soup load:", net.bert.load_state_dict({k: v for k, v in soup_sd.items() if not k.startswith(("head.", "lex."))}, strict=True))
net.head.weight.data, net.head.bias.data = soup_sd["head.weight"], soup_sd["head.bias"]
net.lex.weight.data, net.lex.bias.data = soup_sd["lex.weight"], soup_sd["lex.bias"]
for s in fold_logits:
    res[f"soup_{s}"] = score(net, s); res[f"avg_{s}"] = np.mean(fold_logits[s], axis=0)
res["seconds"] = time.time() - t0
np.savez(f"{out_dir}/{name}.npz", folds_done=4, **{kk.replace("-", "_"): v for kk, v in res.items()})
print(f"{name} done in {time.time()-t0:.0f}s", flush=True)
