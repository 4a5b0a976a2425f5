"""Ideas for the trained top of the network, each judged by leaving every source out in turn.

Usage: python docs/model/loso_heads.py MANIFEST BUNDLE OUT_DIR [--recipes baseline,adversarial]
                                       [--sources S ...] [--epochs 16]

The frozen ImageNet blocks do not learn, so their outputs on six augmented copies of every training
film (the shipped recipe's cache, training/fit.py) serve every leave-one-source-out run: one frozen
pass (kept in OUT_DIR/cache.npz) instead of one per run, and a run is then only its 16 epochs. Each
run trains the last two blocks and the head from ImageNet's weights on the training films of the
other sources (source weights, AdamW with weight averaging, the best epoch by validation AUC), as
`train` does, and is judged as `docs/model/held_out.py` judges a bundle: the held-out source's films
(every split) against the other class's test films of the training sources (AUC, 95 % bootstrap
interval), and the share of them labelled right at the run's balanced point chosen on its own
validation split (model/operating.py; on P = sigmoid(logit), as calibration keeps the order).
It differs from `train --exclude-source S` in the augmentation draws (one cache for all runs) and
in leaving the gate out: no film is refused.

Recipes:
- baseline: the shipped recipe's top.
- adversarial: the same, plus a source-adversarial head (gradient reversal on the pooled features):
  two small heads guess each film's source among the sources of its own class, and the trained
  blocks are pushed to make that guess fail, so that what tells one hospital's normal films from
  another's is not learnt; the source is guessed within a class only, since across classes it
  would be the label itself.
- mixsources: the same top, but each training film's cached trunk output is mixed with that of a
  film of the same class from another source (a source drawn evenly, then a film and a copy of
  it; weight λ ~ Beta(0.4, 0.4) for the film's own), label unchanged: what is left to tell the
  class by is what the sources of a class share, not what one of them looks like.
- lpft: linear probing, then fine-tuning (Kumar et al., 2022): the head alone is fitted first on
  the pretrained blocks' features (LP_EPOCHS epochs, blocks frozen), and only then are the blocks
  trained with it, as the baseline trains them. A head started at random sends large, arbitrary
  gradients into the pretrained blocks in the first steps and bends their features towards what
  tells the training sources apart; started fitted, it bends them less, which has been found to
  keep more of what ImageNet taught for films unlike the training ones. Each run is also judged
  as a weight-space ensemble (WiSE-FT, Wortsman et al., 2022): every weight halfway between the
  probed network's and the tuned one's, which costs nothing at inference.
One line of JSON per run is printed and appended to OUT_DIR/results.jsonl.
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

REVERSAL, ADVERSARY_WEIGHT = 1.0, 0.5
MIX_ALPHA = 0.4
LP_EPOCHS, LP_PEAK = 4, 1e-3
WISE = (1.0, 0.5)  # lpft: also judged halfway between the probed and the tuned weights


def prepare(manifest: Path, bundle_path: str, out: Path) -> dict:
    """The trunk's outputs: six augmented copies of each training film, each split as it is."""
    cached = out / "cache.npz"
    if cached.exists():
        with np.load(cached) as d:
            return {k: d[k] for k in d.files}
    from covidxray_desktop.model.architectures import SPECS, build
    from covidxray_desktop.model.bundle import load
    from covidxray_desktop.model.network import Network
    from covidxray_desktop.training.evaluate import decoded_as_trained
    from covidxray_desktop.training.fit import as_input, cached_copies, frozen_split, run_trunk
    from covidxray_desktop.training.trunk import Trunk

    bundle = load(bundle_path)
    decoded, _ = decoded_as_trained(manifest, bundle)
    network = Network(bundle)
    views = {k: np.concatenate([network.views(d.first[i:i + 64])[..., 0].astype(np.float16)
                                for i in range(0, len(d.first), 64)]) for k, d in decoded.items()}
    trunk = Trunk(frozen_split(build("efficientnet", SPECS["efficientnet"]))[0])
    data = {"copies": cached_copies(trunk, views["train"], SPECS["efficientnet"], 12345, lambda e: None, lambda: False)}
    for split, d in decoded.items():
        data[f"{split}_x"] = run_trunk(trunk, as_input(views[split], 1))
        data[f"{split}_y"] = np.array([s.label for s in d.samples])
        data[f"{split}_src"] = np.array([s.source for s in d.samples])
    out.mkdir(parents=True, exist_ok=True)
    np.savez(cached, **data)
    return data


def networks(recipe: str, normal_sources: list, covid_sources: list):
    """(top, what the steps train): the top alone, or the top with the adversary's heads."""
    import keras
    from keras import layers, ops

    from covidxray_desktop.model.architectures import SPECS, build
    from covidxray_desktop.training.fit import frozen_split

    class Reversal(layers.Layer):
        """The identity going forward; the gradient, reversed and scaled, going back."""

        def call(self, x):
            return ops.stop_gradient((1 + REVERSAL) * x) - REVERSAL * x

    model = build("efficientnet", SPECS["efficientnet"])
    _, top = frozen_split(model)
    if recipe in ("baseline", "mixsources", "lpft"):
        return top, top
    boundary = next(layer for layer in model.layers if layer.weights and layer.trainable).input
    pooled = Reversal()(model.get_layer("pooled").output)
    heads = [layers.Dense(n, name=f"source_among_{name}")(layers.Dense(64, activation="relu")(pooled))
             for name, n in (("normal", len(normal_sources)), ("covid", len(covid_sources)))]
    return top, keras.Model(boundary, [model.outputs[0]] + heads)


def compiled(stepper, steps: int, epochs: int, adversarial: bool) -> None:
    """As `train` compiles the shipped recipe, with the adversary's losses beside."""
    import keras

    from covidxray_desktop.model.architectures import SPECS, compile_for_training, optimizer_for_training

    peak = SPECS["efficientnet"]["learning_rate"]
    if not adversarial:
        compile_for_training(stepper, "efficientnet", epochs, steps, peak)
        return
    label, source = (keras.losses.BinaryCrossentropy(from_logits=True),
                     keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    stepper.compile(optimizer=optimizer_for_training(epochs, steps, peak), loss=[label, source, source],
                    loss_weights=[1.0, ADVERSARY_WEIGHT, ADVERSARY_WEIGHT])


def run(data: dict, held: str, recipe: str, epochs: int, seed: int = 0) -> list:
    """One leave-one-source-out run -> its judged rows (lpft: also its weight-space ensemble's)."""
    import keras

    from covidxray_desktop.training.fit import averaged_weights, source_weights
    from covidxray_desktop.training.metrics import auc

    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    films = np.flatnonzero(data["train_src"] != held)
    y, sources = data["train_y"][films].astype(np.float32), data["train_src"][films]
    weights = source_weights([SimpleNamespace(label=a, source=b) for a, b in zip(y, sources)])
    normal_sources, covid_sources = sorted(set(sources[y == 0])), sorted(set(sources[y == 1]))
    among_normal = np.array([normal_sources.index(s) if c == 0 else 0 for s, c in zip(sources, y)])
    among_covid = np.array([covid_sources.index(s) if c == 1 else 0 for s, c in zip(sources, y)])
    top, stepper = networks(recipe, normal_sources, covid_sources)
    size, n = 32, len(films)
    steps = int(np.ceil(n / size))
    probed = _probe_first(top, data, films, y, weights, rng, size, steps) if recipe == "lpft" else None
    compiled(stepper, steps, epochs, stepper is not top)
    known_val = data["val_src"] != held
    val_x, val_y = data["val_x"][known_val].astype(np.float32), data["val_y"][known_val]
    offset, best = rng.permutation(n), (None, None, 0)
    partners = _partners(y, sources) if recipe == "mixsources" else None
    for epoch in range(epochs):
        order, pick = rng.permutation(n), (offset + epoch) % len(data["copies"])
        for i in range(steps):
            b = order[i * size:(i + 1) * size]
            x = data["copies"][pick[b], films[b]].astype(np.float32)
            if partners is not None:
                x = _mixed(x, b, partners, data["copies"], films, rng)
            if stepper is top:
                stepper.train_on_batch(x, y[b][:, None], sample_weight=weights[b])
            else:
                stepper.train_on_batch(x, [y[b][:, None], among_normal[b], among_covid[b]],
                                       sample_weight=[weights[b], weights[b] * (y[b] == 0), weights[b] * (y[b] == 1)])
        raw = top.get_weights()
        top.set_weights(averaged_weights(top, stepper))
        score = auc(val_y, _logits(top, val_x))
        if best[0] is None or score > best[0]:
            best = (score, top.get_weights(), epoch + 1)
        top.set_weights(raw)
    top.set_weights(best[1])
    common = {"held_out": held, "recipe": recipe, "best_epoch": best[2], "val_auc": round(best[0], 4)}
    if recipe != "lpft":
        return [{**common, **judged(top, data, held)}]
    tuned, rows = best[1], []
    for alpha in WISE:  # weight-space ensembles of the probed and the fine-tuned network
        top.set_weights([alpha * t + (1 - alpha) * p for t, p in zip(tuned, probed)])
        rows.append({**common, "recipe": recipe if alpha == 1 else f"{recipe}-wise{alpha}", **judged(top, data, held)})
    return rows


def judged(top, data: dict, held: str) -> dict:
    """The held-out source's films against the other class's test films, as held_out.py judges them."""
    from covidxray_desktop.model import operating
    from covidxray_desktop.training.metrics import auc, auc_interval, wilson

    def p(x):
        return 1 / (1 + np.exp(-_logits(top, x)))

    known_val = data["val_src"] != held
    val_x, val_y = data["val_x"][known_val].astype(np.float32), data["val_y"][known_val]
    threshold = operating.balanced(p(val_x), val_y, data["val_src"][known_val])["threshold"]
    mine = {s: data[f"{s}_src"] == held for s in ("train", "val", "test")}
    held_p = p(np.concatenate([data[f"{s}_x"][mine[s]] for s in mine]))
    label = int(data["test_y"][mine["test"]][0] if mine["test"].any() else data["train_y"][mine["train"]][0])
    other = (data["test_y"] != label) & ~mine["test"]
    both_y = np.r_[np.full(len(held_p), label), np.full(int(other.sum()), 1 - label)]
    both_p = np.r_[held_p, p(data["test_x"][other])]
    right = int(((held_p >= threshold) == (label == 1)).sum())
    known = ~mine["test"]
    return {"class": "covid" if label else "normal", "films": len(held_p),
            "auc": round(auc(both_y, both_p), 4), "auc_ci95": auc_interval(both_y, both_p),
            "right_at_balanced": round(right / len(held_p), 3), "right_ci95": wilson(right, len(held_p)),
            "threshold": round(float(threshold), 3),
            "unseen_patients_auc": round(auc(data["test_y"][known], p(data["test_x"][known])), 4)}


def _probe_first(top, data, films, y, weights, rng, size: int, steps: int) -> list:
    """The head alone fitted on the frozen blocks' features, before the blocks train with it."""
    from covidxray_desktop.model.architectures import compile_for_training

    trainable = {layer.name: layer.trainable for layer in top.layers}
    for layer in top.layers:
        layer.trainable = layer.name == "logit"
    compile_for_training(top, "efficientnet", LP_EPOCHS, steps, LP_PEAK)
    n = len(films)
    for epoch in range(LP_EPOCHS):
        order = rng.permutation(n)
        pick = rng.integers(len(data["copies"]), size=n)
        for i in range(steps):
            b = order[i * size:(i + 1) * size]
            top.train_on_batch(data["copies"][pick[b], films[b]].astype(np.float32), y[b][:, None],
                               sample_weight=weights[b])
    from covidxray_desktop.training.fit import averaged_weights

    top.set_weights(averaged_weights(top, top))
    for layer in top.layers:
        layer.trainable = trainable[layer.name]
    return top.get_weights()


def _partners(y: np.ndarray, sources: np.ndarray) -> list:
    """Per training film, the films of its class from each other source (one array per source)."""
    by = {(c, s): np.flatnonzero((y == c) & (sources == s)) for c, s in set(zip(y.tolist(), sources.tolist()))}
    return [[f for (c, s), f in by.items() if c == yi and s != si] for yi, si in zip(y.tolist(), sources.tolist())]


def _mixed(x: np.ndarray, batch: np.ndarray, partners: list, copies: np.ndarray, films: np.ndarray, rng) -> np.ndarray:
    """The batch mixed with a film of its class from another source (films of a one-source class stay)."""
    out = x.copy()
    for row, film in enumerate(batch):
        others = partners[film]
        if not others:
            continue
        group = others[rng.integers(len(others))]
        mate = films[group[rng.integers(len(group))]]
        lam = rng.beta(MIX_ALPHA, MIX_ALPHA)
        out[row] = lam * x[row] + (1 - lam) * copies[rng.integers(len(copies)), mate].astype(np.float32)
    return out


def _logits(model, x) -> np.ndarray:
    return np.asarray(model.predict(np.asarray(x, np.float32), batch_size=256, verbose=0)).ravel()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("manifest", type=Path)
    parser.add_argument("bundle")
    parser.add_argument("out", type=Path)
    parser.add_argument("--recipes", default="baseline,adversarial")
    parser.add_argument("--sources", nargs="*")
    parser.add_argument("--epochs", type=int, default=16)
    args = parser.parse_args()
    from covidxray_desktop import backend

    backend.import_tensorflow()  # its start-up lines kept off the terminal, as the app's commands do
    backend.make_deterministic(0)
    data = prepare(args.manifest, args.bundle, args.out)
    for held in args.sources or sorted(set(data["train_src"].tolist())):
        for recipe in args.recipes.split(","):
            t0 = time.time()
            for row in run(data, held, recipe, args.epochs):
                row["seconds"] = round(time.time() - t0)
                print(json.dumps(row), flush=True)
                with open(args.out / "results.jsonl", "a", encoding="utf-8") as fh:
                    fh.write(json.dumps(row) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
