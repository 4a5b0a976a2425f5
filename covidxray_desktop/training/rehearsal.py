"""The rehearsal store: a few hundred training and validation films as the frozen trunk sees them.

Adaptation fine-tunes the top of the backbone (blocks 14-15 and the head). That changes every
pooled feature, so the gate and the shift test, fitted on the training sources' films, must be
fitted again on the adapted network, and the fine-tuning must keep seeing those sources so it
does not forget them. Neither needs the films themselves: the frozen blocks compute the same
output for a film before and after adaptation, so that output (7 x 7 x 192 per film, float16,
about 19 kB) with the film's label, source and split is all that is kept, beside the bundle,
named on its card with its hash. No image, thumbnail or file name is stored.
"""
from collections import Counter
from pathlib import Path

import numpy as np

from covidxray_desktop.errors import ModelError
from covidxray_desktop.files import replace_atomic, sha256_file, write_through

TRAINABLE_FROM = 14  # the first block adaptation trains; its input is what the store keeps
PER_SOURCE = {"train": 20, "val": 12}  # films of each source kept from each split
SUFFIX = ".rehearsal.npz"


def boundary(classifier):
    """The tensor where the trained top starts: the input of block TRAINABLE_FROM."""
    return classifier.get_layer(f"b{TRAINABLE_FROM}_expand").input


def trunk(classifier):
    """The frozen blocks as their own model: the classifier's view in, the top's input out."""
    import keras

    return keras.Model(classifier.inputs, boundary(classifier), name="frozen_trunk")


def top(classifier):
    """The trained blocks: the trunk's output in, (last conv block, logit) out."""
    import keras

    from covidxray_desktop.model.architectures import FEATURES

    return keras.Model(boundary(classifier), [classifier.get_layer(FEATURES).output, classifier.outputs[0]],
                       name="trained_top")


def supports(classifier) -> bool:
    """True for the pretrained backbone (the only network with blocks to fine-tune)."""
    return f"b{TRAINABLE_FROM}_expand" in {layer.name for layer in classifier.layers}


def pick(samples, seed: int = 0) -> list:
    """Indices of the films to keep: up to PER_SOURCE of each source from each split, by patient."""
    rng = np.random.default_rng(seed)
    chosen = []
    for split, wanted in PER_SOURCE.items():
        by_source = {}
        for i, s in enumerate(samples):
            if s.split == split:
                by_source.setdefault(s.source, []).append(i)
        for source in sorted(by_source):
            seen, mine = set(), []
            for i in rng.permutation(by_source[source]):  # one film per patient first
                if samples[i].patient_id not in seen and len(mine) < wanted:
                    seen.add(samples[i].patient_id)
                    mine.append(int(i))
            chosen += mine
    return chosen


def trunk_outputs(classifier, network, firsts, batch: int = 32) -> np.ndarray:
    """First-stage films -> the frozen trunk's outputs, float16."""
    from covidxray_desktop.training.fit import as_input

    model = trunk(classifier)
    out = []
    for i in range(0, len(firsts), batch):
        views = network.views(firsts[i:i + batch])
        out.append(np.asarray(model.predict_on_batch(as_input(views, network.channels))).astype(np.float16))
    return np.concatenate(out)


def films(decoded: dict):
    """The store's films out of decoded 'train' and 'val' splits (split -> cache.Decoded, each
    sample's split set): one cache.Decoded."""
    from covidxray_desktop.training import cache

    both = cache.join(decoded["train"], decoded["val"])
    keep = np.zeros(len(both.samples), bool)
    keep[pick(both.samples)] = True
    return both.take(keep)


def write(bundle, classifier, kept):
    """Keep the store beside `bundle` from `kept` (cache.Decoded of training and validation films,
    see `films`); -> the bundle, its card naming the store."""
    from covidxray_desktop.model import bundle as bundles
    from covidxray_desktop.model.network import Network

    network = Network.from_keras(bundle.card, classifier, bundle.keras_part("lungs") if bundle.has_lungs else None)
    samples = kept.samples
    outputs = trunk_outputs(classifier, network, kept.first)
    path = bundle.path.parent / f"{bundle.path.stem}{SUFFIX}"
    write_through(path, lambda f: np.savez(  # whole on disk before the card names it
        f, trunk=outputs, labels=np.array([s.label for s in samples], np.uint8),
        sources=np.array([s.source for s in samples]), splits=np.array([s.split for s in samples])))
    counts = Counter(f"{s.source} ({s.split})" for s in samples)
    return bundles.update_card(bundle, rehearsal={
        "file": path.name, "sha256": sha256_file(path), "films": len(samples), "counts": dict(sorted(counts.items())),
        "what": f"the frozen blocks' output (input of block {TRAINABLE_FROM}, float16) of "
                f"up to {PER_SOURCE['train']} training and {PER_SOURCE['val']} validation films per source; no images"})


def load(bundle) -> dict | None:
    """The bundle's store as arrays (checked against its card), or None when it has none."""
    block = bundle.card.get("rehearsal")
    if not block:
        return None
    path = Path(bundle.path).parent / block["file"]
    if Path(block["file"]).name != block["file"] or not path.is_file():
        raise ModelError(f"{block['file']}: this model's rehearsal store is missing; copy it beside "
                         f"{bundle.path.name} or build it again (covidxray rehearsal).")
    if sha256_file(path) != block["sha256"]:
        raise ModelError(f"{path.name} differs from the one this model's card names; build it again.")
    with np.load(path, allow_pickle=False) as stored:
        return {k: stored[k] for k in stored.files}


def copy(base, adapted):
    """The base's store beside an adapted bundle (its frozen blocks are the base's); -> the bundle."""
    import shutil

    from covidxray_desktop.model import bundle as bundles

    block = base.card["rehearsal"]
    name = f"{adapted.path.stem}{SUFFIX}"
    tmp = adapted.path.parent / f"{name}.tmp"
    try:
        shutil.copyfile(Path(base.path).parent / block["file"], tmp)
        replace_atomic(tmp, adapted.path.parent / name)  # whole under its name, or the old file
    finally:
        tmp.unlink(missing_ok=True)
    return bundles.update_card(adapted, rehearsal=dict(block, file=name))
