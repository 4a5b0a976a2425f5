"""Is there one threshold for every hospital? The leave-one-source-out runs' trade-off.

Usage: python docs/model/thresholds.py SCORES_DIR [--at 0.1 0.2 ...]

SCORES_DIR holds the runs' scores as `held_out.py --scores` keeps them. For each run: the share
of the held-out source's films labelled right at each threshold, beside the share of the other
class's test films of the training sources (the films it was scored against), and the threshold
that run itself chose (balanced, on its own validation films). A threshold serves a clinic only
where both stay high at once.
"""
import argparse
import sys
from pathlib import Path

import numpy as np

from covidxray_desktop.model import operating


def rows(scores: Path, at) -> list[dict]:
    out = []
    for path in sorted(scores.glob("*.npz")):
        d = np.load(path)
        held = set(d["excluded"].tolist())
        p, y, source = d["p_held"], d["y_held"], d["source_held"]
        mine = np.isin(source, list(held))
        label = int(y[mine][0])
        chosen = operating.balanced(d["p_val"], d["y_val"], d["source_val"])["threshold"]
        row = {"source": ", ".join(sorted(held)), "class": "covid" if label else "normal", "chosen": chosen}
        for t in list(at) + [chosen]:
            shares = [operating.share_right(p, y, part, t) for part in (mine, ~mine)]
            row[t] = tuple(right / max(n, 1) for right, n in shares)
        out.append(row)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scores", type=Path)
    ap.add_argument("--at", type=float, nargs="+", default=[0.1, 0.2, 0.3, 0.5, 0.7])
    args = ap.parse_args(argv)
    print("Share labelled right: the held-out source / the other class's test films of the training sources")
    print()
    print("| held-out source | class | " + " | ".join(f"at {t:g}" for t in args.at) + " | at its own balanced point |")
    print("|---|---|" + "---|" * (len(args.at) + 1))
    for r in rows(args.scores, args.at):
        cells = [f"{r[t][0]:.2f} / {r[t][1]:.2f}" for t in args.at]
        cells.append(f"{r[r['chosen']][0]:.2f} / {r[r['chosen']][1]:.2f} ({r['chosen']:.3f})")
        print(f"| {r['source']} | {r['class']} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
