"""After the epochs: calibrate on val, fit the OOD gate, save the bundle, score it, report."""
import json
from pathlib import Path

import numpy as np

from covidxray_desktop import DISCLAIMER
from covidxray_desktop.model.architectures import FEATURES
from covidxray_desktop.model.bundle import card_path, save_bundle, write_json_atomic
from covidxray_desktop.model.calibration import fit_temperature, log_loss, sigmoid, threshold_for_sensitivity
from covidxray_desktop.model.ood import OODGate
from covidxray_desktop.training import plots
from covidxray_desktop.training.evaluate import evaluate_samples, public
from covidxray_desktop.training.fit import as_input, predict_logits
from covidxray_desktop.training.metrics import roc_curve

TARGET_SENSITIVITY = 0.95


def pooled_features(model, images, channels: int, batch: int = 64) -> np.ndarray:
    import keras

    net = keras.Model(model.inputs, model.get_layer(FEATURES).output)
    out = [np.asarray(net.predict_on_batch(as_input(images[i:i + batch], channels))).mean(axis=(1, 2))
           for i in range(0, len(images), batch)]
    return np.concatenate(out)


def finalise(model, arch, spec, parts, arrays, history, out_dir, name, training, held_out, on_event):
    on_event({"kind": "stage", "message": "calibrating on the validation split"})
    y_val = np.array([s.label for s in parts["val"]])
    logits = predict_logits(model, arrays["val"][0], spec["channels"], spec["output"])
    temperature = fit_temperature(logits, y_val)
    p_val = sigmoid(logits / temperature)
    threshold = threshold_for_sensitivity(p_val, y_val, TARGET_SENSITIVITY)

    on_event({"kind": "stage", "message": "fitting the out-of-distribution gate"})
    y_train = np.array([s.label for s in parts["train"]])
    gate = OODGate.fit(arrays["train"][1], pooled_features(model, arrays["train"][0], spec["channels"]),
                       y_train, arrays["val"][1], pooled_features(model, arrays["val"][0], spec["channels"]))

    card = {
        "arch": arch, "classes": ["normal", "covid"], "positive_class": "covid",
        "input": {"size": spec["size"], "channels": spec["channels"]},
        "preprocessing": spec["preprocessing"], "output": spec["output"],
        "threshold": round(threshold, 6),
        "operating_point": f"sensitivity >= {TARGET_SENSITIVITY} for COVID-19 on the validation split (screening)",
        "calibration": {"method": "temperature scaling on the validation split", "temperature": round(temperature, 6),
                        "val_log_loss_before": round(log_loss(sigmoid(logits), y_val), 5),
                        "val_log_loss_after": round(log_loss(p_val, y_val), 5)},
        "training": training, "history": history, "disclaimer": DISCLAIMER,
        "intended_use": "Research on COVID-19 vs normal frontal chest X-rays; not for diagnosis.",
        "ood": gate.to_card(),
    }
    bundle = save_bundle(model, card, out_dir, name)

    metrics = {}
    for split in ("val", "test"):
        if parts.get(split):
            on_event({"kind": "stage", "message": f"scoring the {split} split"})
            metrics[split] = evaluate_samples(parts[split], bundle)
    if held_out:
        # Leave-one-source-out: the unseen source against the test normals.
        normals = [s for s in parts.get("test", []) if s.label == 0]
        on_event({"kind": "stage", "message": "scoring the held-out sources"})
        metrics["held_out"] = evaluate_samples(held_out + normals, bundle)
    bundle.card["metrics"] = {k: public(v) for k, v in metrics.items()}
    write_json_atomic(card_path(bundle.path), bundle.card)

    report = write_report(bundle, metrics, history, Path(out_dir), name)
    on_event({"kind": "done", "message": f"saved {bundle.path}", "model": bundle.ident})
    return bundle, report


def write_report(bundle, metrics, history, out_dir: Path, name: str) -> dict:
    report = {"model": bundle.ident, "card": str(card_path(bundle.path)),
              "metrics": {k: public(v) for k, v in metrics.items()}, "history": history,
              "figures": {}}
    rocs = {}
    for split, m in metrics.items():
        if m.get("auc") is not None:
            fpr, tpr = roc_curve(m["_y"], m["_p"])
            rocs[f"{split} (AUC {m['auc']:.3f})"] = (fpr, tpr)
    if rocs:
        path = out_dir / f"{name}.roc.png"
        plots.line_chart(rocs, path, f"ROC - {bundle.ident}", "1 - specificity", "sensitivity", diagonal=True)
        report["figures"]["roc"] = str(path)
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
        report["figures"]["curves"] = str(path)
    path = out_dir / f"{name}.report.json"
    path.write_text(json.dumps(report, indent=1), encoding="utf-8")
    report["path"] = str(path)
    return report
