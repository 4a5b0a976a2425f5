"""Read any chest X-ray file (PNG, JPEG, BMP, TIFF, JPEG 2000, WebP, DICOM) into an XRay; nothing here knows Qt
or Keras."""
from covidxray_desktop.imaging.detect import is_candidate, sniff, walk
from covidxray_desktop.imaging.limits import DECODE_SIDE
from covidxray_desktop.imaging.preprocess import preprocess
from covidxray_desktop.imaging.reader import load
from covidxray_desktop.imaging.xray import XRay

__all__ = ["DECODE_SIDE", "XRay", "load", "preprocess", "sniff", "is_candidate", "walk"]
