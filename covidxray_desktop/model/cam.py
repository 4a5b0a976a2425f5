"""Class activation maps through the pooled head: exact, gradient-free, any backend."""
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from covidxray_desktop.imaging.preprocess import crop_box

# Viridis anchors (colour-blind safe, perceptually uniform), interpolated to 256 entries.
_ANCHORS = np.array([(68, 1, 84), (71, 44, 122), (59, 81, 139), (44, 113, 142), (33, 144, 141),
                     (39, 173, 129), (92, 200, 99), (170, 220, 50), (253, 231, 37)], np.float32)
VIRIDIS = np.stack([np.interp(np.linspace(0, 1, 256), np.linspace(0, 1, len(_ANCHORS)), _ANCHORS[:, c])
                    for c in range(3)], axis=1).astype(np.uint8)


def cam(features: np.ndarray, weights: np.ndarray, bias: float, label: str) -> np.ndarray:
    """Evidence map (h x w, [0, 1]) for the predicted label from one image's last conv block."""
    raw = features @ weights.reshape(-1) + bias  # per-location logit; its mean is the logit
    evidence = raw if label == "covid" else -raw
    evidence = np.maximum(evidence, 0)
    top = evidence.max()
    return (evidence / top if top > 0 else evidence).astype(np.float32)


def to_image_frame(small: np.ndarray, pixels: np.ndarray) -> np.ndarray:
    """Upsample a map to the image's own resolution, inside the area the model saw."""
    h, w = pixels.shape
    top, bottom, left, right = crop_box(pixels)
    heat = np.zeros((h, w), np.float32)
    size = (max(1, right - left), max(1, bottom - top))
    im = Image.fromarray(np.ascontiguousarray(small, np.float32)).resize(size, Image.BICUBIC)
    heat[top:bottom, left:right] = np.clip(np.asarray(im), 0, 1)
    return heat


def overlay(pixels: np.ndarray, heat: np.ndarray, caption: str, opacity: float = 0.45) -> Image.Image:
    """X-ray in gray with the heat map blended where it is strong, caption in a corner."""
    gray = np.repeat((np.clip(pixels, 0, 1) * 255)[..., None], 3, axis=-1)
    colour = VIRIDIS[(np.clip(heat, 0, 1) * 255).astype(np.uint8)].astype(np.float32)
    alpha = opacity * np.clip(heat, 0, 1)[..., None]
    blended = Image.fromarray((gray * (1 - alpha) + colour * alpha).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(blended)
    font = ImageFont.load_default(size=max(12, blended.height // 28))
    x0, y0, x1, y1 = draw.textbbox((8, 8), caption, font=font)
    draw.rectangle((x0 - 4, y0 - 4, x1 + 4, y1 + 4), fill=(0, 0, 0))
    draw.text((8, 8), caption, fill=(255, 255, 255), font=font)
    return blended
