"""A model bundle: `name.keras` + `name.json` (the model card). Verified on load, atomic on save."""
import datetime as dt
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from covidxray_desktop.errors import ModelError, brief

FORMAT_VERSION = 1
REQUIRED = ("name", "version", "keras_sha256", "threshold", "input", "preprocessing", "output")


@dataclass
class ModelBundle:
    model: object  # keras.Model
    card: dict
    path: Path  # the .keras file

    @property
    def ident(self) -> str:
        return f"{self.card['name']}@{self.card['version']}"


def sha256_file(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def card_path(path) -> Path:
    return Path(path).with_suffix(".json")


def read_card(path) -> dict:
    """The card of a bundle given as its .keras or .json file (or a folder with one bundle)."""
    path = _resolve(path)
    card_file = card_path(path)
    if not card_file.exists():
        raise ModelError(f"{card_file.name}: model card not found next to {path.name}.")
    try:
        card = json.loads(card_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"{card_file.name}: model card is not readable JSON ({exc}).")
    if card.get("format_version") != FORMAT_VERSION:
        raise ModelError(f"{card_file.name}: model card format {card.get('format_version')!r} is not "
                         f"supported (this app reads format {FORMAT_VERSION}); update the app.")
    missing = [k for k in REQUIRED if k not in card] + [f"input.{k}" for k in ("size", "channels")
                                                        if k not in card.get("input", {})]
    if missing:
        raise ModelError(f"{card_file.name}: model card lacks {', '.join(missing)}; it is damaged or incomplete.")
    return card


def load_bundle(path) -> ModelBundle:
    path = _resolve(path)
    card = read_card(path)
    if not path.exists():
        raise ModelError(f"{path.name}: model file not found.")
    digest = sha256_file(path)
    if digest != card.get("keras_sha256"):
        raise ModelError(f"{path.name}: the model file does not match its card (sha256 differs); "
                         f"it was changed or damaged - reinstall or retrain it.")
    import keras

    try:
        model = keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as exc:  # safe_mode refuses Lambda layers and other arbitrary code
        raise ModelError(f"{path.name}: the model cannot be loaded safely ({brief(exc)}).")
    return ModelBundle(model, card, path)


def save_bundle(model, card: dict, out_dir, name: str) -> ModelBundle:
    """Write `name.keras` then `name.json` atomically; the card gets the hash and version."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{name}.keras"
    fd, tmp = tempfile.mkstemp(suffix=".keras", dir=out_dir, prefix=f".{name}-")
    os.close(fd)
    readable(tmp)
    try:
        inference_copy(model).save(tmp)
        fsync(tmp)
        digest = sha256_file(tmp)
        card = dict(card, format_version=FORMAT_VERSION, name=name, keras_sha256=digest,
                    version=f"{dt.date.today():%Y-%m-%d}+{digest[:8]}")
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    write_json_atomic(card_path(target), card)
    return ModelBundle(model, card, target)


def inference_copy(model):
    """The same network and weights without optimizer state (EMA slots would double the file)."""
    import keras

    # A new functional wrapper around the same layers is uncompiled; clone_model and
    # model_from_json both carry the compile config, optimizer included.
    return keras.Model(model.inputs, model.outputs, name=model.name)


def write_json_atomic(path, data) -> None:
    write_text_atomic(path, json.dumps(data, indent=1))


def write_text_atomic(path, text: str) -> None:
    """Temp file beside the target, fsync, rename: readers see the old file or the new, never half."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(suffix=path.suffix, dir=path.parent, prefix=f".{path.stem}-")
    readable(tmp)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


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


def readable(path) -> None:
    """mkstemp makes owner-only files; a model and its card are for every user of the machine."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


def fsync(path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())
