"""Refusing what the model cannot judge: cheap checks first, then two learned distances.

Learned checks, both fitted on the training split and thresholded on the validation split:
- appearance: reconstruction error of a 32 x 32 equalised thumbnail from the first principal
  components of training X-rays (a linear autoencoder, the idea behind Chester's SSIM cut);
- content: Mahalanobis distance of the network's pooled features to the nearest class mean.
The score is the smaller of the two tail probabilities against validation X-rays: ~0.5 for a
typical X-ray, near 0 for something unlike anything the model was trained on.
A third, orientation check compares the thumbnail with the mean training X-ray turned by 90,
180, 270 degrees and upside down: a film that matches a turned template better than the
upright one by ORIENTATION_MARGIN is refused as rotated (left-right mirroring cannot be told).
"""
import numpy as np

from covidxray_desktop.imaging.preprocess import GRAY_EQ, preprocess

THUMB = 32
N_COMPONENTS = 24
TAIL = 0.005  # reject beyond the 99.5th percentile of validation X-rays, per check
ORIENTATION_MARGIN = -0.25  # upright correlation minus the best turned one; X-rays sit near +0.3
_LEVELS = np.concatenate([np.linspace(0, 0.95, 96), [0.96, 0.97, 0.98, 0.99, 0.995, 0.998, 1.0]])

XRAY_MODALITIES = {"CR", "DX", "DR", "RG", "PX", ""}
CHEST_PARTS = {"CHEST", "THORAX", "LUNG", "LUNGS", "BREAST", "TORSO", "CHEST_LAT", ""}
LATERAL_VIEWS = {"LL", "RL", "LAT", "LATERAL", "LLD", "RLD", "XTABLE"}


def thumbnail(pixels: np.ndarray) -> np.ndarray:
    return preprocess(pixels, THUMB, GRAY_EQ).reshape(-1)


def cheap_reason(xray) -> str | None:
    """Why an input is plainly not a frontal chest X-ray, from tags and simple statistics."""
    meta, px = xray.meta, xray.pixels
    modality = meta.get("modality", "")
    if meta.get("format") == "dicom":
        if modality not in XRAY_MODALITIES:
            return f"DICOM modality is {modality}, not a radiograph"
        if meta.get("view_position", "") in LATERAL_VIEWS:
            return f"lateral view (ViewPosition {meta['view_position']})"
        part = meta.get("body_part", "")
        if part not in CHEST_PARTS:
            return f"body part is {part}, not chest"
    if meta.get("colourfulness", 0.0) > 0.06:
        return "a colour picture"
    h, w = px.shape
    if max(h, w) > 2.5 * min(h, w):
        return f"shape {w} x {h} is far from a chest film's"
    if min(h, w) < 32:
        return f"only {w} x {h} pixels"
    if float(px.std()) < 0.02:
        return "a blank image"
    return None


class OODGate:
    def __init__(self, stats: dict):
        self.stats = stats
        self.mean = np.asarray(stats["pca_mean"], np.float32)
        self.components = np.asarray(stats["pca_components"], np.float32)
        self.class_means = np.asarray(stats["feature_means"], np.float64)
        self.precision = np.asarray(stats["feature_precision"], np.float64)
        self.pca_q = np.asarray(stats["pca_quantiles"], np.float64)
        self.maha_q = np.asarray(stats["maha_quantiles"], np.float64)

    @classmethod
    def fit(cls, train_thumbs, train_features, train_labels, val_thumbs, val_features) -> "OODGate":
        x = np.asarray(train_thumbs, np.float64)
        mean = x.mean(axis=0)
        _, _, vt = np.linalg.svd(x - mean, full_matrices=False)
        components = vt[:N_COMPONENTS]
        f = np.asarray(train_features, np.float64)
        y = np.asarray(train_labels)
        means = np.stack([f[y == c].mean(axis=0) for c in sorted(set(y.tolist()))])
        centred = f - means[np.searchsorted(sorted(set(y.tolist())), y)]
        cov = centred.T @ centred / max(len(f) - 1, 1)
        shrink = 0.1 * np.trace(cov) / cov.shape[0]  # shrinkage: 2,400 images, 256 features
        precision = np.linalg.inv(cov + shrink * np.eye(cov.shape[0]))
        stats = {
            "pca_mean": mean.astype(np.float32), "pca_components": components.astype(np.float32),
            "feature_means": means, "feature_precision": precision,
            "pca_quantiles": np.zeros(len(_LEVELS)), "maha_quantiles": np.zeros(len(_LEVELS)),
        }
        gate = cls(stats)
        pca_val, maha_val = gate.distances(val_thumbs, val_features)
        gate.pca_q = np.quantile(pca_val, _LEVELS)
        gate.maha_q = np.quantile(maha_val, _LEVELS)
        stats.update(pca_quantiles=gate.pca_q, maha_quantiles=gate.maha_q)
        return gate

    def distances(self, thumbs, features) -> tuple[np.ndarray, np.ndarray]:
        t = np.asarray(thumbs, np.float32) - self.mean
        residual = t - (t @ self.components.T) @ self.components
        pca = np.mean(residual ** 2, axis=1)
        f = np.asarray(features, np.float64)
        d = f[:, None, :] - self.class_means[None, :, :]
        maha = np.einsum("ncd,de,nce->nc", d, self.precision, d).min(axis=1)
        return pca, np.sqrt(np.maximum(maha, 0))

    def scores(self, thumbs, features) -> np.ndarray:
        """In-distribution score per image in [0, 1]; below TAIL means reject."""
        pca, maha = self.distances(thumbs, features)
        return np.minimum(self._tail(pca, self.pca_q), self._tail(maha, self.maha_q))

    def orientation_margins(self, thumbs) -> np.ndarray:
        """Correlation with the upright mean X-ray minus the best of its turned versions."""
        mean = self.mean.reshape(THUMB, THUMB)
        templates = [mean, np.rot90(mean, 1), np.rot90(mean, 2), np.rot90(mean, 3), mean[::-1]]
        t = np.asarray(thumbs, np.float64).reshape(len(thumbs), -1)
        t = t - t.mean(axis=1, keepdims=True)
        t /= np.linalg.norm(t, axis=1, keepdims=True) + 1e-12
        m = np.stack([(x - x.mean()).reshape(-1) / (np.linalg.norm(x - x.mean()) + 1e-12) for x in templates])
        corr = t @ m.T
        return corr[:, 0] - corr[:, 1:].max(axis=1)

    def assess(self, thumbs, features) -> tuple[np.ndarray, list]:
        """(scores, reasons): a reason (str) for each image to refuse, None for the rest."""
        scores = self.scores(thumbs, features)
        turned = self.orientation_margins(thumbs) < ORIENTATION_MARGIN
        reasons = []
        for score, is_turned in zip(scores, turned):
            if is_turned:
                reasons.append("it looks rotated or upside down")
            elif score < TAIL:
                reasons.append("it looks unlike the X-rays this model was trained on")
            else:
                reasons.append(None)
        return scores, reasons

    @staticmethod
    def _tail(values, quantiles):
        # 1 - empirical CDF of validation X-rays, made strictly decreasing beyond the largest.
        tail = 1.0 - np.interp(values, quantiles, _LEVELS)
        top, spread = quantiles[-1], max(quantiles[-1] - quantiles[len(quantiles) // 2], 1e-9)
        beyond = values > top
        tail[beyond] = 0.002 * np.exp(-(values[beyond] - top) / spread)
        return tail

    def to_card(self) -> dict:
        def r(a):
            return np.round(np.asarray(a, np.float64), 7).tolist()

        return {"method": "pca-thumbnail + mahalanobis-features, val quantiles", "tail": TAIL,
                "thumb": THUMB, **{k: r(v) for k, v in self.stats.items()}}
