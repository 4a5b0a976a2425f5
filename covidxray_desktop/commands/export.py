"""`export BUNDLE`: give a bundle trained under JAX or PyTorch its light-runtime export (needs TensorFlow)."""


def add_arguments(e) -> None:
    e.add_argument("bundle", metavar="BUNDLE", help="the .keras file of the bundle")


def run(args) -> int:
    from covidxray_desktop import backend
    from covidxray_desktop.errors import UsageError
    from covidxray_desktop.model import bundle as bundles
    from covidxray_desktop.paths import default_model

    if backend.name() != "tensorflow":
        raise UsageError("the export runs on TensorFlow: run it with KERAS_BACKEND unset or tensorflow")
    bundle = bundles.load(args.bundle, keras=True)
    if bundle.path.resolve() == default_model().resolve():
        raise UsageError("the bundled model is never rewritten; copy it elsewhere first")
    # An int8 segmenter export was checked against Keras when the bundle was saved, and the gate
    # fitted on its masks: it is kept (a float one made here would not match the gate).
    lungs = (bundle.card.get("runtime") or {}).get("lungs") or {}
    keep = {"lungs": bundle.part_bytes("lungs")} if lungs.get("precision") == "int8" else None
    done = bundles.export_runtime(bundle, keep=keep)
    print(f"{done.ident}: exported {', '.join(done.card['runtime'])} for the light runtime, checked against Keras")
    return 0
