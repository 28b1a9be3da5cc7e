"""Matching claims against past fact-checks: archive reading, BM25, dense and lexical fusion, re-ranking, grouping."""
