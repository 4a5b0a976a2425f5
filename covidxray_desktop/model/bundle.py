"""A model bundle: `name.keras` + `name.json` (the card), and for format 2 the light-runtime export
of each network (`name.classifier.onnx`, `name.lungs.onnx`, and where it was saved the segmenter's
int8 copy `name.lungs_int8.onnx`): every file the card names. Verified on load, atomic on save.

The .keras file holds one Keras model whose sub-models are the classifier and, when present,
the lung segmenter. Classifying needs only the ONNX files and ONNX Runtime; Keras (TensorFlow)
is loaded for training, adaptation and parity checks only.
"""
import datetime as dt
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from covidxray_desktop.errors import CovidXrayError, ModelError, UsageError, brief
from covidxray_desktop.files import NotRegular, read_regular, sha256_bytes, sha256_file, write_json_atomic
from covidxray_desktop.model import card as cards
from covidxray_desktop.model import commit
from covidxray_desktop.model.architectures import CLASSIFIER, LUNGS
from covidxray_desktop.paths import default_model

FORMAT_VERSION = 2
MAX_UNPACKED = 1024 * 2**20  # what a .keras archive may expand to (ours: 4 MB; the article's network: 390 MB)
MAX_CONFIG = 4 * 2**20
MAX_ONNX = 1024 * 2**20
# What a save writes under the bundle's name (the ROC and report come after, beside it).
WRITTEN_BESIDE = (".keras", ".json", ".classifier.onnx", ".lungs.onnx", ".lungs_int8.onnx", ".roc.png", ".curves.png",
                  ".report.json", ".rehearsal.npz")


@dataclass
class ModelBundle:
    card: dict
    path: Path  # the .keras file
    hash: str  # of the whole bundle: the card, which names the hash of every file
    model: object = None  # the Keras model, loaded only when asked for
    _networks: dict = field(default_factory=dict, repr=False)  # part -> its bytes, as checked at load

    @property
    def ident(self) -> str:
        """name@day+hash: the hash is the whole bundle's (the card, which names the hash of every
        file the runtime reads), so no changed network or card can keep an ident."""
        return f"{self.card['name']}@{str(self.card['version']).split('+')[0]}+{self.hash[:8]}"

    @property
    def has_lungs(self) -> bool:
        return bool(self.card.get("lungs"))

    @property
    def files(self) -> list[Path]:
        """Every file of the bundle: the .keras, the card, the light-runtime networks, the rehearsal store."""
        rehearsal = self.card.get("rehearsal")
        kept = [self.path.parent / Path(rehearsal["file"]).name] if rehearsal else []
        return [self.path, card_path(self.path)] + [self.part_path(p) for p in self.card.get("runtime", {})] + kept

    def part_path(self, part: str) -> Path:
        return self.path.parent / self.card["runtime"][part]["file"]

    def part_bytes(self, part: str) -> bytes:
        """A light-runtime network as bytes checked against the card: what runs is what was hashed.
        Read once, when `load` checks it, and kept for the runtime."""
        if part not in self._networks:
            target = self.part_path(part)
            data = _read(target, MAX_ONNX)
            if sha256_bytes(data) != self.card["runtime"][part]["sha256"]:
                raise ModelError(_differs(target))
            self._networks[part] = data
        return self._networks[part]

    def lung_exports(self) -> dict | None:
        """The segmenter's exports, float and (where saved) int8, as a bundle made from this one
        keeps them: part -> bytes; None where the bundle has none (the gate was fitted on Keras' masks).
        A bundle saved when its only export was int8 gives that one, and a float one is made anew."""
        from covidxray_desktop.model.runtime import INT8_LUNGS

        runtime = self.card.get("runtime") or {}
        if (runtime.get("lungs") or {}).get("precision") == "int8":  # saved before float was kept beside it
            return {INT8_LUNGS: self.part_bytes("lungs")}
        return {part: self.part_bytes(part) for part in ("lungs", INT8_LUNGS) if part in runtime} or None

    def keras_part(self, part: str):
        """The classifier or the lung segmenter as its own Keras model (Keras loaded on demand)."""
        model = self.keras()
        names = [layer.name for layer in model.layers]
        if part == "classifier":
            return model.get_layer(CLASSIFIER) if CLASSIFIER in names else model
        return model.get_layer(LUNGS) if LUNGS in names else None

    def keras(self):
        if self.model is None:
            self.model = _load_keras(self.path)
        return self.model


def card_path(path) -> Path:
    return Path(path).with_suffix(".json")


def read_card(path) -> dict:
    """The validated card of a bundle given as its .keras or .json file (or a folder with one)."""
    card, _ = _read_card(_resolve(path))
    return card


def load(path=None, keras: bool = False) -> ModelBundle:
    """The bundle at `path`, or the bundled default; every file checked against the card.

    keras=True also loads the Keras model (and with it TensorFlow); classifying does not need it.
    """
    path = _resolve(Path(path) if path else default_model())
    try:
        commit.finish(path.parent, path.stem)  # a save killed after its moment of commit
    except OSError as exc:
        raise ModelError(f"{path.name}: an interrupted save of this model could not be finished "
                         f"({exc.strerror or exc}); save it again.")
    card, digest = _read_card(path)
    if not path.exists():
        raise ModelError(f"{path.name}: model file not found.")
    _check_hash(path, card["keras_sha256"])
    bundle = ModelBundle(card, path, digest)
    for part in card.get("runtime", {}):
        target = bundle.part_path(part)
        if Path(card["runtime"][part]["file"]).name != card["runtime"][part]["file"]:
            raise ModelError(f"{path.name}: the card names a runtime file outside the bundle's folder.")
        if not target.exists():
            raise ModelError(f"{target.name}: this model's light-runtime export is missing; "
                             f"copy it beside {path.name} or export the bundle again.")
        bundle.part_bytes(part)
    if keras:
        bundle.keras()
    return bundle


def save(model, card: dict, out_dir, name: str, overwrite: bool = False, parity_inputs=None,
         exported: dict | None = None, keep: dict | None = None) -> ModelBundle:
    """Write the bundle: `name.keras`, its light-runtime export and the card, as one change (see commit).

    An existing bundle of that name (or its report) is refused unless `overwrite`; an overwritten one
    keeps working until the new one is whole. The export is checked against
    Keras on `parity_inputs` (a dict part -> inputs) before anything is kept; or `exported` is
    what export.light() made of this very model, checked there (P(COVID) and features to their
    tolerances; an int8 segmenter on its masks), as training runs on it before saving;
    `keep`: part -> an export taken over as it is (see export.light).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{name}.keras"
    commit.finish(out_dir, name)
    if not overwrite and taken(out_dir, name):
        raise ModelError(f"{taken(out_dir, name)}: a model of this name (or its report) exists already; choose "
                         f"another name or output folder (or overwrite it on purpose).")
    temps = []
    try:
        tmp = _temp(out_dir, name, ".keras", temps)
        plain = inference_copy(model)
        plain.save(tmp)
        digest = sha256_file(tmp)
        card = dict(card, format_version=FORMAT_VERSION, name=name, keras_sha256=digest,
                    version=f"{dt.date.today():%Y-%m-%d}+{digest[:8]}")
        from covidxray_desktop.model import export

        if exported is None:
            exported = export.light(plain, parity_inputs, keep) if export.exportable(plain) else {}
        runtime, written = {}, {}
        for part, data in exported.items():
            file = f"{name}.{part}.onnx"
            tmp_part = _temp(out_dir, f"{name}.{part}", ".onnx", temps)
            Path(tmp_part).write_bytes(data)
            runtime[part] = _runtime_entry(file, data)
            written[part] = tmp_part
        if runtime:
            card["runtime"] = runtime
        cards.validate(card, f"{name}.json")
        files = {target.name: tmp, card_path(target).name: _card_temp(out_dir, name, card, temps)}
        files.update({runtime[part]["file"]: tmp_part for part, tmp_part in written.items()})
        commit.together(out_dir, name, files)  # the old bundle stays whole until the new one is
    finally:
        _remove(temps)
    return load(target)


def _runtime_entry(file: str, data: bytes) -> dict:
    from covidxray_desktop.model import export

    return {"file": file, "sha256": sha256_bytes(data), "format": "onnx", "opset": export.OPSET,
            "precision": export.precision(data)}


def check_name(name: str, option: str = "--name") -> None:
    """Refuse, before any work, a name no bundle may have: one with a folder in it failed only when
    the trained model was saved."""
    if not name or name != name.strip() or name.startswith(".") or any(c in name for c in '/\\:*?"<>|'):
        raise UsageError(f"{option} {name!r}: a model's name is a plain file name, without folders or a leading "
                         f"dot; give the folder with --out.")


def taken(out_dir, name: str) -> Path | None:
    """The first file a save of `name` into `out_dir` would replace, or None."""
    return next((p for p in (Path(out_dir) / f"{name}{s}" for s in WRITTEN_BESIDE) if p.exists()), None)


def export_runtime(bundle: ModelBundle, parity_inputs=None, keep: dict | None = None) -> ModelBundle:
    """Add (or redo) the light-runtime export of a saved bundle, checked against Keras (on
    `parity_inputs`, part -> inputs, where given: at least export.MIN_FILMS real films also make the
    segmenter int8 where its masks agree);
    `keep`: part -> an export taken over as it is (see export.light)."""
    from covidxray_desktop.model import export

    model = bundle.keras()
    if export.too_large(model):
        raise ModelError(f"{bundle.path.name}: {export.too_large(model)}.")
    runtime, files, temps = {}, {}, []
    folder, name = bundle.path.parent, bundle.path.stem
    try:
        for part, data in export.light(model, parity_inputs, keep).items():
            file = f"{name}.{part}.onnx"  # the file's own name: a renamed copy never writes its original's
            files[file] = tmp = _temp(folder, f"{name}.{part}", ".onnx", temps)
            Path(tmp).write_bytes(data)
            runtime[part] = _runtime_entry(file, data)
        card = cards.validate(dict(bundle.card, runtime=runtime), card_path(bundle.path).name)
        files[card_path(bundle.path).name] = _card_temp(folder, name, card, temps)
        commit.together(folder, name, files)  # networks and card change together or not at all
    finally:
        _remove(temps)
    fresh = load(bundle.path)
    fresh.model = bundle.model
    return fresh


def update_card(bundle: ModelBundle, **changes) -> ModelBundle:
    """Rewrite the card (metrics after scoring, say); the bundle's hash changes with it."""
    card = dict(bundle.card, **changes)
    cards.validate(card, card_path(bundle.path).name)
    write_json_atomic(card_path(bundle.path), card)
    fresh = load(bundle.path)
    fresh.model = bundle.model
    return fresh


def combine(classifier, lungs=None):
    """One Keras model holding both networks as named sub-models, so one .keras file (and one
    hash) carries them; without a segmenter the classifier alone is the model."""
    import keras

    # Fresh functional wrappers of the same layers: uncompiled, so no optimizer state is saved.
    classifier = keras.Model(classifier.inputs, classifier.outputs, name=CLASSIFIER)
    if lungs is None:
        return classifier
    lungs = keras.Model(lungs.inputs, lungs.outputs, name=LUNGS)
    film = keras.Input(lungs.input_shape[1:], name="film")
    view = keras.Input(classifier.input_shape[1:], name="view")
    return keras.Model([film, view], [lungs(film), classifier(view)], name="covidxray_bundle")


def inference_copy(model):
    """The same network and weights without optimizer state (EMA slots would double the file)."""
    import keras

    # A new functional wrapper around the same layers is uncompiled; clone_model and
    # model_from_json both carry the compile config, optimizer included.
    return keras.Model(model.inputs, model.outputs, name=model.name)


def _temp(folder: Path, name: str, suffix: str, temps: list) -> str:
    fd, tmp = tempfile.mkstemp(suffix=suffix, dir=folder, prefix=f".{name}-")
    os.close(fd)
    temps.append(tmp)
    return tmp


def _card_temp(folder: Path, name: str, card: dict, temps: list) -> str:
    tmp = _temp(folder, name, ".json", temps)
    Path(tmp).write_text(json.dumps(card, indent=1), encoding="utf-8")
    return tmp


def _remove(temps) -> None:
    for t in temps:
        if os.path.exists(t):
            os.unlink(t)


def _read_card(path: Path) -> tuple[dict, str]:
    card_file = card_path(path)
    if not path.exists() and not card_file.exists():
        raise ModelError(f"{path.name}: no such model; give the path of a .keras model file (its card "
                         f"{card_file.name} lies beside it).")
    if not card_file.exists():
        raise ModelError(f"{card_file.name}: model card not found next to {path.name}.")
    try:
        data = read_regular(card_file, cards.MAX_CARD_BYTES)
        card = json.loads(data.decode("utf-8"))
    except (NotRegular, ModelError):
        raise
    except (OSError, ValueError, RecursionError) as exc:
        raise ModelError(f"{card_file.name}: model card is not readable JSON ({brief(exc)}).")
    except Exception as exc:  # too large, among others: a CovidXrayError with its own sentence
        raise ModelError(f"{card_file.name}: {brief(exc)}")
    return cards.validate(card, card_file.name), sha256_bytes(data)


def _check_hash(path: Path, expected: str) -> None:
    try:
        digest = sha256_file(path)
    except NotRegular as exc:
        raise ModelError(str(exc))
    except OSError as exc:
        raise ModelError(f"{path.name}: cannot be read ({exc.strerror or exc}).")
    if digest != expected:
        raise ModelError(_differs(path))


def _read(path: Path, limit: int) -> bytes:
    try:
        return read_regular(path, limit)
    except OSError as exc:
        raise ModelError(f"{path.name}: cannot be read ({exc.strerror or exc}).")
    except CovidXrayError as exc:  # not a regular file, too large
        raise ModelError(str(exc))


def _differs(path: Path) -> str:
    return (f"{path.name}: the file does not match its model card (sha256 differs); "
            f"it was changed or damaged - reinstall or retrain it.")


def _load_keras(path: Path):
    """Keras' loader, after bounding what the archive unpacks to; safe_mode refuses Lambda code."""
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            total = sum(i.file_size for i in infos)
            config = next((i.file_size for i in infos if i.filename == "config.json"), 0)
    except (OSError, zipfile.BadZipFile) as exc:
        raise ModelError(f"{path.name}: not a Keras model archive ({brief(exc)}).")
    if total > MAX_UNPACKED or config > MAX_CONFIG:
        raise ModelError(f"{path.name}: unpacks to {total / 2**20:.0f} MB (config {config / 2**20:.1f} MB), far more "
                         f"than any model this app makes; it is refused.")
    from covidxray_desktop import backend

    keras = backend.load_keras()

    try:
        return keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as exc:  # safe_mode refuses Lambda layers and other arbitrary code
        raise ModelError(f"{path.name}: the model cannot be loaded safely ({brief(exc)}).")


def _resolve(path) -> Path:
    path = Path(path)
    if path.is_dir():
        found = sorted(path.glob("*.keras"))
        if len(found) != 1:
            raise ModelError(f"{path}: expected one .keras model in the folder, found {len(found)}.")
        return found[0]
    if path.suffix == ".json":
        return path.with_suffix(".keras")
    if path.suffix != ".keras":
        raise ModelError(f"{path.name}: not a model bundle (expected a .keras file with its .json card).")
    return path
