"""Teaching the gate's view check on the data's real lateral views and CT slices, and counting
honestly what it refuses.

The check learns from every real non-frontal film the data keeps (more films, more kinds of slice
and projection than half of them). What it refuses of films it never saw is measured by leaving
one patient out at a time: each patient's films are judged by a check fitted without them, on the
same frontal films and threshold rule as the shipped one.
"""
import numpy as np

from covidxray_desktop.model.network import Forward
from covidxray_desktop.model.view import features
from covidxray_desktop.prepare import Route
from covidxray_desktop.training import ood_set

FRONTAL_ROWS = 1500  # training films the check compares the non-frontal ones with


def frontal_rows(n: int) -> tuple[np.ndarray, np.ndarray]:
    """(training films the check is fitted on, the rest): the same draw wherever it is made again."""
    order = np.random.default_rng(0).permutation(n)
    return order[:FRONTAL_ROWS], np.sort(order[FRONTAL_ROWS:])


def teach(gate, network, train, val, train_pass, val_pass, data, batch: int) -> dict | None:
    """Give `gate` its view check, fitted on every real non-frontal film of `data`; return the
    leave-one-patient-out refusals (shaped as ood_set.refusals), or None where the data has none."""
    items = ood_set.real(data) if data is not None else []
    if not items:
        return None
    _, pooled_train, masks_train = train_pass
    _, pooled_val, masks_val = val_pass
    pick, rest = frontal_rows(len(train.samples))
    frontal = features(gate, train.thumbs[pick], pooled_train[pick],
                       None if masks_train is None else masks_train[pick], train.first[pick])
    # The threshold is a low quantile per source: validation films alone are 47-84 for the smaller
    # sources, so it fell at about their single lowest film. The training films left out of the
    # check's fit give each source two to three times as many (the network and the gate's statistics
    # did learn from them, which makes them look a little more familiar than a new film).
    unseen = [features(gate, val.thumbs, pooled_val, masks_val, val.first)]
    if len(rest):
        unseen.append(features(gate, train.thumbs[rest], pooled_train[rest],
                               None if masks_train is None else masks_train[rest], train.first[rest]))
    unseen_rows = np.concatenate(unseen)
    unseen_sources = [s.source for s in val.samples] + [train.samples[i].source for i in rest]
    # Each film also flipped, cropped, shrunk and re-contrasted: a few dozen stand for many.
    first, thumbs, owner = ood_set.prepared_variants(items, Route(network.size, network.method))
    if not len(owner):  # none could be read: no check, rather than one that never saw a non-frontal film
        return None
    logits, pooled, masks = network.passes(first, batch)
    rows = features(gate, thumbs, pooled, masks, first)
    names = [p.name for p, _ in items]

    def learn(keep: np.ndarray) -> None:
        fitted_on = sorted({names[k] for k in owner[keep]})
        gate.learn_view(frontal, rows[keep], unseen_rows, unseen_sources, fitted_on, film_numbers=True)

    own = np.array([np.flatnonzero(owner == k)[0] if (owner == k).any() else -1 for k in range(len(items))])
    patient = ood_set.patients(data)
    reasons = {}
    for group in sorted({patient[p] for p, _ in items}):
        out = [k for k, (p, _) in enumerate(items) if patient[p] == group and own[k] >= 0]
        if not out:  # none of this patient's films could be read
            continue
        learn(~np.isin(owner, out))
        films = own[out]  # each film as it is (its first variant), judged by the whole gate
        kept = Forward.kept(logits[films], pooled[films], None if masks is None else masks[films])
        _, said = gate.assess(thumbs[films], kept, first[films])
        reasons.update(zip(out, said))
    learn(np.ones(len(owner), bool))  # the shipped check: every film
    report = ood_set.tally([(items[k][1], reason, names[k]) for k, reason in sorted(reasons.items())])
    return {"method": "leave one patient out: each patient's films judged by a view check fitted without them",
            **report, "unread": [names[k] for k in range(len(items)) if own[k] < 0]}
