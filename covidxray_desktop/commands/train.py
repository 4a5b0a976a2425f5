"""`train DATA`: the 16-epoch job with live progress on stderr."""
import sys
import time
from pathlib import Path

from covidxray_desktop.commands.progress import metrics_line


def run(args) -> int:
    from covidxray_desktop.paths import user_data_dir
    from covidxray_desktop.training.job import train

    out = Path(args.out) if args.out else user_data_dir() / "models"
    last, started = {"t": 0.0}, time.time()

    def show(event):
        if args.quiet:
            return
        kind = event["kind"]
        if kind == "batch":
            if time.time() - last["t"] < 1.0:
                return
            last["t"] = time.time()
            print(f"\repoch {event['epoch']}/{event['epochs']} step {event['step']}/{event['steps']} "
                  f"loss {event['loss']:.4f} acc {event['accuracy']:.3f} {event['images_per_s']:.0f} img/s "
                  f"{event['eta_s'] / 60:.1f} min left ", end="", file=sys.stderr, flush=True)
        elif kind == "epoch":
            print(f"\repoch {event['epoch']}/{event['epochs']} loss {event['loss']:.4f} acc {event['accuracy']:.3f} "
                  f"val AUC {event['val_auc']:.4f} val loss {event['val_loss']:.4f} ({event['seconds']:.0f} s, "
                  f"best epoch {event['best_epoch']}, {event['eta_s'] / 60:.1f} min left)      ",
                  file=sys.stderr, flush=True)
        else:
            print(f"\r[{time.time() - started:4.0f} s] {event['message']}    ", end="\n" if kind == "done" or "decoding" not in event["message"] else "",
                  file=sys.stderr, flush=True)

    bundle, report = train(args.data, arch=args.arch, epochs=args.epochs, out_dir=out, name=args.name,
                           seed=args.seed, on_event=show, exclude_sources=tuple(args.exclude_source),
                           limit=args.limit, ablate=tuple(args.ablate),
                           variants=tuple(args.variant), precision=args.precision)
    card = bundle.card
    from covidxray_desktop.logs import log

    log.info("train: %s on %s in %.0f s, model %s", args.arch, card["training"]["device"],
             card["training"]["wall_time_s"], bundle.ident)
    print(f"model: {bundle.ident}  ({bundle.path})")
    print(f"device: {card['training']['device']}  wall time: {card['training']['wall_time_s']:.0f} s  "
          f"threshold: {card['threshold']:.4f}  temperature: {card['calibration']['temperature']:.3f}")
    for split, m in card.get("metrics", {}).items():
        print(metrics_line(split, m))
        if m.get("ignoring_gate", {}).get("n"):
            print(metrics_line("(no gate)", m["ignoring_gate"]))
    print(f"report: {report['path']}")
    return 0
