"""`evaluate DATA --model BUNDLE`: metrics overall, per class, per source, on one split."""
import json
import sys
from pathlib import Path

from covidxray_desktop.commands.progress import Progress, metrics_line


def run(args) -> int:
    from covidxray_desktop.cli import load_model
    from covidxray_desktop.training.evaluate import evaluate, public

    bundle = load_model(args.model)
    progress = {"bar": None}

    def on_progress(n, total):
        if progress["bar"] is None:
            progress["bar"] = Progress(total, args.quiet, "images")
        progress["bar"].step()

    report = public(evaluate(args.data, bundle, args.split, args.threshold, on_progress))
    if progress["bar"]:
        report["images_per_s"] = round(progress["bar"].close(), 2)
    print(f"model {bundle.ident} on {report['data']} ({args.split}), threshold {report.get('threshold', 0):.4f}")
    print(metrics_line("overall", report))
    for name, m in report.get("per_class", {}).items():
        print(metrics_line(name, m))
    for name, m in report.get("per_source", {}).items():
        print(metrics_line(name[:9], m) + f"  [{name}, {m['n_source']} images, vs {m['scored_against']}]")
    print(f"ECE before calibration {report.get('ece_uncalibrated')}, after {report.get('ece')}; "
          f"{report.get('images_per_s', 0)} images/s", file=sys.stderr)
    if args.ood:
        from covidxray_desktop.training.evaluate import evaluate_ood

        report["ood"] = ood = evaluate_ood(bundle, args.data, Path(args.ood))
        print(f"out-of-distribution set ({args.ood}): {ood['rejected_fraction']:.1%} of {ood['n']} rejected; "
              + ", ".join(f"{k} {v['rejected']}/{v['n']}" for k, v in ood["per_kind"].items()))
        for name in ood["accepted"]:
            print(f"  accepted: {name}")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1), encoding="utf-8")
    return 0
