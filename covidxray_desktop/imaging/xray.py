"""The in-memory X-ray every reader returns."""
from dataclasses import dataclass, field

import numpy as np


@dataclass
class XRay:
    """Grayscale pixels in [0, 1] (float32, H x W, 1 = bright bone) plus what the file told us.

    `meta` keys (all optional): format, width, height (as stored in the file), bits, mode,
    colourfulness (0 for grayscale; high for photographs), notes (list of sentences for the
    user), and for DICOM: modality, body_part, view_position, patient_id, study_date,
    study_uid, photometric, frames.
    """

    pixels: np.ndarray
    meta: dict = field(default_factory=dict)

    @property
    def notes(self) -> list:
        return self.meta.setdefault("notes", [])
