#!/usr/bin/python3
"""Test-row PDs of the reference models, so bench:accuracy can compute their ECE with our own code.

The anchor script (gbdt_baseline.py, ANCHOR in references.ts) prints AUC, KS and Brier but not the
predictions, and ECE needs them. This imports the anchor's own model definitions (its models()),
fits them on the same train CSV exactly as the anchor does (same columns, same seeds, single
thread) and prints {"models": {name: [pd, ...]}} with one PD per test row, in the test CSV's order.
It copies no model settings: whatever the anchor fits, this fits.

usage: reference_predictions.py ANCHOR --train A.csv --test B.csv --label LABEL [--categorical COL ...]
"""
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import importlib.util
import json
import warnings

import pandas as pd

warnings.filterwarnings("ignore")


def load_anchor(path):
    spec = importlib.util.spec_from_file_location("gbdt_baseline", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("anchor")
    ap.add_argument("--train", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--label", required=True)
    ap.add_argument("--categorical", nargs="*", default=[])
    a = ap.parse_args()
    anchor = load_anchor(a.anchor)

    # The same column handling as the anchor's main(): label out, categoricals as strings.
    tr = pd.read_csv(a.train)
    te = pd.read_csv(a.test)
    ytr = tr[a.label].astype(int).to_numpy()
    feats = [c for c in tr.columns if c != a.label]
    cat = [c for c in feats if c in a.categorical or tr[c].dtype == object]
    num = [c for c in feats if c not in cat]
    for c in cat:
        tr[c] = tr[c].astype(str)
        te[c] = te[c].astype(str)

    out = {}
    for name, model in anchor.models(cat, num).items():
        model.fit(tr[feats], ytr)
        out[name] = [float(p) for p in model.predict_proba(te[feats])[:, 1]]
    print(json.dumps({"models": out}))


if __name__ == "__main__":
    main()
