"""The notices that ship with the built app credit what the bundled model learnt from."""
import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def notices():
    spec = importlib.util.spec_from_file_location("notices", ROOT / "build_spec" / "notices.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_notices_name_the_model_as_the_window_does_and_every_collection_it_learnt_from():
    from covidxray_desktop.model.bundle import load

    card = ROOT / "resources" / "models" / "default.json"
    text, problems = notices().render({}, model_card=card)
    assert problems == []
    assert f"Model {load().ident} " in text  # the name on the About page, each CSV row and report
    provenance = json.loads(card.read_text(encoding="utf-8"))["training"]["provenance"]
    assert provenance in text
    for collection, licence in (("Hannover", "CC BY 3.0"), ("Kermany", "CC BY 4.0"), ("JSRT", "research use"),
                                ("ChestX-ray14", "citation"), ("RSNA", "non-commercial")):
        assert collection in text and licence in text


def test_a_card_without_the_provenance_of_its_data_stops_the_build(tmp_path):
    card = json.loads((ROOT / "resources" / "models" / "default.json").read_text(encoding="utf-8"))
    del card["training"]["provenance"]
    (tmp_path / "default.json").write_text(json.dumps(card), encoding="utf-8")
    _, problems = notices().render({}, model_card=tmp_path / "default.json")
    assert any("names no provenance" in p for p in problems)


def test_a_package_that_names_its_licence_only_in_its_licence_file_is_credited_with_it():
    # namex (a Keras dependency) carries the Apache-2.0 text but names no licence in its metadata: the
    # notices' summary listed it as "unknown", and a GPL-only package so written would pass the check.
    import importlib.metadata as md

    assert notices().licence_of(md.distribution("namex")).startswith("Apache-2.0")
