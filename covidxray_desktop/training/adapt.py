"""Adapting a model to a site: its own labelled films teach the network, not only the decision.

The site's films are split by patient into an adaptation part and a check part. On a pretrained
backbone, what the shipped recipe trains is fine-tuned again on the adaptation part: blocks 14-15,
the head's convolution and the logit, from the current weights, with the usual augmentation
(training/finetune.py). A site has tens of films, not thousands, so two guards keep what the
training sources taught: every batch also holds films of the bundle's rehearsal store (the
training sources as the frozen blocks see them, training/rehearsal.py), and an L2 pull towards
the starting weights. Every pooled feature changes with those blocks, so the gate and the shift
test are fitted again on the adapted network: on the store's films, then widened to the site's.
A network without such blocks (this app's small CNN) trains its pooled head only, as its
features, gate and shift test stay valid for every other site.

Then the temperature and, with enough COVID films, both operating points are refitted on the
site's films, each scored by a network trained without its patient (cross-fitting): balanced,
the best balanced accuracy keeping the sensitivity the user asks for (default 0.90); screening,
sensitivity >= 0.95 (or the one asked, when higher). With fewer COVID films the base model's
points are carried over to the fine-tuned network's scale (`operating.carried`). The check part, which
nothing was fitted on, gives the adapted model its own figures and the before/after table.
"""
import functools
import time

import numpy as np

from covidxray_desktop import backend
from covidxray_desktop.errors import DataError, UsageError
from covidxray_desktop.model import bundle as bundles
from covidxray_desktop.model import operating, staging
from covidxray_desktop.model.calibration import fit_temperature, sigmoid
from covidxray_desktop.training import cache, dataset, elsewhere, finetune, fit, rehearsal
from covidxray_desktop.training.session import polling, stopped
from covidxray_desktop.training.trunk import Trunk
from covidxray_desktop.training.evaluate import public, report, route_of, score, split_as_trained, trade_off

CHECK_SHARE = 0.34  # of the site's films, by patient, kept aside for the before/after check
MIN_COVID_FOR_THRESHOLD = 20  # fewer adaptation COVID films: the model's own operating points are kept
HEAD_LEARNING_RATE = 3e-3  # the pooled head alone (a network without backbone blocks)
EPOCHS, HEAD_EPOCHS = 10, 8  # default epochs: fine-tuning the backbone's top, training the head alone
FOLDS = 3  # cross-fitting for the site's temperature and threshold


def split(samples, seed: int) -> list:
    """Samples with split 'train' (adaptation) or 'test' (check), by patient, stratified."""
    fresh = [dataset.Sample(s.file, s.label, s.source, s.patient_id, "") for s in samples]
    return dataset.patient_split(fresh, seed, fractions=(1 - CHECK_SHARE, 0.0, CHECK_SHARE))


def adapt(data, out_dir, name: str, base=None, epochs: int | None = None, seed: int = 0, on_event=lambda e: None,
          cancelled=lambda: False, overwrite: bool = False, original=None,
          sensitivity: float = operating.BALANCED_SENSITIVITY):
    """-> (adapted bundle, report dict). `base`: the bundle to adapt (default: the bundled one);
    `original`: the manifest the base model was tested on, to measure what it may have forgotten;
    `sensitivity`: what the balanced point keeps on the site's films."""
    from covidxray_desktop.inference import Predictor
    from covidxray_desktop.model.network import Network

    keras = backend.load_keras()
    if epochs is not None and epochs < 1:
        raise UsageError("--epochs must be at least 1")
    if not 0.5 <= sensitivity < 1:
        raise UsageError("--sensitivity must be at least 0.5 and below 1")
    if not overwrite and bundles.taken(out_dir, name):  # before the work, not after it
        raise UsageError(f"{bundles.taken(out_dir, name)} exists already; choose another --out, or add --overwrite.")
    started = time.time()
    base = base if isinstance(base, bundles.ModelBundle) else bundles.load(base, keras=True)
    base.keras()
    from covidxray_desktop.model.architectures import SPECS

    recipe = SPECS.get(base.card.get("arch"), {})
    if recipe.get("output") != "logit" or not base.card.get("head"):
        raise DataError(f"{base.ident} has no pooled head to adapt (only this app's own architecture has one).")
    classifier = base.keras_part("classifier")
    store = None
    if rehearsal.supports(classifier):
        store = rehearsal.load(base)
        if store is None:
            raise DataError(f"{base.ident} has no rehearsal store, which adapting its backbone needs; build it with "
                            f"`covidxray rehearsal MANIFEST --model {base.path.name}` from its training data.")
    epochs = epochs or (EPOCHS if store is not None else HEAD_EPOCHS)
    samples, described = dataset.discover(data)
    left_out, unused = list(getattr(samples, "skipped", [])), dataset.unused(samples, on_event)
    samples = split(samples, seed)
    parts = {"train": [s for s in samples if s.split == "train"], "test": [s for s in samples if s.split == "test"]}
    for k, what in (("train", "adaptation"), ("test", "check")):
        if len({s.label for s in parts[k]}) < 2:
            raise DataError(f"the {what} part needs films of both classes; the data has {len(samples)} films "
                            f"({sum(s.label for s in samples)} COVID-19): add more of the smaller class.")
    on_event({"kind": "stage", "message": f"{len(samples)} films from {described}: {len(parts['train'])} to adapt on, "
                                          f"{len(parts['test'])} to check"})
    decoded = {}
    for k in ("train", "test"):
        decoded[k], problems = cache.decode(parts[k], route_of(base),
                                            lambda n, t, k=k: on_event({"kind": "stage", "done": n, "total": t,
                                                                        "message": f"decoding {k} films {n}/{t}"}))
        parts[k] = decoded[k].samples
        left_out += problems
    if left_out:
        on_event({"kind": "stage", "message": f"{len(left_out)} films could not be read and were left out:\n  "
                                              + "\n  ".join(left_out)})
    before = Predictor(base, decode_limit_s=None)
    decoded["train"], refused = _judged(before, decoded["train"])
    parts["train"] = decoded["train"].samples
    if refused:
        on_event({"kind": "stage", "message": f"{len(refused)} films the model does not judge were left out of "
                                              f"adapting (learnt from, they would teach its checks to take such "
                                              f"films):\n  " + "\n  ".join(refused)})
        left_out += refused
    if len({s.label for s in parts["train"]}) < 2:
        raise DataError(f"the adaptation part needs films of both classes; of its films the model judges "
                        f"{len(parts['train'])} ({sum(s.label for s in parts['train'])} COVID-19): add more films "
                        f"of the smaller class.")
    check_before = report(before, decoded["test"])
    network = Network(base, "keras")
    # Only the adaptation part becomes classifier inputs: the check part is scored by the Predictor.
    views = network.views(decoded["train"].first)[..., 0].astype(np.float16)
    y = np.array([s.label for s in parts["train"]])
    if store is not None:
        head, score = _backbone(classifier, base, recipe, views, y, store, epochs, seed, on_event, cancelled)
    else:
        head, score = _pooled_head(keras, classifier, base, views, parts["train"], epochs, on_event, cancelled)
    history, model = head(np.arange(len(y)), seed, on_event)
    stopped(cancelled)  # the head alone stops early without a word: a part-trained model is not saved
    held = held_out_logits(head, parts["train"], seed, on_event, cancelled, score)
    stopped(cancelled)
    card = _refit(base, model, decoded["train"], on_event, held, sensitivity, store)
    trained = (f"blocks {rehearsal.TRAINABLE_FROM}-15 and the head, beside {len(store['labels'])} rehearsal films, "
               f"pulled towards the starting weights (L2-SP {finetune.L2SP})" if store is not None
               else "the pooled head only")
    card["adapted_from"] = {"model": base.ident, "hash": base.hash, "data": described,
                            "counts": {k: {"covid": sum(s.label for s in v), "normal": sum(1 - s.label for s in v)}
                                       for k, v in parts.items()},
                            "epochs": epochs, "seed": seed, "trained": trained, "sensitivity_asked": sensitivity,
                            "left_out": len(left_out),  # names stay off the card: they may hold patients' names
                            "wall_time_s": round(time.time() - started, 1), "earlier": _earlier(base.card)}
    card["history"] = history
    stopped(cancelled)  # a stop asked for meanwhile: nothing is saved then
    on_event({"kind": "stage", "message": "saving the adapted model"})
    segmenter = base.keras_part("lungs")
    # The segmenter is not adapted: its exports stay the base's, the ones the gate was fitted on; a
    # base without any (trained on a GPU) had its gate fitted on Keras' masks, so the segmenter is
    # given no films here and its new export stays float.
    keep = base.lung_exports()
    parity = {"classifier": network.views(decoded["train"].first[:32])}
    with staging.staged(out_dir, name, overwrite) as stage:  # out of sight until it is scored
        adapted = bundles.save(bundles.combine(model, segmenter), card, stage.folder, name, parity_inputs=parity,
                               keep=keep)
        if store is not None:  # the frozen blocks did not change: the store holds for the adapted model too
            adapted = rehearsal.copy(base, adapted)
        adapted = elsewhere.export(adapted, on_event, cancelled)  # off TensorFlow: checked as `classify` runs it
        after = Predictor(adapted, decode_limit_s=None)
        check_after = report(after, decoded["test"])
        check = dict(public(check_after), part=f"the site's check films: {CHECK_SHARE:.0%} of its patients, set "
                                               f"aside before adaptation and never fitted on (seed {seed})")
        outcome = {"check": {"before": public(check_before), "after": check}}
        figures = {k: str(stage.final(v)) for k, v in _roc(adapted, {"before": check_before,
                                                                      "after": check_after}).items()}
        if original is not None:
            polling(on_event, cancelled)({"kind": "stage", "message": "measuring the original test split, before "
                                                              "and after"})
            outcome["original"] = _original(original, base, adapted, before, after)
        after.close()
        # Its own figures only: the base model's test metrics belong to another network at another threshold.
        metrics = {"site": outcome, "operating_points": trade_off(check_after, operating.points(adapted.card),
                                                                  "site check")}
        adapted = bundles.update_card(adapted, metrics=metrics)
        stopped(cancelled)
        adapted = stage.publish(adapted)
    before.close()
    on_event({"kind": "done", "message": f"saved {adapted.path}", "model": adapted.ident})
    return adapted, {"path": str(bundles.card_path(adapted.path)), "site": outcome, "history": history,
                     "figures": figures, "left_out": left_out, "unused": unused}


def _earlier(card) -> list:  # the adaptations the base came from, latest first: each site's films are named
    past = card.get("adapted_from")
    return [] if not past else [{k: past.get(k) for k in ("model", "data", "epochs")}] + past.get("earlier", [])


def _judged(predictor, decoded):
    """(the films the base model's gate lets through, a line per film it refuses). Laterals and CT
    slices in a site's folders, learnt and widened to, opened the adapted gate to their kind. Films
    refused only as unlike every training film stay: learning a site's look is what adapting is for."""
    from covidxray_desktop.files import display_name
    from covidxray_desktop.model.ood import UNFAMILIAR

    reasons = score(predictor, decoded)["reasons"]
    keep = [r is None or r == UNFAMILIAR for r in reasons]
    refused = [f"{display_name(s.file)}: {r}" for s, r, k in zip(decoded.samples, reasons, keep) if not k]
    return decoded.take(keep), refused


def _backbone(classifier, base, recipe, views, y, store, epochs, seed, on_event, cancelled):
    """(head, score) that fine-tune the backbone's top: the frozen blocks run once per augmented copy
    of each adaptation film, for the final network and every cross-fitting part alike."""
    from covidxray_desktop.model.architectures import SPECS

    spec = dict(SPECS["efficientnet"], size=base.card["input"]["size"], preprocessing=base.card["preprocessing"],
                acquisition=recipe.get("acquisition", True))
    trunk = Trunk(rehearsal.trunk(classifier))
    copies = fit.cached_copies(trunk, views, spec, seed, on_event, cancelled)
    plain = fit.run_trunk(trunk, fit.as_input(views, spec["channels"]))

    def head(idx, head_seed, events):
        return finetune.tune(classifier, copies[:, idx], y[idx], store, epochs, head_seed, events, cancelled)

    def score(model, idx):
        return finetune.scores(model, plain[idx])[0]

    return head, score


def _pooled_head(keras, classifier, base, views, samples, epochs, on_event, cancelled):
    """(head, score) that train the pooled head only, from the current weights."""
    from covidxray_desktop.model.architectures import SPECS
    from covidxray_desktop.model.network import Network

    spec = dict(SPECS["default"], size=base.card["input"]["size"], preprocessing=base.card["preprocessing"],
                learning_rate=HEAD_LEARNING_RATE, batch=16)

    def head(idx, head_seed, events):
        return _train_head(keras, classifier, spec, [samples[i] for i in idx], views[idx], epochs, head_seed, events,
                           cancelled)

    def score(model, idx):
        return Network.from_keras(base.card, model, base.keras_part("lungs")).classify(views[idx])[1]

    return head, score


def _train_head(keras, classifier, spec, samples, views, epochs, seed, on_event, cancelled):
    """-> (history, a copy of `classifier` whose last layer was trained on these films)."""
    model = keras.models.clone_model(classifier)
    model.set_weights(classifier.get_weights())
    for layer in model.layers:
        layer.trainable = layer.name == "logit"
    backend.make_deterministic(seed)
    history, model = fit.run("default", spec, {"train": samples, "val": samples}, {"train": (views, None),
                             "val": (views, None)}, epochs, seed, on_event, cancelled, "float32", model=model)
    for layer in model.layers:
        layer.trainable = True
    return history, model


def held_out_logits(head, samples, seed, on_event, cancelled, score):
    """Each adaptation film's logit from a network trained without its patient's films (FOLDS-fold
    cross-fitting). Temperature and threshold fitted on these hold for films no network has seen;
    fitted on the films it learnt, they come out overconfident and too high. None when a fold
    would lack a class (too few films); a stop raises Cancelled. head(indices, seed, events) ->
    (history, model); score(model, indices) -> logits."""
    patients = sorted({(s.source, s.patient_id) for s in samples})
    order = np.random.default_rng(seed).permutation(len(patients))
    fold_of = {patients[i]: k % FOLDS for k, i in enumerate(order)}
    folds = np.array([fold_of[(s.source, s.patient_id)] for s in samples])
    y = np.array([s.label for s in samples])
    if any(len(set(y[folds != k])) < 2 or not (folds == k).any() for k in range(FOLDS)):
        return None
    logits = np.zeros(len(samples), np.float32)
    for k in range(FOLDS):
        stopped(cancelled)
        on_event({"kind": "stage", "message": f"setting the threshold on held-out films: part {k + 1} of {FOLDS}"})
        _, model = head(np.flatnonzero(folds != k), seed + 1 + k, lambda e: None)
        held = np.flatnonzero(folds == k)
        logits[held] = score(model, held)
    return logits


def _roc(bundle, reports: dict) -> dict:
    """The check part's ROC before and after, beside the bundle (when both classes are there)."""
    from covidxray_desktop.training import plots
    from covidxray_desktop.training.metrics import roc_curve

    curves = {f"{k} (AUC {m['auc']:.3f})": roc_curve(m["_y"], m["_p"]) for k, m in reports.items() if m.get("auc")}
    if not curves:
        return {}
    path = bundle.path.with_suffix(".roc.png")
    # Not titled with the model's name: the card, and so the name's hash, changes once the metrics are in.
    plots.line_chart(curves, path, "ROC on the site's check films", "1 - specificity", "sensitivity", diagonal=True)
    return {"roc": str(path)}


def _refit(base, classifier, site, on_event, held=None, sensitivity=operating.BALANCED_SENSITIVITY,
           store=None) -> dict:
    """The card of the adapted model: temperature, threshold, gate and shift test made to know the site.
    `held`: the films' cross-fitted logits, to fit temperature and threshold on (None: their own);
    `store`: the rehearsal arrays, when the features changed and the gate and shift test are refitted."""
    from covidxray_desktop.model import shift
    from covidxray_desktop.model.network import Network
    from covidxray_desktop.model.ood import Gate
    from covidxray_desktop.training.finish import head

    card = {k: v for k, v in base.card.items() if k not in ("metrics", "runtime", "keras_sha256", "version",
                                                            "name", "format_version", "rehearsal")}
    adapted = Network.from_keras(base.card, classifier, base.keras_part("lungs"))
    y = np.array([s.label for s in site.samples])
    logits, pooled, masks = adapted.passes(site.first)
    on_event({"kind": "stage", "message": "refitting calibration, threshold and gate on the site's films"})
    scored = logits if held is None else held
    how = "" if held is None else f", each scored by a network trained without it ({FOLDS}-fold cross-fitting)"
    method = "temperature scaling on the site's adaptation films" + how
    if store is None:
        temperature = fit_temperature(scored, y)
    else:
        stored_logits, stored_pooled = finetune.scores(classifier, store["trunk"])
        base_logits, base_pooled = finetune.scores(base.keras_part("classifier"), store["trunk"])
        temperature = _temperature(scored, y, stored_logits, store)
        method += ", with the training sources' stored validation films at equal weight"
    calibration = dict(base.card["calibration"], temperature=round(temperature, 6), method=method)
    p = sigmoid(scored / temperature)
    carry = None
    if store is not None:  # the stored films under both networks: what a kept threshold means now
        before = sigmoid(base_logits / float(base.card["calibration"]["temperature"]))
        after = sigmoid(stored_logits / temperature)
        carry = functools.partial(operating.carried, before, after)
    points = _points(base.card, p, y, how, sensitivity, carry)
    threshold = points["threshold"]
    called = sigmoid(logits / temperature) >= threshold
    gate = Gate.from_card(base.card["ood"])
    patients = [s.patient_id for s in site.samples]
    name = shift.new_site(base.card.get("shift"))
    if store is None:  # the features did not change: the site joins the base model's references
        gate.widen(site.thumbs, pooled, masks, site.first)
        reference = shift.add_source(base.card.get("shift"), pooled, called, name, thumbs=site.thumbs,
                                     patients=patients, labels=y)
    else:  # new features: the store's films stand for the training sources, the site's join them
        gate = gate.moved(base_pooled, stored_pooled, store["labels"])
        gate.widen(site.thumbs, pooled, masks, site.first)  # its view check too: the films are frontal
        fitted = store["splits"] == "train"
        stored_called = sigmoid(stored_logits / temperature) >= threshold
        sources = [str(s) for s in store["sources"][~fitted]] + [name] * len(y)
        films = [f"stored film {i}" for i in range(int((~fitted).sum()))]  # one film each, as trained
        reference = shift.reference(np.concatenate([stored_pooled[~fitted], pooled]),
                                    np.concatenate([stored_called[~fitted], called]), sources,
                                    (stored_pooled[fitted], stored_called[fitted]), patients=films + patients,
                                    labels=np.concatenate([store["labels"][~fitted], y]))
        base_look = (base.card.get("shift") or {}).get("look")
        if reference.get("classes") and base_look:  # the look is the films', not the network's: it carries over
            reference["look"] = shift.site_look(base_look, site.thumbs, name, patients, y)
    card.update(points, calibration=calibration, ood=gate.to_card(), head=head(classifier), shift=reference)
    return card


def _temperature(site_logits, y, stored_logits, store) -> float:
    """The adapted network's temperature. A site's few dozen films, its two classes often from two
    collections, are told apart perfectly, and then the smaller the temperature the better: it fell
    to the search's floor and made every P 0 or 1. The training sources' stored validation films,
    which the network still errs on at times, share the fit at equal weight with the site's. The
    fine-tuning rehearses them too (rehearsing only the training-split ones cost the stand-in sites
    balanced accuracy in five of six runs), so they look a little easier than new films: the
    temperature may err towards confidence, but not to the floor."""
    kept = store["splits"] != "train"
    stored_y = store["labels"][kept].astype(np.float64)
    if not len(stored_y):
        return fit_temperature(site_logits, y)
    weights = np.concatenate([np.full(len(y), 0.5 / len(y)), np.full(len(stored_y), 0.5 / len(stored_y))])
    return fit_temperature(np.concatenate([site_logits, stored_logits[kept]]), np.concatenate([y, stored_y]), weights)


def _points(card: dict, p, y, how: str, sensitivity: float = operating.BALANCED_SENSITIVITY, carry=None) -> dict:
    """The adapted card's operating-point fields: both points fitted on the site's films when they
    hold enough COVID films, else the base model's kept (each rule saying so). Balanced: the best
    balanced accuracy keeping `sensitivity`; screening: the higher of that and SCREENING_SENSITIVITY.
    `carry(threshold)`: a base threshold as the adapted network's (None: the same number)."""
    covid = int(y.sum())
    if covid >= MIN_COVID_FOR_THRESHOLD:
        screening = max(sensitivity, operating.SCREENING_SENSITIVITY)
        return operating.card_fields({
            operating.BALANCED: operating.balanced(p, y, None, f"the site's {len(y)} adaptation films{how}",
                                                   sensitivity),
            operating.SCREENING: operating.screening(p, y, None, f"the site's {covid} adaptation COVID films{how}",
                                                     screening)})
    why = f"{covid} adaptation COVID films are too few to set one (at least {MIN_COVID_FOR_THRESHOLD} are needed)"
    if not card.get("operating_points"):  # an older base model: its one threshold
        return {"threshold": float(card["threshold"]), "operating_point": f"the base model's threshold, kept: {why}"}
    # Fine-tuning moves the network's scores: there the same number would no longer mean the same point.
    done = "kept" if carry is None else ("carried over to the adapted network (it labels the stored films of the "
                                         "training sources COVID-19 in the same share)")
    kept = {name: {"threshold": point["threshold"] if carry is None else carry(point["threshold"]),
                   "rule": f"the base model's {name} threshold, {done}: {why}"}
            for name, point in card["operating_points"].items()}
    return operating.card_fields(kept, card["default_operating_point"])


def _original(manifest, base, adapted, before, after) -> dict:
    """The base model's own test split, scored by both: what adaptation changed there."""
    samples, _ = dataset.discover(manifest)
    test = [s for s in split_as_trained(samples, base) if s.split == "test"]
    decoded, _ = cache.decode(test, route_of(base))
    return {"before": public(report(before, decoded)), "after": public(report(after, decoded))}
