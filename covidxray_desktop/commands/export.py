"""`export BUNDLE`: give a bundle trained under JAX or PyTorch its light-runtime export (needs TensorFlow)."""


def add_arguments(e) -> None:
    e.add_argument("bundle", metavar="BUNDLE", help="the .keras file of the bundle")


def run(args) -> int:
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
    done = bundles.export_runtime(bundle, keep=bundle.lung_exports())
    print(f"{done.ident}: exported {', '.join(done.card['runtime'])} for the light runtime, checked against Keras")
    return 0
