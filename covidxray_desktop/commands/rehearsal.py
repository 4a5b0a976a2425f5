"""`rehearsal MANIFEST --model BUNDLE`: keep a bundle's rehearsal store, which adapting its backbone needs."""


def add_arguments(a) -> None:
    a.add_argument("data", metavar="MANIFEST", help="the bundle's training data (its train and val films are read)")
    a.add_argument("--model", metavar="BUNDLE", required=True, help="the .keras file of the bundle")


def run(args) -> int:
    from covidxray_desktop.model import bundle as bundles
    from covidxray_desktop.training import cache, dataset, rehearsal
    from covidxray_desktop.training.evaluate import route_of, split_as_trained

    _check_writable(args.model)  # before minutes of decoding
    bundle = bundles.load(args.model, keras=True)
    classifier = bundle.keras_part("classifier")
    if not rehearsal.supports(classifier):
        from covidxray_desktop.errors import UsageError

        raise UsageError(f"{bundle.ident} has no backbone blocks to fine-tune: adapting it needs no store")
    samples, described = dataset.discover(args.data)
    _check_same_data(bundle, samples, described)
    excluded = set(bundle.card.get("training", {}).get("excluded_sources") or [])
    kept = [s for s in split_as_trained(samples, bundle) if s.split in ("train", "val") and s.source not in excluded]
    chosen = [kept[i] for i in rehearsal.pick(kept)]
    decoded, problems = cache.decode(chosen, route_of(bundle))
    done = rehearsal.write(bundle, classifier, decoded)
    block = done.card["rehearsal"]
    print(f"{done.ident}: {block['films']} films kept in {block['file']}"
          + (f" ({len(problems)} could not be read)" if problems else ""))
    return 0


def _check_same_data(bundle, samples, described) -> None:
    """The store must hold the films the model learnt from: made of a clinic's 15 films, it replaced
    the 254 training films that adapting rehearses, without a word. A manifest that shares none of
    the sources the card names is refused."""
    from covidxray_desktop.errors import UsageError

    learnt = set(bundle.card.get("training", {}).get("sources") or [])
    found = {s.source for s in samples}
    if learnt and not learnt & found:
        raise UsageError(f"{described} holds none of the sources {bundle.ident} learnt from "
                         f"({', '.join(sorted(learnt))}): a rehearsal store is made of the model's own training "
                         f"films. Give the manifest it was trained on.")


def _check_writable(model) -> None:
    """The store and the card are written beside the bundle: never in the bundled model's folder (its
    hash, which every stored result names, would change), and only where a file can be written."""
    from pathlib import Path

    from covidxray_desktop.commands.writing import outside_bundled, writable

    outside_bundled(model, f"--model {model}")
    writable(Path(model).expanduser().absolute().parent, "--model", folder=True)  # the .keras is only read
