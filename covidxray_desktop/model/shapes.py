"""The card's promises about the networks' shapes, checked against the networks themselves.

A card that says 160 px and one channel beside a network that takes 224 px and three would
otherwise fail deep in a batch with a runtime's traceback, or not fail at all and answer wrongly.
"""
from covidxray_desktop.errors import ModelError
from covidxray_desktop.model.lungs import LUNG_SIZE


def _fits(shape, expected) -> bool:
    """Fixed sizes must agree; a size left open in the network (a name, None) fits any."""
    if len(shape) != len(expected):
        return False
    return all(not isinstance(s, int) or e is None or s == e for s, e in zip(shape, expected))


def _show(shape) -> str:
    return " x ".join("N" if not isinstance(s, int) else str(s) for s in shape)


def check(card: dict, classifier, segmenter, names: tuple[str, str]) -> None:
    """ModelError naming the file and the field when a network and its card disagree."""
    size, channels = int(card["input"]["size"]), int(card["input"]["channels"])
    if classifier is not None:
        if not _fits(classifier.input_shape, (None, size, size, channels)):
            raise ModelError(f"{names[0]}: the classifier takes {_show(classifier.input_shape)} films, but its card "
                             f"says input.size {size} and input.channels {channels}; the bundle is inconsistent.")
        outputs = classifier.output_shapes
        width = 2 if card["output"] == "softmax" else 1
        if len(outputs) != 2 or len(outputs[0]) != 4 or not _fits(outputs[1], (None, width)):
            raise ModelError(f"{names[0]}: the classifier's outputs ({', '.join(map(_show, outputs))}) are not the "
                             f"feature map and the {card['output']} its card names; the bundle is inconsistent.")
    if segmenter is not None:
        if not _fits(segmenter.input_shape, (None, LUNG_SIZE, LUNG_SIZE, 1)) or len(segmenter.output_shapes) != 1 \
                or not _fits(segmenter.output_shapes[0], (None, None, None, 1)):
            raise ModelError(f"{names[1]}: the lung segmenter takes {_show(segmenter.input_shape)} and gives "
                             f"{', '.join(map(_show, segmenter.output_shapes))}, not the {LUNG_SIZE} px film and one "
                             f"mask this app uses; the bundle is inconsistent.")
