"""Nothing leaves the PC: the libraries under the app are kept off the network.

- ONNX Runtime's official builds start Microsoft's telemetry uploader (DNS look-ups, a device
  ID and an event queue in the user's cache folder) unless ORT_DISABLE_TELEMETRY is set before
  the runtime loads; `disable_telemetry_events()` after loading does not stop the look-ups.
- `import pydicom` imports its example data module, whose downloader imports `requests`, and
  urllib3 opens a loopback socket on import to probe for IPv6. This app never downloads DICOM
  data, so pydicom's downloader is denied `requests` (it then falls back to urllib, unused).
Child processes (the decoding workers) import the package too, so they get the same.
"""
import importlib.abc
import os
import sys

os.environ["ORT_DISABLE_TELEMETRY"] = "1"  # not setdefault: a clinic PC sends nothing, whatever is set


class _NoDownloaderForPydicom(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "requests":
            downloader = sys.modules.get("pydicom.data.download")
            if downloader is not None and not hasattr(downloader, "HAVE_REQUESTS"):  # being imported now
                raise ImportError("pydicom's downloader is not used by this app")
        return None


if not any(isinstance(f, _NoDownloaderForPydicom) for f in sys.meta_path):
    sys.meta_path.insert(0, _NoDownloaderForPydicom())
