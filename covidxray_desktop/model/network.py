"""The one forward route: first-stage films in; lung masks, classifier views, features, logits out.

Inference, training (validation scoring), calibration, the gate and the shift test all go
through `Network`, so whatever they are fitted on is exactly what `classify` computes.
"""
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from covidxray_desktop.imaging.preprocess import LUNG_STAGE, LUNG_VIEW
from covidxray_desktop.model import lungs, shapes
from covidxray_desktop.model.calibration import to_logit


@dataclass
class Forward:
    masks: np.ndarray | None  # N x 64 x 64 bool lung masks (None: a model without a segmenter)
    views: np.ndarray  # N x S x S x C, what the classifier saw
    features: np.ndarray  # N x h x w x F, its last convolution block
    logits: np.ndarray  # N, the COVID logit before temperature scaling

    @cached_property  # read once per film and twice by the gate: averaged once per batch
    def pooled(self) -> np.ndarray:
        return self.features.mean(axis=(1, 2))

    @classmethod
    def kept(cls, logits, pooled, masks) -> "Forward":
        """A pass as `Network.passes` keeps it (no views, no feature maps): what the gate reads."""
        out = cls(masks, None, None, logits)
        out.__dict__["pooled"] = pooled  # the value the feature maps gave, before they were dropped
        return out


def light_runtime_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("onnxruntime") is not None


class Network:
    """A bundle's networks. runtime: 'onnx' (light, no TensorFlow), 'keras', or 'auto' (onnx when
    the bundle has an export and ONNX Runtime is installed)."""

    def __init__(self, bundle, runtime: str = "auto"):
        from covidxray_desktop.model.runtime import OnnxPart, lungs_part, segmenter_runs

        card = bundle.card
        if runtime == "auto":
            runtime = "onnx" if card.get("runtime") and light_runtime_available() else "keras"
        if runtime == "onnx":  # the bytes that were checked against the card are the bytes that run
            chosen = {"classifier": "classifier", "lungs": lungs_part(card["runtime"]) if bundle.has_lungs else None}
            names = {part: bundle.part_path(export).name for part, export in chosen.items() if export}
            parts = {part: OnnxPart(bundle.part_bytes(export), name=names[part]) for part, export in chosen.items() if export}
            self._setup(card, parts["classifier"], parts.get("lungs"), runtime)
            self.runs = f"onnx, {segmenter_runs(bundle, chosen['lungs'])}" if chosen["lungs"] else "onnx"
        else:
            names = {"classifier": bundle.path.name, "lungs": bundle.path.name}
            self._setup(card, _with_features(bundle.keras_part("classifier")),
                        _keras_part(bundle.keras_part("lungs")) if bundle.has_lungs else None, runtime)
        shapes.check(card, self._classifier, self._lungs, (names["classifier"], names.get("lungs", "")))

    @classmethod
    def from_keras(cls, card: dict, classifier=None, segmenter=None) -> "Network":
        """Networks being trained (no bundle yet): `card` needs input, preprocessing and output."""
        net = cls.__new__(cls)
        net._setup(card, _with_features(classifier) if classifier is not None else None,
                   _keras_part(segmenter), "keras")
        return net

    @classmethod
    def from_exports(cls, card: dict, exported: dict) -> "Network":
        """Networks being trained, on the light runtime: `exported` is export.light()'s part -> bytes."""
        from covidxray_desktop.model.runtime import OnnxPart, lungs_part

        net = cls.__new__(cls)
        lungs = lungs_part(exported)
        parts = {part: OnnxPart(exported[part], name=f"the {part} export") for part in ("classifier", lungs)
                 if part in exported}
        net._setup(card, parts["classifier"], parts.get(lungs), "onnx")
        net.runs = f"onnx, {lungs}" if lungs in parts else "onnx"
        return net

    def _setup(self, card, classifier, segmenter, runtime) -> None:
        self.size, self.channels = int(card["input"]["size"]), int(card["input"]["channels"])
        self.method, self.output = card["preprocessing"], card["output"]
        self.suppress = bool((card.get("lungs") or {}).get("suppress", True))
        self.runtime = runtime
        self.runs = runtime  # which exports run, where it matters (their answers differ a little): see __init__
        self._classifier, self._lungs = classifier, segmenter
        if self.method in LUNG_STAGE and self._lungs is None:
            raise ValueError("a model with a lung stage needs its segmenter")

    def masks(self, bases: np.ndarray) -> np.ndarray:
        """First-stage films (N x BASE x BASE) -> boolean lung masks (N x 64 x 64)."""
        return lungs.predict(self._lungs.run, bases)

    def lung_views(self, bases: np.ndarray) -> tuple[np.ndarray | None, np.ndarray]:
        """(masks, classifier inputs) of first-stage films."""
        bases = np.asarray(bases, np.float32)
        masks = self.masks(bases) if self.method in LUNG_STAGE else None
        return masks, self.views(bases, masks)

    def views(self, bases: np.ndarray, masks: np.ndarray | None = None) -> np.ndarray:
        """Classifier inputs: the lung view for lung-view models, the whole square film equalised for
        FILM_LUNGS models, the first stage itself otherwise. `masks`: the films' lung masks, found
        here where the view needs them and none are given (only the lung view crops to the lungs:
        training a whole-film model finds no lungs for its inputs)."""
        if self.method not in LUNG_STAGE:
            return np.asarray(bases, np.float32)
        crop = self.method == LUNG_VIEW
        if crop and masks is None:
            masks = self.masks(np.asarray(bases, np.float32))
        views = np.empty((len(bases), self.size, self.size, 1), np.float32)  # filled in place: no stacking copy
        for k, b in enumerate(bases):
            views[k, ..., 0] = lungs.classifier_view(np.asarray(b, np.float32), masks[k] if crop else None,
                                                     self.size, self.suppress)
        return views

    def parity_inputs(self, bases: np.ndarray) -> dict:
        """part -> what an export of these networks is checked on, from first-stage films: the
        classifier's views, and the segmenter's own inputs where there is one."""
        from covidxray_desktop.model.lungs import segmenter_input

        bases = np.asarray(bases, np.float32)
        out = {"classifier": self.views(bases)}
        if self._lungs is not None:
            out["lungs"] = np.stack([segmenter_input(b) for b in bases])[..., None]
        return out

    def classify(self, views: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Classifier inputs -> (feature maps, COVID logits)."""
        x = np.asarray(views, np.float32)
        if x.ndim == 3:
            x = x[..., None]
        if self.channels == 3 and x.shape[-1] == 1:
            x = np.repeat(x, 3, axis=-1)
        features, raw = self._classifier.run(x)
        return np.asarray(features, np.float32), to_logit(np.asarray(raw), self.output)

    def passes(self, bases: np.ndarray, batch: int = 64) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Many films, a batch at a time: (logits, pooled features, lung masks or None for a
        whole-film model)."""
        outs = [self.forward(bases[i:i + batch]) for i in range(0, len(bases), batch)]
        if not outs:
            return np.zeros(0), np.zeros((0, 0)), None
        masks = None if outs[0].masks is None else np.concatenate([o.masks for o in outs])
        return np.concatenate([o.logits for o in outs]), np.concatenate([o.pooled for o in outs]), masks

    def forward(self, bases: np.ndarray) -> Forward:
        masks, views = self.lung_views(bases)
        features, logits = self.classify(views)
        return Forward(masks, views, features, logits)


def _with_features(classifier):
    """A Keras classifier as a part that returns (last conv block, output)."""
    import keras

    from covidxray_desktop.model.architectures import FEATURES
    from covidxray_desktop.model.runtime import KerasPart

    return KerasPart(keras.Model(classifier.inputs, [classifier.get_layer(FEATURES).output, classifier.outputs[0]]))


def _keras_part(net):
    from covidxray_desktop.model.runtime import KerasPart

    return None if net is None else KerasPart(net)
