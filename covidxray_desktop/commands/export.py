"""`export BUNDLE`: give a bundle trained under JAX or PyTorch its light-runtime export (needs TensorFlow)."""


def add_arguments(e) -> None:
    e.add_argument("bundle", metavar="BUNDLE", help="the .keras file of the bundle")


def run(args) -> int:
    import sys

    from covidxray_desktop import backend
    from covidxray_desktop.commands.writing import outside_bundled
    from covidxray_desktop.errors import UsageError
    from covidxray_desktop.model import bundle as bundles

    if backend.name() != "tensorflow":
        raise UsageError("the export runs on TensorFlow: run it with KERAS_BACKEND unset or tensorflow")
    outside_bundled(args.bundle, args.bundle)
    bundle = bundles.load(args.bundle, keras=True)
    # The segmenter's exports were checked against Keras when the bundle was saved, and the gate
    # fitted on their masks: they are kept (ones made here could find other lungs than the gate's).
    kept = bundle.lung_exports()
    done = bundles.export_runtime(bundle, keep=kept)
    made = [part for part in done.card["runtime"] if part not in (kept or {})]
    print(f"{done.ident}: exported {', '.join(made)} for the light runtime, checked against Keras"
          + (f"; kept {', '.join(kept)}" if kept else ""))
    if done.ident != bundle.ident:  # the export is part of what the name's hash covers
        print(f"covidxray: the model is now named {done.ident} (it was {bundle.ident}); results stored under the "
              f"old name are made again when its films are classified.", file=sys.stderr)
    return 0
