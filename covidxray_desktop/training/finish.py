"""After the epochs: calibrate on val, fit the gate and the shift test, save the bundle, score it
through the classify route, report."""
from pathlib import Path

import numpy as np

from covidxray_desktop import DISCLAIMER, backend
from covidxray_desktop.files import write_json_atomic
from covidxray_desktop.model import bundle as bundles
from covidxray_desktop.model import operating, shift, staging
from covidxray_desktop.model.calibration import fit_temperature, log_loss, sigmoid
from covidxray_desktop.model.network import Forward, Network
from covidxray_desktop.model.ood import Gate
from covidxray_desktop.training import cache, dataset, elsewhere, ood_set, plots, rehearsal, session, view_check
from covidxray_desktop.training.evaluate import other_findings, public, report, score, trade_off
from covidxray_desktop.training.metrics import roc_curve


def calibrate(logits, decoded_val) -> tuple[float, dict, dict]:
    """(temperature, operating points, calibration facts) from the validation films' logits."""
    y = np.array([s.label for s in decoded_val.samples])
    temperature = fit_temperature(logits, y)
    p = sigmoid(logits / temperature)
    points = operating.choose(p, y, [s.source for s in decoded_val.samples])
    facts = {"method": "temperature scaling on the validation split", "temperature": round(temperature, 6),
             "val_log_loss_before": round(log_loss(sigmoid(logits), y), 5),
             "val_log_loss_after": round(log_loss(p, y), 5)}
    return temperature, points, facts


def fit_gate(network, decoded, lung_check: bool, data=None, val_pass=None, train_pass=None) -> tuple:
    """(the gate, the view check's leave-one-patient-out refusals of the data's real lateral and CT
    films, or None). `val_pass`, `train_pass`: network.passes() of the validation and training
    films, when the caller has them already."""
    train, val = decoded["train"], decoded["val"]
    batch = backend.scoring_batch()
    train_pass = train_pass or network.passes(train.first, batch)
    val_pass = val_pass or network.passes(val.first, batch)
    labels = np.array([s.label for s in train.samples])
    gate = Gate.fit(train.thumbs, train_pass[1], labels, val.thumbs, val_pass[1], lung_check)
    unseen = view_check.teach(gate, network, train, val, train_pass, val_pass, data, batch)
    return gate, unseen


def head(classifier) -> dict | None:
    """The pooled head's weights: with them a heat map is computed from the exported features."""
    names = [layer.name for layer in classifier.layers]
    if "logit" not in names:
        return None  # the article's Flatten head has no class activation map
    w, b = classifier.get_layer("logit").get_weights()
    return {"weights": np.round(w.reshape(-1).astype(np.float64), 8).tolist(), "bias": float(b[0])}


def finalise(classifier, segmenter, arch, spec, decoded, history, out_dir, name, training, lung_card, on_event,
             overwrite=False, data=None, cancelled=lambda: False):
    card = {
        "arch": arch, "classes": ["normal", "covid"], "positive_class": "covid",
        "input": {"size": spec["size"], "channels": spec["channels"]},
        "preprocessing": spec["preprocessing"], "output": spec["output"],
        "lungs": lung_card, "training": training, "history": history, "disclaimer": DISCLAIMER,
        "intended_use": "Research on COVID-19 vs normal frontal chest X-rays; not for diagnosis.",
    }
    network, combined, exported = runnable(card, classifier, segmenter, decoded["val"].first[:64])
    on_event({"kind": "stage", "message": "calibrating on the validation split"})
    val_pass = network.passes(decoded["val"].first, backend.scoring_batch())  # calibration and gate share it
    temperature, points, facts = calibrate(val_pass[0], decoded["val"])
    on_event({"kind": "stage", "message": "fitting the out-of-distribution gate"})
    train_pass = network.passes(decoded["train"].first, backend.scoring_batch())  # the gate and the shift test's
    gate, view_unseen = fit_gate(network, decoded, segmenter is not None, data, val_pass, train_pass)
    card.update(calibration=facts, ood=gate.to_card(), head=head(classifier), **operating.card_fields(points))
    cancelled()  # raises when the run was abandoned meanwhile (a second Ctrl+C): nothing is saved then
    polled = session.polling(on_event, cancelled)
    with staging.staged(out_dir, name, overwrite) as stage:  # out of sight until it is scored
        bundle = bundles.save(combined, card, stage.folder, name, exported=exported)
        del network  # its runtime's working memory goes before the saved bundle's runtime starts
        if rehearsal.supports(classifier):  # what adapting its backbone will need: see training/rehearsal.py
            polled({"kind": "stage", "message": "keeping the rehearsal store"})
            bundle = rehearsal.write(bundle, classifier, rehearsal.films(decoded))
        bundle, metrics = assess_saved(bundle, decoded, polled, data, train_pass, view_unseen)
        bundle = elsewhere.export(bundle, polled, cancelled)  # trained off TensorFlow: scored on Keras, exported now
        result = write_report(bundle, metrics, history, stage)
        cancelled()
        bundle = stage.publish(bundle)
    on_event({"kind": "done", "message": f"saved {bundle.path}", "model": bundle.ident})
    return bundle, result


def runnable(card, classifier, segmenter, films) -> tuple:
    """(network, combined model, its export or None): the trained networks as `classify` will run
    them, exported now and checked against Keras on `films` (first-stage films), so that
    calibration, the gate and the shift test are fitted on what the bundle will hold, at the light
    runtime's speed. Where the model is not exported here, and on a GPU, Keras runs them."""
    from covidxray_desktop.model import export

    combined = bundles.combine(classifier, segmenter)
    keras_network = Network.from_keras(card, classifier, segmenter)
    if not export.exportable(combined) or backend.on_gpu():  # on a GPU Keras scores faster; save exports
        return keras_network, combined, None
    exported = export.light(combined, keras_network.parity_inputs(films))
    return Network.from_exports(card, exported), combined, exported


def assess_saved(bundle, decoded, on_event, data=None, train_pass=None, view_unseen=None) -> tuple:
    """(bundle, metrics): scores through the staged bundle as `classify` runs it (on the light
    runtime; on Keras for a bundle trained off TensorFlow, exported after this), the shift test's
    reference, then the card's metrics. `train_pass`: the training films'
    network.passes(), when the caller has them from the network just exported; `view_unseen`:
    fit_gate's leave-one-patient-out refusals of the real lateral and CT films."""
    from covidxray_desktop.inference import Predictor

    predictor = Predictor(bundle, decode_limit_s=None)
    on_event({"kind": "stage", "message": "fitting the batch shift test on the validation split"})
    val_report = report(predictor, decoded["val"])
    reference = shift_reference(predictor, decoded, val_report, train_pass)
    metrics, extra = {"val": val_report}, {}
    if decoded.get("test") is not None and len(decoded["test"].samples):
        on_event({"kind": "stage", "message": "scoring the test split"})
        metrics["test"] = report(predictor, decoded["test"])
        extra["operating_points"] = trade_off(metrics["test"], operating.points(bundle.card), "test")
        reference["false_alarms"] = shift_false_alarms(reference, metrics["test"], decoded["test"], predictor)
    if decoded.get("held_out") is not None and len(decoded["held_out"].samples):
        # Leave-one-source-out: each unseen source beside the test films of the other class.
        on_event({"kind": "stage", "message": "scoring the held-out sources"})
        held = decoded["held_out"]
        classes = {s.label for s in held.samples}
        test = decoded.get("test")
        others = test.take([s.label not in classes for s in test.samples]) if test is not None else None
        joined = cache.join(held, others) if others is not None else held
        metrics["held_out"] = report(predictor, joined)
        keep = metrics["held_out"]["_accepted"]
        new = [s.source in {h.source for h in held.samples} for s, a in zip(joined.samples, keep) if a]
        reference["power"] = shift.power(reference, metrics["held_out"]["_pooled"][keep],
                                         _predicted(metrics["held_out"]["_p"], predictor), new,
                                         thumbs=joined.thumbs[keep])
    if data is not None and Path(data).is_file():
        films = dataset.others(data)
        if films:
            on_event({"kind": "stage", "message": f"scoring {len(films)} films of other findings"})
            extra["other_findings"] = other_findings(predictor, films)
        real = ood_set.real(data)
        if real:
            on_event({"kind": "stage", "message": f"checking the gate on {len(real)} lateral and CT films"})
            extra["ood_real"] = ood_set.refusals(bundle, real, predictor)  # what its view check learned from
    if view_unseen is not None:
        extra["ood_real_unseen"] = view_unseen  # each patient judged by a check fitted without them
    predictor.close()
    bundle = bundles.update_card(bundle, metrics={**{k: public(v) for k, v in metrics.items()}, **extra},
                                 shift=reference)
    return bundle, metrics


def _predicted(p, predictor) -> np.ndarray:
    """Predicted COVID, at the model's own threshold (as batch.Summary splits a batch for the
    shift test, whatever point the user labels with)."""
    return np.asarray(p) >= float(predictor.bundle.card["threshold"])


def shift_reference(predictor, decoded, val_report=None, train_pass=None) -> dict:
    """The shift test's reference: its directions from the training films, its per-source levels
    from the validation films (each the films the gate accepted)."""
    val_report = report(predictor, decoded["val"]) if val_report is None else val_report
    train = score(predictor, decoded["train"]) if train_pass is None else judged(predictor, decoded["train"], train_pass)
    ok = np.array([r is None for r in train["reasons"]], bool)
    keep = val_report["_accepted"]
    return shift.reference(val_report["_pooled"][keep], _predicted(val_report["_p"], predictor),
                           [s.source for s, a in zip(decoded["val"].samples, keep) if a],
                           (train["pooled"][ok], _predicted(train["p"][ok], predictor)),
                           (decoded["val"].thumbs[keep], decoded["train"].thumbs[ok],
                            [s.source for s, a in zip(decoded["train"].samples, ok) if a]),
                           labels=[s.label for s, a in zip(decoded["val"].samples, keep) if a])


def judged(predictor, decoded, passed) -> dict:
    """What score() gives, from a pass already made (Network.passes) by the networks the predictor
    runs (training's are the very export the bundle holds): the predictor's gate judges it, a
    batch at a time, instead of a second pass over the same films."""
    logits, pooled, masks = passed
    batch, reasons = backend.scoring_batch(), []
    for i in range(0, len(logits), batch):
        part = slice(i, i + batch)
        kept = Forward.kept(logits[part], pooled[part], None if masks is None else masks[part])
        reasons += predictor.gate.assess(decoded.thumbs[part], kept, decoded.first[part])[1]
    return {"p": predictor.probability(logits), "pooled": pooled, "reasons": reasons}


def shift_false_alarms(reference, test_report, decoded_test, predictor) -> dict:
    """The reference's false alarms on random batches of the test films (unseen patients of the
    training sources): any mix, one class only, each source alone."""
    keep = test_report["_accepted"]
    return shift.calibration(reference, test_report["_pooled"][keep], _predicted(test_report["_p"], predictor),
                             [s.source for s, a in zip(decoded_test.samples, keep) if a], test_report["_y"],
                             thumbs=decoded_test.thumbs[keep])


def write_report(bundle, metrics, history, stage) -> dict:
    """The report and its figures, beside the staged bundle; the paths it names are where they will
    lie once published."""
    out_dir, name = Path(stage.folder), bundle.path.stem
    report_ = {"model": bundle.ident, "card": str(stage.final(bundles.card_path(bundle.path))),
               "metrics": {k: public(v) for k, v in metrics.items()}, "history": history, "figures": {}}
    rocs = {}
    for split, m in metrics.items():
        if m.get("auc") is not None:
            fpr, tpr = roc_curve(m["_y"], m["_p"])
            rocs[f"{split} (AUC {m['auc']:.3f})"] = (fpr, tpr)
    if rocs:
        path = out_dir / f"{name}.roc.png"
        plots.line_chart(rocs, path, f"ROC - {bundle.ident}", "1 - specificity", "sensitivity", diagonal=True)
        report_["figures"]["roc"] = str(stage.final(path))
    if history:
        epochs = [h["epoch"] for h in history]
        top = max([1.0] + [h["loss"] for h in history if np.isfinite(h["loss"])])
        path = out_dir / f"{name}.curves.png"
        plots.line_chart({"train loss": (epochs, [h["loss"] for h in history]),
                          "train accuracy": (epochs, [h["accuracy"] for h in history]),
                          "val AUC": (epochs, [h["val_auc"] for h in history]),
                          "val loss": (epochs, [h["val_loss"] for h in history])},
                         path, "Training curves", "epoch", "value",
                         xrange=(1, max(epochs[-1], 2)), yrange=(0, top))
        report_["figures"]["curves"] = str(stage.final(path))
    path = out_dir / f"{name}.report.json"
    write_json_atomic(path, report_)
    report_["path"] = str(stage.final(path))
    return report_
