"""`evaluate DATA`: metrics overall, per class, per source; a clinic's own folder is scored whole,
with a plain-language verdict beside the numbers."""
import shlex
import subprocess
import sys
import time
from pathlib import Path

from covidxray_desktop.commands.progress import Progress, metrics_line

NOTHING_JUDGED = 3  # as classify: no film could be judged, or too few for a verdict


def add_arguments(e) -> None:
    e.add_argument("data", metavar="DATA", help="a folder with COVID/ and Normal/ sub-folders, or a manifest CSV")
    e.add_argument("--model", metavar="BUNDLE")
    e.add_argument("--split", default="test", choices=["train", "val", "test", "all"],
                   help="for a manifest (a folder is always scored whole)")
    e.add_argument("--json", metavar="FILE")
    e.add_argument("--operating-point", metavar="POINT",
                   help="the model card's named threshold to score at: balanced or screening (default: the card's)")
    e.add_argument("--threshold", type=float, help="a custom threshold instead of a named point")
    e.add_argument("--runtime", choices=["auto", "onnx", "keras"], default="auto",
                   help="keras: score through Keras (TensorFlow), to check the light runtime against it")
    e.add_argument("--ood", metavar="DIR", help="also build the out-of-distribution test set in DIR and score refusals")
    e.add_argument("--quiet", action="store_true")


def run(args) -> int:
    from covidxray_desktop import outputs
    from covidxray_desktop.commands.writing import writable, write_json
    from covidxray_desktop.inference import Predictor
    from covidxray_desktop.model.bundle import load
    from covidxray_desktop.store import default_path
    from covidxray_desktop.training.evaluate import evaluate, public
    from covidxray_desktop.training.sitecheck import verdict

    from covidxray_desktop.model import operating

    operating.check_choice(args.operating_point, args.threshold)  # before the model or any film is read
    bundle = load(args.model, keras=args.runtime == "keras")
    point, threshold = operating.resolve(bundle.card, args.operating_point, args.threshold)
    outputs.distinct((("--json", args.json), ("--ood", args.ood)), printed="the printed report")
    if args.json:
        outputs.check(args.json, "--json", [args.data], store=default_path(), protected=bundle.files)
        writable(args.json, "--json")  # before the films are scored, not after
    if args.ood:  # generated pictures inside the labelled folders would be read as films later
        outputs.check(args.ood, "--ood", [args.data], store=default_path(), protected=bundle.files,
                      folder_output=True)
        if Path(args.ood).exists() and not Path(args.ood).is_dir():  # found now, not after the scoring
            from covidxray_desktop.errors import UsageError

            raise UsageError(f"--ood {args.ood}: a file is there; --ood names a folder to write its pictures into.")
        writable(args.ood, "--ood", folder=True)  # a read-only folder said now: it failed after the scoring
    predictor = Predictor(bundle, decode_limit_s=None, runtime=args.runtime)
    progress, started = {"bar": None}, time.perf_counter()  # the rate counts from here, not the first report

    def on_progress(n, total):
        if progress["bar"] is None:
            progress["bar"] = Progress(total, args.quiet, "images", started)
        progress["bar"].step(n - progress["bar"].done)

    report = public(evaluate(args.data, bundle, args.split, threshold, on_progress, predictor))
    report["operating_point"] = point
    if progress["bar"]:
        report["images_per_s"] = round(progress["bar"].close(), 2)
    report["runtime"] = predictor.network.runtime
    report["made_with"] = predictor.made_with  # refusals depend on which segmenter export ran here
    if report.get("unused"):
        print("folders not used:\n  " + "\n  ".join(report["unused"]), file=sys.stderr)
    if report["errors"]:  # on screen, not only in --json
        print(f"{report['errors']} films could not be read and were left out:", file=sys.stderr)
        for message in report["error_messages"]:
            print(f"  {message}", file=sys.stderr)
    print(f"model {bundle.ident} on {report['data']} ({report['split']}), operating point {point}, "
          f"threshold {report.get('threshold', threshold):.4f}")  # the point's, even with no film to score
    print(metrics_line("overall", report))
    for name, m in report.get("per_class", {}).items():
        print(metrics_line(name, m))
    for name, m in report.get("per_source", {}).items():
        print(metrics_line(name[:9], m) + f"  [{name}, {m['n_source']} images, vs {m['scored_against']}]")
    refused = report.get("rejected_per_source", {})
    if refused:
        print("refused per source: " + ", ".join(f"{k} {v['rejected']}/{v['n']}" for k, v in refused.items()))
        print_reasons(refused)
    if report["split"] == "all films":
        report["verdict"] = verdict(report, bundle.card, point, adapt=adapt_command(args.data))
        print()
        for sentence in report["verdict"]["sentences"]:
            print(sentence)
    if not args.quiet:
        print(f"ECE before calibration {report.get('ece_uncalibrated')}, after {report.get('ece')}; "
              f"{report.get('images_per_s', 0)} images/s ({report['runtime']})", file=sys.stderr)
    if args.ood:
        from covidxray_desktop.training import ood_set
        from covidxray_desktop.training.evaluate import split_for

        picks = split_for(args.data, bundle, 10)
        items = ood_set.build(Path(args.ood), picks) + ood_set.real(args.data)
        report["ood"] = ood = ood_set.refusals(bundle, items, predictor)
        print(f"out-of-distribution set: {ood['rejected_fraction']:.1%} of {ood['n']} rejected; "
              + ", ".join(f"{k} {v['rejected']}/{v['n']}" for k, v in ood["per_kind"].items()))
        print_reasons(ood["per_kind"])
        unseen = bundle.card.get("metrics", {}).get("ood_real_unseen")
        if unseen and unseen.get("method"):  # measured when the view check was fitted: it learned from all of them
            report["ood_real_unseen"] = unseen
            print("  real lateral and CT films, each patient judged by a view check fitted without them "
                  "(the card's): " + ", ".join(f"{k} {v['rejected']}/{v['n']}" for k, v in unseen["per_kind"].items()))
        for name in ood["accepted"]:
            print(f"  accepted: {name}")
    if args.json:
        write_json(args.json, report)  # whole or absent, and a failure names the file
    judged = report.get("n", 0) and report.get("verdict", {}).get("judged", True)
    return 0 if judged else NOTHING_JUDGED


def adapt_command(data) -> str:
    """The command that adapts the model to these films, quoted for this system's shell."""
    words = ["covidxray", "adapt", str(data), "--out", "site.keras"]
    return subprocess.list2cmdline(words) if sys.platform == "win32" else shlex.join(words)


def print_reasons(groups: dict) -> None:
    """Each group's refusals, one line per reason the gate gave (its own words)."""
    for name, entry in groups.items():
        for reason, count in entry["reasons"].items():
            print(f"  {name}: {count} x {reason}")
