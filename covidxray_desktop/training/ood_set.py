"""An out-of-distribution test set made on the spot: things that are not frontal chest X-rays.

None of the made-up images is used to fit the gate; the data's real lateral views and CT slices
(`real`) teach its view check (training/view_check.py).
Kinds: noise, blank, rendered text and screenshots, photographs and other pictures shipped by
scikit-image (when installed), CT-like slices, other-body-part images, rotated / upside-down
X-rays, negatives (greys inverted), corner crops, and DICOM files whose tags say CT or lateral.
"""
import csv
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from covidxray_desktop.files import write_through
from covidxray_desktop.imaging import DECODE_SIDE
from covidxray_desktop.imaging.isolate import Isolated
from covidxray_desktop.prepare import film

SKIMAGE_GRAY = ["camera", "coins", "horse", "moon", "page", "text", "clock", "brick", "grass", "gravel",
                "checkerboard", "binary_blobs", "microaneurysms"]
SKIMAGE_COLOUR = ["astronaut", "coffee", "chelsea", "rocket", "hubble_deep_field", "immunohistochemistry",
                  "logo", "cat", "colorwheel", "retina"]


def real(data) -> list[tuple[Path, str]]:
    """The real films the data keeps for this purpose (`ood/manifest.csv`: lateral views, CT
    slices), as (path, kind); none when absent. The gate's view check learns from them
    (training/view_check.py); its statistics never see them."""
    folder = Path(data).parent if Path(data).is_file() else Path(data)
    manifest = folder / "ood" / "manifest.csv"
    if not manifest.exists():
        return []
    with open(manifest, newline="", encoding="utf-8") as fh:
        return [(folder / "ood" / r["file"], r["kind"]) for r in csv.DictReader(fh) if r.get("file")]


def patients(data) -> dict:
    """path -> patient of each real non-frontal film (its file where none is named): the groups left
    out together, whatever their kind (one patient's lateral view and CT slice go together)."""
    folder = Path(data).parent if Path(data).is_file() else Path(data)
    with open(folder / "ood" / "manifest.csv", newline="", encoding="utf-8") as fh:
        return {folder / "ood" / r["file"]: r.get("patient_id") or r["file"] for r in csv.DictReader(fh) if r.get("file")}


VARIANTS = 6  # made copies of each real non-frontal film, besides the film and its mirror image


def variants(pixels: np.ndarray, rng) -> list[np.ndarray]:
    """A film, its mirror image, and copies as another hospital or a journal might show it:
    mirrored or not, cropped, re-contrasted, sometimes shrunk (a figure panel) or framed."""
    out = [pixels, pixels[:, ::-1]]
    for _ in range(VARIANTS):
        a = pixels[:, ::-1] if rng.random() < 0.5 else pixels
        h, w = a.shape
        least = rng.uniform(0.7, 0.95)
        ch, cw = int(h * rng.uniform(least, 1)), int(w * rng.uniform(least, 1))
        y, x = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
        a = np.clip(a[y:y + ch, x:x + cw], 0, 1) ** rng.uniform(0.6, 1.6)
        if rng.random() < 0.5:
            s = rng.uniform(0.3, 0.7)
            size = (max(40, int(a.shape[1] * s)), max(40, int(a.shape[0] * s)))
            a = np.asarray(Image.fromarray(a.astype(np.float32)).resize(size, Image.BILINEAR))
        if rng.random() < 0.3:
            a = np.pad(a, int(rng.integers(3, 20)), constant_values=float(rng.choice([0.0, 1.0])))
        out.append(a.astype(np.float32))
    return out


def prepared_variants(items, route, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(first-stage inputs, thumbnails, index in `items` of the film each came from) of every
    variant of each film in `items` ((path, kind)), the film itself first, decoded in a worker
    process as every film is; films that cannot be read are left out."""
    from covidxray_desktop.errors import CovidXrayError
    from covidxray_desktop.prepare import network_inputs

    rng = np.random.default_rng(seed)
    firsts, thumbs, owners = [], [], []
    films = Isolated(film)
    try:
        for k, (path, _) in enumerate(items):
            try:
                base = films(path, DECODE_SIDE)
            except CovidXrayError:
                continue
            for a in variants(base, rng):
                first, thumb, _ = network_inputs(a, route)
                firsts.append(first)
                thumbs.append(thumb)
                owners.append(k)
    finally:
        films.close()
    if not firsts:
        return np.zeros((0, 1, 1), np.float16), np.zeros((0, 1024), np.float32), np.zeros(0, int)
    return np.stack(firsts), np.stack(thumbs), np.array(owners)


def refusals(bundle, items, predictor=None) -> dict:
    """Share refused per kind, with 95 % intervals and the reasons given, through `classify`'s own route."""
    from covidxray_desktop.inference import Predictor

    predictor = predictor or Predictor(bundle, decode_limit_s=None)
    return tally([(kind, None if row.status == "ok" else row.message.removesuffix("; no prediction."),
                   f"{Path(path).name} (score {row.ood_score})")
                  for (path, kind), row in zip(items, predictor.run([p for p, _ in items]))])


def tally(judged) -> dict:
    """judged: (kind, reason refused or None, how to name it if accepted) per film -> share refused
    per kind, with 95 % intervals, the reasons given and the films accepted."""
    from covidxray_desktop.training.metrics import wilson

    per_kind, reasons, accepted = {}, {}, []
    for kind, reason, name in judged:
        done = per_kind.setdefault(kind, [0, 0])
        done[0] += reason is not None
        done[1] += 1
        why = reasons.setdefault(kind, {})
        if reason is None:
            accepted.append(name)
        else:
            why[reason] = why.get(reason, 0) + 1
    refused, n = sum(v[0] for v in per_kind.values()), sum(v[1] for v in per_kind.values())
    return {"rejected_fraction": round(refused / max(n, 1), 4), "rejected_ci95": wilson(refused, n), "n": n,
            "per_kind": {k: {"rejected": v[0], "n": v[1], "ci95": wilson(v[0], v[1]), "reasons": reasons[k]}
                         for k, v in sorted(per_kind.items())},
            "accepted": accepted}


def build(out_dir, xray_files, seed: int = 0) -> list[tuple[Path, str]]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    items = []

    def save(kind, name, array_or_image):
        im = array_or_image if isinstance(array_or_image, Image.Image) else _to_image(array_or_image)
        path = out_dir / f"{kind}-{name}.png"
        write_through(path, lambda fh: im.save(fh, "PNG"))
        items.append((path, kind))

    for i in range(4):
        save("noise", f"uniform{i}", rng.random((400, 400)))
        save("noise", f"gaussian{i}", np.clip(rng.normal(0.5, 0.2, (400, 400)), 0, 1))
        save("noise", f"smooth{i}", _smooth_noise(rng, 400))
    for name, value in (("black", 0.0), ("white", 1.0), ("gray", 0.5)):
        save("blank", name, np.full((400, 400), value))
    save("blank", "gradient", np.tile(np.linspace(0, 1, 400), (400, 1)))
    for i in range(4):
        save("document", f"page{i}", _text_page(rng, dark=i % 2 == 1))
        save("screenshot", f"window{i}", _screenshot(rng))
    for i in range(4):
        save("ct_like", f"axial{i}", _axial_chest(rng))
    items += _skimage(out_dir)
    films = Isolated(film)  # the real films decode in a worker process, as every film does
    try:
        for n, f in enumerate(xray_files):
            base = films(f, DECODE_SIDE)
            for k, turned in ((1, np.rot90(base, 1)), (2, np.rot90(base, 2)), (3, np.rot90(base, 3))):
                save("rotated", f"{n}-rot{90 * k}", turned)
            save("flipped", f"{n}-upside-down", base[::-1])
            save("negative", f"{n}-negative", 1.0 - base)  # greys inverted, with nothing to say so
            h, w = base.shape
            save("crop", f"{n}-corner", base[: h // 3, : w // 3])
        items += _tagged_dicoms(out_dir, xray_files[:2], films)
    finally:
        films.close()
    return items


def _to_image(a) -> Image.Image:
    a = np.asarray(a, np.float32)
    if a.ndim == 3:
        return Image.fromarray((np.clip(a, 0, 1) * 255).astype(np.uint8), "RGB")
    return Image.fromarray((np.clip(a, 0, 1) * 255).astype(np.uint8), "L")


def _smooth_noise(rng, size):
    small = rng.random((size // 16, size // 16)).astype(np.float32)
    return np.asarray(Image.fromarray(small).resize((size, size), Image.BICUBIC)).clip(0, 1)


def _text_page(rng, dark=False) -> Image.Image:
    im = Image.new("L", (600, 800), 20 if dark else 245)
    d = ImageDraw.Draw(im)
    font = ImageFont.load_default(size=16)
    words = "patient report radiology clinic result date name referral findings impression normal".split()
    for line in range(40):
        text = " ".join(rng.choice(words, size=8))
        d.text((30, 20 + 19 * line), text, fill=230 if dark else 20, font=font)
    return im


def _screenshot(rng) -> Image.Image:
    im = Image.new("RGB", (800, 600), (236, 236, 236))
    d = ImageDraw.Draw(im)
    d.rectangle((0, 0, 800, 28), fill=(52, 101, 164))
    for _ in range(8):
        x, y = int(rng.integers(10, 600)), int(rng.integers(40, 500))
        d.rectangle((x, y, x + int(rng.integers(60, 200)), y + int(rng.integers(20, 80))),
                    fill=tuple(int(v) for v in rng.integers(150, 255, 3)), outline=(80, 80, 80))
        d.text((x + 6, y + 4), "OK  Cancel  File  Edit", fill=(0, 0, 0))
    return im


def _axial_chest(rng) -> np.ndarray:
    """An axial CT-like slice: round body, two dark lungs, bright spine and table."""
    size = 400
    y, x = (np.mgrid[0:size, 0:size] - size / 2) / (size / 2)
    a, b = rng.uniform(0.8, 0.92), rng.uniform(0.55, 0.7)
    img = np.where((x / a) ** 2 + (y / b) ** 2 < 1, 0.55, 0.0)
    for cx in (-0.38, 0.38):
        img = np.where(((x - cx) / 0.3) ** 2 + ((y + 0.05) / 0.42) ** 2 < 1, 0.08, img)
    img = np.where((x ** 2 + (y - 0.45) ** 2) < 0.012, 1.0, img)
    img = np.where((np.abs(y - 0.85) < 0.02) & (np.abs(x) < 0.9), 0.8, img)
    return np.clip(img + rng.normal(0, 0.03, img.shape), 0, 1)


def _skimage(out_dir) -> list[tuple[Path, str]]:
    try:
        from skimage import data
    except ImportError:
        return []
    items = []
    for name in SKIMAGE_GRAY + SKIMAGE_COLOUR:
        try:
            a = np.asarray(getattr(data, name)())
        except Exception:
            continue
        if a.dtype == bool:
            a = a.astype(np.uint8) * 255
        if a.ndim == 3 and a.shape[-1] == 4:
            a = a[..., :3]
        kind = "body_part" if name in ("retina", "microaneurysms") else "photo"
        path = out_dir / f"{kind}-{name}.png"
        write_through(path, lambda fh: Image.fromarray(a.astype(np.uint8)).save(fh, "PNG"))
        items.append((path, kind))
    phantom = (data.shepp_logan_phantom() * 255).astype(np.uint8)
    write_through(out_dir / "ct_like-shepp_logan.png", lambda fh: Image.fromarray(phantom).save(fh, "PNG"))
    items.append((out_dir / "ct_like-shepp_logan.png", "ct_like"))
    faces = np.load(Path(data.__file__).parent / "lfw_subset.npy")[:20]
    for i, face in enumerate(faces):
        path = out_dir / f"photo-face{i}.png"
        im = Image.fromarray((face * 255).astype(np.uint8)).resize((200, 200))
        write_through(path, lambda fh: im.save(fh, "PNG"))
        items.append((path, "photo"))
    return items


def _tagged_dicoms(out_dir, xray_files, films) -> list[tuple[Path, str]]:
    """Real X-ray pixels whose DICOM tags say it is a CT slice or a lateral view."""
    from covidxray_desktop.imaging.dicom_write import write_dicom

    items = []
    for n, f in enumerate(xray_files):
        pixels = (films(f, DECODE_SIDE) * 255 + 0.5).astype(np.uint8)
        for kind, tags in (("ct_tagged", {"Modality": "CT"}), ("lateral_tagged", {"ViewPosition": "LL"})):
            path = out_dir / f"{kind}-{n}.dcm"
            write_dicom(path, pixels, **tags)
            items.append((path, kind))
    return items
