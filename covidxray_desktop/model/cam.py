"""Heat maps: class activation maps through the pooled head, kept with each result.

Exact and gradient-free: the last convolution block times the logit's weights gives a logit per
location whose mean is the film's logit. Positive values are evidence for COVID-19, negative for
Normal; both are drawn, in two clearly different colours, so a Normal answer never shows
"disease-coloured" blobs. The small signed grid, where it sits in the film and the lung mask are
all a result needs to draw its map again later, without the model that made it.
"""
import functools
import hashlib
import json
import os
import threading
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from covidxray_desktop.files import display_name, write_through
from covidxray_desktop.imaging import png
from covidxray_desktop.imaging.raster import OVERLAY_MARK
from covidxray_desktop.model.calibration import stated
from covidxray_desktop.model import lungs as lung_fields

FLOOR = 1.0  # logits: a map whose strongest location is weaker than this is drawn faint
OVERLAY_SIDE = 512  # overlay PNGs are drawn at most this large: a map needs no more
# Diverging ends (Okabe-Ito vermillion and blue: told apart by colour-blind readers too).
COVID_RGB = np.array((213, 94, 0), np.float32)
NORMAL_RGB = np.array((0, 114, 178), np.float32)


class HeatMap:
    """A film's map: `grid`, h x w signed logits per location (float32); `frame`, (top, bottom, left,
    right) of the border-cropped film that the grid covers; `crop`, the same of the decoded film that
    is the border-cropped film; `lungs`, the lung mask in the border-cropped film's frame (bool), kept
    packed: a year's list holds 50,000 maps, and unpacked their masks took 4 KB each (219 MB)."""

    def __init__(self, grid: np.ndarray, frame: tuple, crop: tuple, lungs: np.ndarray | None = None):
        self.grid, self.frame, self.crop = grid, tuple(frame), tuple(crop)
        self._shape = None if lungs is None else tuple(lungs.shape)
        self._bits = None if lungs is None else np.packbits(np.asarray(lungs, bool))

    @property
    def lungs(self) -> np.ndarray | None:
        if self._bits is None:
            return None
        h, w = self._shape
        return np.unpackbits(self._bits)[: h * w].reshape(h, w).astype(bool)

    def to_bytes(self) -> bytes:
        head = {"shape": list(self.grid.shape), "frame": list(self.frame), "crop": list(self.crop),
                "lungs": None if self._shape is None else list(self._shape)}
        body = self.grid.astype(np.float16).tobytes()
        if self._bits is not None:
            body += self._bits.tobytes()
        text = json.dumps(head).encode()
        return len(text).to_bytes(4, "little") + text + body

    @classmethod
    def from_bytes(cls, data: bytes) -> "HeatMap":
        n = int.from_bytes(data[:4], "little")
        head = json.loads(data[4:4 + n])
        h, w = head["shape"]
        grid = np.frombuffer(data, np.float16, h * w, 4 + n).reshape(h, w).astype(np.float32)
        heat = cls(grid, head["frame"], head["crop"])
        if head["lungs"]:
            lh, lw = head["lungs"]
            heat._shape = (lh, lw)
            heat._bits = np.frombuffer(data, np.uint8, (lh * lw + 7) // 8, 4 + n + h * w * 2).copy()
        return heat


def grid(features: np.ndarray, weights: np.ndarray, bias: float) -> np.ndarray:
    """Per-location logits (h x w) from one film's last conv block; their mean is the logit."""
    return (features @ weights.reshape(-1) + bias).astype(np.float32)


def make(features, weights, bias, pixels_shape_box, lung_mask=None, on_lungs: bool = True) -> HeatMap:
    """The heat map of one film. `pixels_shape_box`: the decoded film's border crop as fractions;
    `on_lungs`: the classifier saw the lungs' box (the grid covers it), else the whole film; the
    lung mask outlines the map either way."""
    frame = lung_fields.box(lung_mask) if lung_mask is not None and on_lungs else (0.0, 1.0, 0.0, 1.0)
    return HeatMap(grid(features, weights, bias), frame, pixels_shape_box, lung_mask)


def boundary(heat: HeatMap, p_covid: float | None, threshold: float | None) -> float:
    """The decision threshold as a per-location logit: the map's zero.

    The grid's mean is the film's uncalibrated logit z, and P(COVID) = sigmoid(z / T); the answer
    is COVID-19 when P >= threshold, that is when z >= T * logit(threshold). Centred there, the
    map's mean has the sign of the answer: a model whose threshold is far from 0.5 (an adapted
    one: 0.226) no longer paints a COVID-19 answer blue, nor a Normal one orange. T is read back
    from the result itself (z / logit(P)); where that is ill-defined (P near 0.5) T = 1."""
    if p_covid is None or threshold is None or not 0 < p_covid < 1 or not 0 < threshold < 1:
        return 0.0
    z = float(heat.grid.mean())
    lp, lt = np.log(p_covid / (1 - p_covid)), np.log(threshold / (1 - threshold))
    temperature = z / lp if abs(lp) > 0.05 else 1.0
    if not 0.05 < temperature < 100:
        temperature = 1.0
    return float(temperature * lt)


def signed_map(heat: HeatMap, shape: tuple, label: str = "", p_covid: float | None = None,
               threshold: float | None = None, *, share: bool = True) -> tuple[np.ndarray, float | None]:
    """(map in [-1, 1] at `shape`, share of the answer's evidence outside the lungs or None; None
    too where `share` is False: a picture does not need it, and it is a sixth of the map's cost).

    Centred on the decision threshold (see boundary), smoothly upsampled, limited to the lungs
    when the model gave lung fields, scaled so that the strongest location is +-1 unless the whole
    map is weaker than FLOOR logits. A Normal answer shows its Normal evidence only: a film called
    Normal never carries disease-coloured blobs."""
    h, w = shape
    centred = heat.grid - boundary(heat, p_covid, threshold)
    ct, cb, cl, cr = heat.crop
    ch, cw = max(1, round((cb - ct) * h)), max(1, round((cr - cl) * w))
    ft, fb, fl, fr = heat.frame
    fh, fw = max(1, round((fb - ft) * ch)), max(1, round((fr - fl) * cw))
    scale = max(float(np.abs(centred).max()), FLOOR)
    small = Image.fromarray((centred / scale).astype(np.float32))
    inner = np.asarray(small.resize((fw, fh), Image.BICUBIC)).clip(-1, 1)
    cropped = np.zeros((ch, cw), np.float32)
    top, left = round(ft * ch), round(fl * cw)
    cropped[top:top + fh, left:left + fw] = inner[: ch - top, : cw - left]
    outside = None
    if heat.lungs is not None:
        # Feathered edges, blurred at the mask's own size (a hundredth of its side) and then
        # enlarged: the same look as blurring at film size, at a fraction of the cost.
        small = Image.fromarray(heat.lungs.astype(np.uint8) * 255, "L")
        small = small.filter(ImageFilter.GaussianBlur(max(1.0, 0.01 * max(small.size))))
        mask = np.asarray(small.resize((cw, ch), Image.BILINEAR), np.float32) / 255
        sign = 1 if label == "covid" else -1 if label == "normal" else 0
        if sign and share:
            # Counted within the lungs' box (with its margin), as for a lung-view map: on a map of the
            # whole film, neck, shoulders and belly would otherwise make 'most of the evidence lies
            # outside the lungs' true of evenly spread evidence (4 films in 10 of the test split).
            bt, bb, bl, br = lung_fields.box(heat.lungs)
            inside = (slice(round(bt * ch), max(round(bb * ch), round(bt * ch) + 1)),
                      slice(round(bl * cw), max(round(br * cw), round(bl * cw) + 1)))
            evidence = np.maximum(sign * cropped[inside], 0)
            total = float(evidence.sum())
            outside = float((evidence * (1 - mask[inside])).sum() / total) if total > 0 else 0.0
        cropped *= mask
    if label == "normal":
        np.minimum(cropped, 0, out=cropped)
    out = np.zeros((h, w), np.float32)
    t, l = round(ct * h), round(cl * w)
    out[t:t + ch, l:l + cw] = cropped[: h - t, : w - l]
    return out, outside


def outside_share(heat: HeatMap, label: str, p_covid: float | None = None,
                  threshold: float | None = None) -> float | None:
    """How much of the evidence for the answer lies outside the lungs (0..1); None without lungs."""
    if heat.lungs is None:
        return None
    return signed_map(heat, (128, 128), label, p_covid, threshold)[1]


def share_at(row, threshold: float | None) -> float | None:
    """outside_share of a result labelled at `threshold`: the stored share was computed at the
    threshold the result was made with, and a label that flips turns to the other evidence."""
    if row.status != "ok" or row.heat is None or threshold is None:
        return row.outside_share
    return outside_share(row.heat, row.label(threshold), row.p_covid, threshold)


OUTSIDE_WARN = 0.5  # share of the evidence outside the lung fields worth a sentence: most of it


STEPS = 1024  # the opacity ramp is looked up at this many steps of |map|: within a level of the formula
_RAMP = np.clip((np.arange(STEPS + 1) / STEPS - 0.1) / 0.9, 0, 1) ** 0.8


def _alpha(signed: np.ndarray, opacity: float) -> np.ndarray:
    """Opacity per pixel (uint8): clear below a tenth of the strongest location, then rising as
    ((|m| - 0.1) / 0.9) ** 0.8, looked up rather than computed (a power per pixel was a seventh of
    a heat-map picture's time)."""
    index = np.abs(signed, dtype=np.float32)
    np.nan_to_num(index, copy=False, nan=0.0)  # a damaged map is drawn clear, never as evidence
    index *= STEPS
    np.minimum(index, STEPS, out=index)
    index += 0.5
    return (_RAMP * (opacity * 255)).astype(np.uint8)[index.astype(np.intp)]


def colourise(signed: np.ndarray, opacity: float = 0.5) -> np.ndarray:
    """Signed map -> RGBA uint8: vermillion for COVID-19 evidence, blue for Normal, clear near 0."""
    rgba = np.zeros(signed.shape + (4,), np.uint8)
    rgba[..., :3] = np.where((signed >= 0)[..., None], COVID_RGB, NORMAL_RGB).astype(np.uint8)
    rgba[..., 3] = _alpha(signed, opacity)
    return rgba


def blend(pixels: np.ndarray, signed: np.ndarray, opacity: float = 0.5) -> np.ndarray:
    """The film in gray with the map over it: H x W x 3 uint8 (colourise's colours, composited
    channel by channel: a heat-map PNG per film must cost little beside the prediction)."""
    alpha = _alpha(signed, opacity).astype(np.float32)
    alpha *= 1 / 255
    gray = np.asarray(pixels, np.float32)  # convert first: numpy's float16 arithmetic is slow
    gray = np.clip(gray, 0, 1)
    gray *= 255
    base = gray * (1 - alpha)
    base += 0.5
    positive = (signed >= 0).astype(np.float32)
    out = np.empty(signed.shape + (3,), np.uint8)
    for c in range(3):
        colour = positive * (COVID_RGB[c] - NORMAL_RGB[c])
        colour += NORMAL_RGB[c]
        colour *= alpha
        colour += base
        out[..., c] = colour
    return out


def colour_bar(width: int, height: int) -> Image.Image:
    """Blue (Normal) ... clear ... vermillion (COVID-19), as drawn at full opacity over mid-gray."""
    return _colour_bar(width, height).copy()


@functools.lru_cache(maxsize=32)
def _colour_bar(width: int, height: int) -> Image.Image:
    ramp = np.linspace(-1, 1, width, dtype=np.float32)[None, :].repeat(height, axis=0)
    return Image.fromarray(blend(np.full((height, width), 0.5, np.float32), ramp, 1.0), "RGB")


_fonts = threading.local()  # FreeType's faces are for one thread at a time: each drawing thread has its own


def _font(size: int) -> ImageFont.FreeTypeFont:
    """Pillow's own font at `size`, made once a size and thread (made from its bytes every time,
    it cost a heat-map picture a tenth of its time)."""
    made = _fonts.__dict__.setdefault("by_size", {})
    if size not in made:
        made[size] = ImageFont.load_default(size=size)
    return made[size]


def overlay(pixels: np.ndarray, heat: HeatMap, label: str, caption: str, opacity: float = 0.5,
            p_covid: float | None = None, threshold: float | None = None) -> Image.Image:
    """A PNG-ready picture: film, map, a caption and a colour bar (for `classify --heatmaps`)."""
    pixels = np.asarray(pixels, np.float32)
    h, w = pixels.shape
    scale = min(1.0, OVERLAY_SIDE / max(h, w))
    if scale < 1.0:
        small = Image.fromarray(np.ascontiguousarray(pixels, np.float32)).resize(
            (max(1, round(w * scale)), max(1, round(h * scale))), Image.BILINEAR)
        pixels = np.asarray(small)
    signed, _ = signed_map(heat, pixels.shape, label, p_covid, threshold, share=False)
    image = Image.fromarray(blend(pixels, signed, opacity), "RGB")
    draw = ImageDraw.Draw(image)
    font = _font(max(11, image.height // 36))
    x0, y0, x1, y1 = draw.textbbox((6, 6), caption, font=font)
    draw.rectangle((x0 - 3, y0 - 3, x1 + 3, y1 + 3), fill=(0, 0, 0))
    draw.text((6, 6), caption, fill=(255, 255, 255), font=font)
    bar_w, bar_h = max(60, image.width // 3), max(6, image.height // 60)
    bx, by = image.width - bar_w - 8, image.height - bar_h - 22
    image.paste(colour_bar(bar_w, bar_h), (bx, by))
    small_font = _font(max(9, image.height // 50))
    draw.text((bx, by + bar_h + 2), "Normal", fill=(255, 255, 255), font=small_font)
    right = draw.textbbox((0, 0), "COVID-19", font=small_font)[2]
    draw.text((bx + bar_w - right, by + bar_h + 2), "COVID-19", fill=(255, 255, 255), font=small_font)
    return image


def overlay_name(path) -> str:
    """Stem (shortened) plus a hash of the full path: a.png and a.dcm, or IM0001 in ten folders,
    never collide, and a 250-character name still fits a file system's limit."""
    raw = os.fsencode(str(path))
    digest = hashlib.sha1(raw).hexdigest()[:10]
    stem = display_name(Path(os.fsdecode(raw)).stem)[:80]
    return f"{stem}-{digest}.png"


def save_overlay(image: Image.Image, target) -> None:
    data = png.encode_rgb(np.asarray(image.convert("RGB")), {"Software": f"{OVERLAY_MARK} (not an X-ray)"})
    # Atomic: a link planted under the predictable name is replaced, never written through.
    write_through(target, lambda fh: fh.write(data))


def write_overlay(result, folder, threshold=None) -> str:
    """The heat-map PNG of an ok result (with its film's pixels) in `folder`; its path, or '' when
    it has none. A failure costs this row its picture, said in its message, never the batch."""
    if result.status != "ok" or result.heat is None or result.pixels is None:
        return ""
    label = result.label(threshold)
    target = Path(folder) / overlay_name(result.path)
    try:
        caption = f"{'COVID-19' if label == 'covid' else 'Normal'}  {stated(result.p_covid, 2)}"
        save_overlay(overlay(result.pixels, result.heat, label, caption, p_covid=result.p_covid,
                             threshold=result.threshold if threshold is None else threshold), target)
        return str(target)
    except OSError as exc:
        result.message = (result.message + " " if result.message else "") + \
            f"The heat map could not be written ({exc.strerror or exc})."
        return ""


def with_overlays(results, folder, threshold=None, workers: int = 2, window: int = 32):
    """Yield (result, picture path or '') in order; pictures are drawn and encoded in threads
    (Pillow and the deflate, ISA-L's or zlib's, let go of the GIL) while the network works on later films."""
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    pending = deque()
    with ThreadPoolExecutor(workers) as pool:
        for result in results:
            pending.append((result, pool.submit(write_overlay, result, folder, threshold)))
            while pending and (len(pending) > window or pending[0][1].done()):
                done, job = pending.popleft()
                yield done, job.result()
        while pending:
            done, job = pending.popleft()
            yield done, job.result()
