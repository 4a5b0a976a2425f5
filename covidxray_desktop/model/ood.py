"""Refusing what the model cannot judge: cheap checks first, then what the networks saw.

In order, each with a message that says only what the check knows:
1. cheap checks on tags and pixels (a CT or lateral DICOM, a colour photo, a strip, a blank);
2. greys and orientation: the thumbnail's inverse (1 - t, equalised) is reconstructed from the
   training films' principal components clearly better than the thumbnail, as well as nearly every
   training film, and resembles the mean film -> "it looks like a negative"; a quarter turn, half
   turn or mirror image of the thumbnail is, in the same way, while as it is it fits worse than
   most -> "it looks rotated or upside down";
3. appearance: the thumbnail is reconstructed far worse from the training films' principal
   components than any training film -> "it does not look like a chest X-ray";
4. view (learned, model/view.py): the film's thumbnail, distances, lung shape and plain pixel
   numbers together look like the lateral views and CT slices it was shown -> "it does not look
   like a chest X-ray" where the thumbnail also fits worse than every training film's, "no two lung
   fields side by side" where the lung fields say so too (one side missing, very unequal sides,
   or lung across the middle, as in a lateral view), else "a lateral view or a CT slice". The
   lung fields alone refuse nothing: a white-out lung or a bent spine is not a lateral view;
5. content: the classifier's pooled features are farther (Mahalanobis, to the nearest class
   mean) than every training and validation film -> "outside what this model was trained on".
A model without a view check refuses on the lung fields alone (before appearance).
Thresholds come from training and validation films; only the view check has also seen non-frontal
films: the lateral views and CT slices kept with the data (training/view_check.py).
"""
import re

import numpy as np

from covidxray_desktop.imaging.preprocess import GRAY_EQ, crop_borders, preprocess
from covidxray_desktop.model import lungs
from covidxray_desktop.model.view import ViewCheck
from covidxray_desktop.model.view import features as view_features

THUMB = 32
N_COMPONENTS = 24
# A pretrained backbone pools 1,280 features: a precision matrix that wide is 20 MB of card and
# cannot be estimated from a few thousand films. Wider features are first projected onto the
# leading directions of their within-class spread.
WIDE, FEATURE_DIMS = 256, 64
# Only beyond every training and validation film: the distance alone does not tell a COVID-19 film of
# an unseen hospital from a CT slice (the view check does), so its tail is kept for the far-off.
TAIL = 0.0002
APPEARANCE_FACTOR = 1.5  # appearance: refused only well beyond the worst training film
# Turned: a turn of the thumbnail is reconstructed from the training films' principal components
# this much better (log of the residuals' ratio) than the thumbnail itself, and as well as 99 % of the
# training and validation films (lateral views and CT slices turned gain up to 0.27, but stay worse),
# while the thumbnail itself fits worse than half of them (a smooth gradient fits any way round), and
# the turned thumbnail resembles the mean film as most films do (a turned face or clock need not).
TURN_GAIN, TURN_TYPICAL, TURN_OWN, TURN_LIKENESS = 0.3, 0.99, 0.5, 0.45
# A negative (greys inverted, untagged): its inverse must resemble the mean film at least this much.
# Real films' inverses correlate with it at most 0.11 (one negative among the RSNA training films aside);
# the test films written as negatives, 0.13 to 0.9, 625 of 628 above this.
NEGATIVE_LIKENESS = 0.3
WIDEN_KEEPS = 2  # widening the view check to a site's films, at least this many of them stay below it
MIN_BALANCE = 0.4  # the smaller lung field's area over the larger one's
MAX_GAP = 0.25  # lung across the middle column, over the fullest column: a lateral view's single field
MIN_SIDE = 0.02  # each lung field at least this share of the film
_LEVELS = np.concatenate([np.linspace(0, 0.95, 96), [0.96, 0.97, 0.98, 0.99, 0.995, 0.997, 0.998, 0.999, 1.0]])

XRAY_MODALITIES = {"CR", "DX", "DR", "RG", "PX", ""}
# BodyPartExamined is free text in practice ("CHEST PA", "PORT CHEST", Spanish TORAX, Italian TORACE):
# a word starting as a chest word makes it a chest film, unless a spine is named (THORACIC SPINE,
# German BWS); other parts named refuse it. BREAST stays a chest: translated from 胸部 it means chest,
# and a mammogram is refused by its modality.
SPINE_WORDS = ("SPINE", "CSPINE", "TSPINE", "LSPINE", "TLSPINE", "WIRBEL", "BWS", "LWS", "HWS", "SACRUM", "COCCYX",
               "VERTEBRA")
CHEST_WORDS = ("CHEST", "THORA", "TORA", "TORSO", "LUNG", "PECHO", "BRUST", "POUMON", "POITRINE", "CXR", "RIB",
               "BREAST")
OTHER_PARTS = ("SKULL", "HEAD", "BRAIN", "FACE", "SINUS", "JAW", "TMJ", "NECK", "SHOULDER", "SCAPULA", "CLAVICLE",
               "ARM", "HUMERUS", "ELBOW", "FOREARM", "WRIST", "HAND", "FINGER", "ABDOMEN", "PELVIS", "HIP", "FEMUR",
               "LEG", "KNEE", "ANKLE", "FOOT", "TOE", "EXTREMITY")
LATERAL_VIEWS = {"LL", "RL", "LAT", "LATERAL", "LLD", "RLD", "XTABLE"}

ROTATED = "it looks rotated or upside down"
NEGATIVE = "it looks like a negative, with bones dark and lungs light; save it again as a positive"
# Given only when the view check also finds the film non-frontal, so the lateral view it names is its guess.
# Both view reasons say what the film looks like, not what it is: an unseen hospital's frontal films
# (a white-out lung, an intensive-care film framed or turned) are refused by them too, if rarely.
NO_LUNGS = ("not judged: no two lung fields side by side were found, as in a lateral view "
            "(a white-out lung can hide one too)")
NOT_XRAY = "it does not look like a chest X-ray"
UNFAMILIAR = "outside what this model was trained on: it differs from every film the model learnt from"
NOT_FRONTAL = ("not judged: it looks like a lateral view or a CT slice rather than a frontal chest X-ray "
               "(an unusual frontal film can look so too)")

# Every training film's greys span 63 levels or more (1st to 99th percentile); healthy films squeezed into
# fewer than about 32 were called COVID-19, as the least contrasted training films are all COVID-19 films.
MIN_GREYS = 40
# The smallest training film is 156 px a side; shrunk to 40 px, test films' P(COVID) moved by up to 0.65 and a
# healthy one turned COVID-19, while at 64 px none did: below that a picture is a thumbnail, not a film.
MIN_PIXELS = 64
FADED = ("not judged: its greys span only {levels} levels (a faded or posterised copy), fewer than any film the "
         "model learnt from; use the original film, with its full range of grey")


def thumbnail(pixels: np.ndarray, box=None) -> np.ndarray:
    return preprocess(pixels, THUMB, GRAY_EQ, box).reshape(-1)


def cheap_reason(xray, box=None) -> str | None:
    """Why an input is plainly not a frontal chest X-ray, from tags and simple statistics. `box`: the
    film's border crop (preprocess.crop_box), where the caller has it."""
    meta, px = xray.meta, xray.pixels
    modality = meta.get("modality", "")
    if meta.get("format") == "dicom":
        if modality not in XRAY_MODALITIES:
            return f"DICOM modality is {modality}, not a radiograph"
        if meta.get("view_position", "") in LATERAL_VIEWS:
            return f"a lateral view (ViewPosition {meta['view_position']})"
        part = meta.get("body_part", "")
        if not chest_part(part):
            return f"body part is {part}, not chest"
    if meta.get("colourfulness", 0.0) > 0.06:
        return "a colour picture"
    h, w = px.shape
    stored_w, stored_h = meta.get("width") or w, meta.get("height") or h  # the reader may have shrunk them
    if max(h, w) > 2.5 * min(h, w):
        return f"shape {stored_w} x {stored_h} is far from a chest film's"
    if min(stored_w, stored_h) < MIN_PIXELS:
        return f"only {stored_w} x {stored_h} pixels, too small to judge; use the full-size film"
    # A film of more than 8 bits reads stretched to its own range: its spread is judged against the
    # whole of its bit depth, as an 8-bit picture's is, by how much of it that range spans.
    spread = _spread(px) * meta.get("range", 1.0)
    if spread < 0.02:
        return "a blank image"
    # Inside its frame, as the networks see it: a black border around a faded film spans every grey.
    levels = _spread(crop_borders(px, box)) * meta.get("range", 1.0) * (2 ** max(8, meta.get("bits") or 8) - 1)
    if levels < MIN_GREYS:
        return FADED.format(levels=round(levels))
    return None


def chest_part(part: str) -> bool:
    """Whether a DICOM's BodyPartExamined allows a chest film: any chest word, or no other part named."""
    words = re.findall(r"[A-Z]+", part.upper())
    if any(w.startswith(SPINE_WORDS) or w.endswith("SPINE") or "WIRBEL" in w for w in words):
        return False
    if any(w.startswith(CHEST_WORDS) for w in words):
        return True
    return not any(w.startswith(OTHER_PARTS) for w in words)


def _spread(px: np.ndarray) -> float:
    """How far apart a picture's darker and brighter values lie (1st to 99th percentile, on a coarse
    copy). Its standard deviation refused faint digitised films, JSRT's among them, as blank."""
    step = max(1, max(px.shape) // 256)
    lo, hi = np.percentile(px[::step, ::step], [1, 99])
    return float(hi - lo)


def lung_problem(mask: np.ndarray) -> bool:
    """True when a lung mask is not two lung fields side by side."""
    s = lungs.shape(mask)
    return min(s["left_area"], s["right_area"]) < MIN_SIDE or s["balance"] < MIN_BALANCE or s["gap"] > MAX_GAP


class Gate:
    def __init__(self, stats: dict):
        self.stats = dict(stats)  # its own: widening or moving this gate never edits the card it came from
        self.mean = np.asarray(stats["pca_mean"], np.float32)
        self.components = np.asarray(stats["pca_components"], np.float32)
        self.class_means = np.asarray(stats["feature_means"], np.float64)
        self.precision = np.asarray(stats["feature_precision"], np.float64)
        basis = stats.get("feature_basis")  # absent for narrow features: they are used as they are
        self.basis = None if basis is None else np.asarray(basis, np.float64)
        # What the basis leaves out counts too (gates fitted before it was kept measure only the basis).
        centres = stats.get("feature_centres")
        self.centres = None if centres is None or basis is None else np.asarray(centres, np.float64)
        self.residual_variance = float(stats.get("residual_variance", 1.0))
        self.maha_q = np.asarray(stats["maha_quantiles"], np.float64)
        self.pca_q = np.asarray(stats["pca_quantiles"], np.float64)
        self.levels = np.asarray(stats["levels"] if "levels" in stats else _old_levels(), np.float64)
        self.tail = float(stats.get("tail", 0.005))
        self.checks_lungs = bool(stats.get("lung_check", False))
        self.view = ViewCheck(stats["view"]) if stats.get("view") else None
        self.pca_limit = float(stats.get("pca_limit", np.inf))

    @classmethod
    def from_card(cls, block: dict) -> "Gate":
        return cls(block)

    @classmethod
    def fit(cls, train_thumbs, train_pooled, train_labels, val_thumbs, val_pooled, lung_check: bool) -> "Gate":
        """Statistics from training films; tails from training and validation films together."""
        x = np.asarray(train_thumbs, np.float64)
        mean = x.mean(axis=0)
        _, _, vt = np.linalg.svd(x - mean, full_matrices=False)
        f = np.asarray(train_pooled, np.float64)
        y = np.asarray(train_labels)
        classes = sorted(set(y.tolist()))
        means = np.stack([f[y == c].mean(axis=0) for c in classes])
        centred = f - means[np.searchsorted(classes, y)]
        basis, centres = None, None
        if f.shape[1] > WIDE:
            basis = np.linalg.svd(centred, full_matrices=False)[2][:FEATURE_DIMS]
            residual = centred - (centred @ basis.T) @ basis
            # Per left-out direction, as in probabilistic PCA: a lateral film or a CT slice differs from
            # chest films mostly along directions in which chest films hardly vary at all.
            residual_variance = float(np.sum(residual ** 2) / (len(f) * (f.shape[1] - len(basis))))
            centres = means
            f, means, centred = f @ basis.T, means @ basis.T, centred @ basis.T
        cov = centred.T @ centred / max(len(f) - 1, 1)
        shrink = 0.1 * np.trace(cov) / cov.shape[0]  # shrinkage: a few thousand films, 160 features
        stats = {"pca_mean": mean.astype(np.float32), "pca_components": vt[:N_COMPONENTS].astype(np.float32),
                 "feature_means": means, "feature_precision": np.linalg.inv(cov + shrink * np.eye(cov.shape[0])),
                 "pca_quantiles": np.zeros(len(_LEVELS)), "maha_quantiles": np.zeros(len(_LEVELS)),
                 "levels": _LEVELS, "tail": TAIL, "lung_check": lung_check}
        if basis is not None:
            stats.update(feature_basis=basis.astype(np.float32), feature_centres=centres.astype(np.float32),
                         residual_variance=max(residual_variance, 1e-12))
        gate = cls(stats)
        pca, maha = gate.distances(np.concatenate([train_thumbs, val_thumbs]),
                                   np.concatenate([train_pooled, val_pooled]))
        stats.update(pca_quantiles=np.quantile(pca, _LEVELS), maha_quantiles=np.quantile(maha, _LEVELS),
                     pca_limit=float(pca.max() * APPEARANCE_FACTOR))
        return cls(stats)

    def widen(self, thumbs, pooled, masks=None, first=None) -> None:
        """Accept films like these from now on (a site's own, after adaptation): each tail is made
        no stricter than these films' own distribution; the orientation and lung checks stay.
        With their lung masks and first-stage films, the view check's threshold widens too."""
        pca, maha = self.distances(thumbs, pooled)
        if len(maha):
            self.maha_q = np.maximum(self.maha_q, np.quantile(maha, self.levels))
            self.pca_limit = max(self.pca_limit, float(pca.max()) * APPEARANCE_FACTOR)
            self.stats.update(maha_quantiles=self.maha_q, pca_limit=self.pca_limit)
        masks = masks if self.checks_lungs else None  # as `assess` reads them
        if len(maha) and self.view is not None and (first is not None or not self.view.needs_film) \
                and (masks is not None or not self.checks_lungs):
            scores = np.sort(self.view_scores(thumbs, pooled, masks, first))
            tail = float(self.view.block.get("frontal_tail", 0.01))
            # At least the site's two lowest films stay below: a stray lateral view or CT slice among
            # a few dozen films must not open the gate to its kind.
            self.view.threshold = min(self.view.threshold, float(scores[min(len(scores) - 1,
                                                                           max(WIDEN_KEEPS, int(tail * len(scores))))]))
            self.view.block["threshold"] = self.view.threshold
            self.stats["view"] = self.view.to_card()

    def moved(self, before, after, labels) -> "Gate":
        """The same gate for a network whose features moved (an adapted one): `before` and `after`
        are the same films' pooled features under the old and the new network. Each class centre
        moves as those films' mean moved; the spread, fitted on thousands of films, stays; each
        tail is made no stricter than these films' own distances. The thumbnail, orientation,
        lung and view checks stay as fitted."""
        before, after, y = np.asarray(before, np.float64), np.asarray(after, np.float64), np.asarray(labels)
        drift = np.stack([after[y == c].mean(axis=0) - before[y == c].mean(axis=0) for c in sorted(set(y.tolist()))])
        stats = dict(self.stats)
        if self.basis is None:
            stats["feature_means"] = self.class_means + drift
        else:
            stats["feature_means"] = self.class_means + drift @ self.basis.T
            if self.centres is not None:
                stats["feature_centres"] = (self.centres + drift).astype(np.float32)
        gate = Gate(stats)
        _, maha = gate.distances(np.tile(self.mean, (len(after), 1)), after)
        stats["maha_quantiles"] = np.maximum(self.maha_q, np.quantile(maha, self.levels))
        return Gate(stats)

    def distances(self, thumbs, pooled) -> tuple[np.ndarray, np.ndarray]:
        pca = self._residual(thumbs)
        full = np.asarray(pooled, np.float64)
        f = full if self.basis is None else full @ self.basis.T
        d = f[:, None, :] - self.class_means[None, :, :]
        maha = np.sum((d @ self.precision) * d, axis=2)
        if self.centres is not None:  # the squared distance off the basis, per left-out direction
            centres = np.asarray(self.centres, np.float64)  # |f - c|^2 from norms: no N x classes x 1,280 array
            whole = (np.sum(full ** 2, axis=1)[:, None] - 2 * full @ centres.T + np.sum(centres ** 2, axis=1)[None, :])
            off = whole - np.sum(d ** 2, axis=2)
            maha = maha + np.maximum(off, 0) / self.residual_variance
        return pca, np.sqrt(np.maximum(maha.min(axis=1), 0))

    def assess(self, thumbs, forward, first=None) -> tuple[np.ndarray, list]:
        """(scores, reasons): a reason (str) for each film to refuse, None for the rest.
        first: the first-stage films, which a view check fitted on their own numbers reads."""
        distances = self.distances(thumbs, forward.pooled)  # computed once: every check below reads them
        pca, maha = distances
        scores = self._tail(maha, self.maha_q)
        best_turn = self.best_turn(thumbs)
        turned, negative = self.turned(thumbs, pca, best_turn), self.negative(thumbs, pca, best_turn)
        masks = forward.masks if self.checks_lungs else None
        no_lungs = (np.array([lung_problem(m) for m in masks], bool) if masks is not None
                    else np.zeros(len(scores), bool))
        odd = (self.view_scores(thumbs, forward.pooled, masks, first, distances) < self.view.threshold
               if self.view is not None else np.zeros(len(scores), bool))
        worst = self.pca_limit / APPEARANCE_FACTOR  # the training film the principal components fit worst
        reasons = []
        for i, score in enumerate(scores):
            if negative[i]:
                reasons.append(NEGATIVE)
            elif turned[i]:
                reasons.append(ROTATED)
            elif self.view is None and no_lungs[i]:  # without a view check the lung fields decide alone
                reasons.append(NO_LUNGS)
            elif pca[i] > self.pca_limit:
                reasons.append(NOT_XRAY)
            elif odd[i] and pca[i] > worst:  # not frontal, and looks like no training film at all
                reasons.append(NOT_XRAY)
            elif odd[i]:
                reasons.append(NO_LUNGS if no_lungs[i] else NOT_FRONTAL)
            elif score < self.tail:
                reasons.append(UNFAMILIAR)
            else:
                reasons.append(None)
        return scores, reasons

    def turned(self, thumbs, own=None, best_turn=None) -> np.ndarray:
        """Films that look like a training film once turned or mirrored top to bottom, and
        clearly less so as they are. `own`: the thumbnails' residuals, `best_turn`: `self.best_turn`
        of them, where already known."""
        own = self._residual(thumbs) if own is None else own
        best, picked = self.best_turn(thumbs) if best_turn is None else best_turn
        typical, middle = np.interp([TURN_TYPICAL, TURN_OWN], self.levels, self.pca_q)
        return ((np.log((own + 1e-9) / (best + 1e-9)) > TURN_GAIN) & (best <= typical) & (own > middle)
                & (_likeness(picked, self.mean) >= TURN_LIKENESS))

    def negative(self, thumbs, own=None, best_turn=None) -> np.ndarray:
        """Films whose greys look inverted: the inverse of the thumbnail (equalised, so 1 - t) fits
        the principal components clearly better, as well as 99 % of the training films and better
        than any turn of the film (an upside-down film's inverse is light below, as films are),
        and resembles the mean film. `own`, `best_turn`: as for `turned`."""
        t = np.asarray(thumbs, np.float32).reshape(len(thumbs), THUMB * THUMB)
        own = self._residual(t) if own is None else own
        best = (self.best_turn(t) if best_turn is None else best_turn)[0]
        inverse = 1.0 - t
        fit = self._residual(inverse)
        typical = np.interp(TURN_TYPICAL, self.levels, self.pca_q)
        return ((np.log((own + 1e-9) / (fit + 1e-9)) > TURN_GAIN) & (fit <= typical) & (fit < best)
                & (_likeness(inverse, self.mean) >= NEGATIVE_LIKENESS))

    def best_turn(self, thumbs) -> tuple[np.ndarray, np.ndarray]:
        """(residual, thumbnail) of each film's best-fitting quarter turn, half turn or top-to-bottom mirror."""
        t = np.asarray(thumbs, np.float32).reshape(len(thumbs), THUMB, THUMB)
        turns = np.stack([np.rot90(t, k, axes=(1, 2)) for k in (1, 2, 3)] + [t[:, ::-1]], axis=1)
        turns = turns.reshape(len(t), 4, THUMB * THUMB)
        residuals = np.stack([self._residual(turns[:, k]) for k in range(4)], axis=1)
        picked = turns[np.arange(len(t)), residuals.argmin(axis=1)] if len(t) else turns[:, 0]
        return residuals.min(axis=1), picked

    def _residual(self, thumbs) -> np.ndarray:
        """Mean squared error of each thumbnail rebuilt from the principal components. They are
        orthonormal rows, so it is the thumbnail's energy less its coefficients' (no rebuilding:
        six of these run per film)."""
        t = np.asarray(thumbs, np.float32) - self.mean
        c = t @ self.components.T
        energy = np.einsum("nd,nd->n", t, t, dtype=np.float64) - np.einsum("nk,nk->n", c, c, dtype=np.float64)
        return np.maximum(energy, 0.0) / t.shape[1]

    def view_scores(self, thumbs, pooled, masks, first=None, distances=None) -> np.ndarray:
        """The view check's logit of 'frontal chest film' per film (higher: more frontal-like).
        `distances`: `self.distances(thumbs, pooled)`, where already known."""
        if self.view.needs_film and first is None:
            raise ValueError("this gate's view check needs the first-stage films")
        rows = view_features(self, thumbs, pooled, masks, first if self.view.needs_film else None, distances)
        return self.view.scores(rows)

    def _tail(self, values, quantiles):
        # 1 - empirical CDF of the reference films, made strictly decreasing beyond the largest. Within
        # their range it stays at least where the decrease beyond starts: a CDF that reached 0 at the
        # farthest reference film refused that film, while films a little beyond it got through.
        edge = (1 - self.levels[-2]) * 0.5
        tail = np.maximum(1.0 - np.interp(values, quantiles, self.levels), edge)
        top, spread = quantiles[-1], max(quantiles[-1] - quantiles[len(quantiles) // 2], 1e-9)
        beyond = values > top
        tail[beyond] = edge * np.exp(-(values[beyond] - top) / spread)
        return tail

    def learn_view(self, frontal, other, unseen_frontal, unseen_sources, fitted_on, film_numbers: bool = False) -> None:
        """Add the learned frontal-view check (see model/view.py), from feature rows of each."""
        self.view = ViewCheck.fit(frontal, other, unseen_frontal, unseen_sources, fitted_on, film_numbers=film_numbers)
        self.stats["view"] = self.view.to_card()

    def to_card(self) -> dict:
        def r(a):
            if isinstance(a, dict):
                return a
            return np.round(np.asarray(a, np.float64), 7).tolist() if not np.isscalar(a) else a

        return {"method": "orientation, lung fields, pca-thumbnail, mahalanobis-features; train+val quantiles",
                "thumb": THUMB, **{k: r(v) for k, v in self.stats.items()}}


def _likeness(thumbs, mean) -> np.ndarray:
    """Correlation of each thumbnail with the mean training film."""
    t = np.asarray(thumbs, np.float64) - np.mean(thumbs, axis=1, keepdims=True)
    m = np.asarray(mean, np.float64) - np.mean(mean)
    return (t @ m) / (np.linalg.norm(t, axis=1) * np.linalg.norm(m) + 1e-12)


def _old_levels():
    """The quantile levels of format-1 cards."""
    return np.concatenate([np.linspace(0, 0.95, 96), [0.96, 0.97, 0.98, 0.99, 0.995, 0.998, 1.0]])
