"""Find labelled X-rays (class folders or a manifest CSV) and split them by patient."""
import csv
import hashlib
import os
import random
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

from covidxray_desktop.errors import DataError
from covidxray_desktop.files import display_path
from covidxray_desktop.imaging.detect import walk
from covidxray_desktop.training import patients

CLASSES = ("normal", "covid")  # index = label; COVID-19 is the positive class
_COVID = {"covid", "covid19", "covid-19", "covid_19", "covid 19", "sars-cov-2", "positive", "新冠", "新冠肺炎", "阳性"}
_NORMAL = {"normal", "healthy", "negative", "no finding", "no_finding", "no findings", "no_findings", "正常", "健康",
           "阴性"}
SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class Sample:
    file: Path
    label: int  # 1 = covid
    source: str
    patient_id: str
    split: str = ""
    mask: Path | None = None  # a lung-field mask (255 = lung), when the data has one
    finding: str = ""  # for films outside the two classes (other.csv): what they show


class Samples(list):
    """Samples, and what discovery left out: `skipped` names each (folders that cannot be opened,
    links, files that cannot be read) and `unused` each folder beside the classes' whose name is no
    class's, so that no film drops out without a word."""

    def __init__(self, items=(), skipped=(), unused=()):
        super().__init__(items)
        self.skipped, self.unused = list(skipped), list(unused)


def unused(samples, on_event) -> list[str]:
    """The folders discovery did not use, said as the job starts, before the films are read."""
    lines = list(getattr(samples, "unused", []))
    if lines:
        on_event({"kind": "stage", "message": "folders not used:\n  " + "\n  ".join(lines)})
    return lines


def label_of(text: str) -> int | None:
    t = text.strip().lower()
    return 1 if t in _COVID else 0 if t in _NORMAL else None


def discover(data) -> tuple[list[Sample], str]:
    """Samples from a folder of class sub-folders or a manifest CSV, and a description."""
    data = Path(data).absolute()
    if data.is_dir():
        samples, found = _from_folders(data)
        named = f"class folders in {data.name}/"
        return samples, f"{named} (patients: {found})" if found else named
    if data.is_file() and data.suffix.lower() == ".csv":
        return _from_manifest(data), f"manifest {data.name}"
    raise DataError(f"{data}: expected a folder with COVID/ and Normal/ sub-folders, or a manifest CSV.")


def _from_folders(root: Path) -> list[Sample]:
    samples, found, others = Samples(), {}, []
    for sub in sorted(p for p in root.iterdir() if p.is_dir()):
        label = label_of(sub.name)
        if label is None:  # "COVID-19 confirmed/" beside COVID/: its films would vanish without a word
            others.append(sub.name)
            samples.unused.append(f"{display_path(sub.name)}/: not used, its name is not a class's (name it COVID "
                                  f"or Normal to use its films)")
            continue
        found[label] = sub.name
        walked = walk([sub])
        # A file is its own patient unless it names one (patients.grouped).
        samples += [Sample(f, label, root.name, f"{sub.name}/{f.relative_to(sub)}") for f in walked.files]
        samples.skipped += [f"{display_path(os.path.relpath(p, root))}: {why}" for p, why in walked.skipped
                            if why != "neither an image nor DICOM"]  # a README or Thumbs.db is no film
    missing = [c for i, c in enumerate(CLASSES) if i not in found]
    if missing:
        seen = f"; it has {', '.join(display_path(o) + '/' for o in others[:6])}" if others else ""
        raise DataError(f"{root}: no sub-folder for class {', '.join(missing)} "
                        f"(expected e.g. COVID/ and Normal/, any case){seen}.")
    same_bytes = patients.copies(samples)
    _one_label_per_film(same_bytes)
    kept, found = patients.grouped(samples, same_bytes)
    return Samples(kept, samples.skipped, samples.unused), found


def _one_label_per_film(same_bytes) -> None:
    """Refuse a film filed under both classes (the same bytes in COVID/ and in Normal/): scored or
    trained on, it is right and wrong at once. `same_bytes`: groups of identical films."""
    clashes = [same for same in same_bytes if len({s.label for s in same}) > 1]
    if clashes:
        shown = "; ".join(" and ".join(s.patient_id for s in same) for same in clashes[:10])
        more = f" (and {len(clashes) - 10} more)" if len(clashes) > 10 else ""
        raise DataError(f"the same film (identical bytes) is under both labels: {shown}{more}. A film has one "
                        f"label: keep each in one folder only.")


def _from_manifest(path: Path) -> list[Sample]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataError(f"{path.name}: cannot read the manifest ({exc}).")
    if not rows or not {"file", "label"} <= set(rows[0]):
        raise DataError(f"{path.name}: a manifest needs at least the columns file,label.")
    masks = mask_index(path.parent)
    samples = []
    for n, row in enumerate(rows, start=2):
        label = label_of(row["label"] or "")
        if label is None:
            raise DataError(f"{path.name}, line {n}: unknown label {row['label']!r} (use covid or normal).")
        split = (row.get("split") or "").strip().lower()
        if split and split not in SPLITS:
            raise DataError(f"{path.name}, line {n}: unknown split {split!r} (use train, val or test).")
        mask = row.get("mask") or masks.get(row["file"])
        samples.append(Sample(_beside(path, row["file"]), label, (row.get("source") or "manifest").strip(),
                              (row.get("patient_id") or row["file"]).strip(), split,
                              _beside(path, mask) if mask else None))
    return samples


def others(manifest) -> list[Sample]:
    """Films of neither class (`other.csv` beside a manifest: other pneumonias, nodules), for
    reporting what the model says about them; label -1, never trained on."""
    path = Path(manifest).parent / "other.csv"
    if not Path(manifest).is_file() or not path.exists():
        return []
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return [Sample(_beside(path, r["file"]), -1, (r.get("source") or "other").strip(),
                       (r.get("patient_id") or r["file"]).strip(), (r.get("split") or "").strip().lower(),
                       finding=(r.get("finding") or "other").strip()) for r in csv.DictReader(fh) if r.get("file")]


def mask_index(folder: Path) -> dict:
    """image path (as the manifest names it) -> mask path, from `masks/manifest.csv` if present."""
    path = Path(folder) / "masks" / "manifest.csv"
    if not path.exists():
        return {}
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            return {r["image"]: r["mask"] for r in csv.DictReader(fh) if r.get("image") and r.get("mask")}
    except (OSError, KeyError, csv.Error):
        return {}


def _beside(manifest: Path, name: str) -> Path:
    file = Path(name)
    return file if file.is_absolute() else manifest.parent / file


def patient_split(samples: list[Sample], seed: int = 0, fractions=(0.7, 0.15, 0.15)) -> list[Sample]:
    """Keep given splits; split the rest by patient, stratified by label, seeded.

    Every image of one (source, patient) lands in the same split.
    """
    if all(s.split for s in samples):
        return samples
    groups = defaultdict(list)
    for s in samples:
        if not s.split:
            groups[(s.source, s.patient_id)].append(s)
    by_label = defaultdict(list)
    for key, members in sorted(groups.items()):
        majority = round(sum(m.label for m in members) / len(members))
        by_label[majority].append(key)
    rng = random.Random(seed)
    assign = {}
    for label, keys in sorted(by_label.items()):
        rng.shuffle(keys)
        total = sum(len(groups[k]) for k in keys)
        done = 0
        for k in keys:
            share = done / max(total, 1)
            assign[k] = "train" if share < fractions[0] else "val" if share < fractions[0] + fractions[1] else "test"
            done += len(groups[k])
    return [s if s.split else replace(s, split=assign[(s.source, s.patient_id)]) for s in samples]


def fingerprint(samples: list[Sample]) -> str:
    """sha256 over (file name, label, split): which data a model saw, without the pixels."""
    h = hashlib.sha256()
    for s in sorted(samples, key=lambda s: (str(s.file), s.split)):
        h.update(f"{s.file.name}\t{s.label}\t{s.source}\t{s.patient_id}\t{s.split}\n".encode())
    return h.hexdigest()


def write_split(samples: list[Sample], path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["file", "label", "source", "patient_id", "split"])
        for s in samples:
            w.writerow([str(s.file), CLASSES[s.label], s.source, s.patient_id, s.split])
