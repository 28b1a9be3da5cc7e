"""Training and evaluation. The product never imports it; `claims eval` and `python -m claims.research.train_*` run it."""
