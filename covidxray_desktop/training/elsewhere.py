"""The light-runtime export of a bundle trained off TensorFlow (Keras on PyTorch or JAX, a GPU).

The exporter runs on TensorFlow, and a process keeps the Keras backend it started with; so where
TensorFlow is installed beside the backend that trained, `covidxray export` runs on it in a
process of its own, on the bundle while it is still staged: the model a job publishes, from the
command line or the window, classifies on the light runtime like any other. Where TensorFlow is
missing (a rented GPU machine) the bundle stays on Keras and the event says what to run later.
"""
import importlib.util
import os
import subprocess
import sys

from covidxray_desktop import backend
from covidxray_desktop.model import bundle as bundles


def needed(bundle) -> bool:
    return backend.name() != "tensorflow" and not bundle.card.get("runtime")


def export(bundle, on_event, cancelled=lambda: False):
    """-> the bundle, exported where it can be (checked against Keras, as every export is).
    `cancelled()` raises when the user gives up meanwhile: the export is stopped then, not waited for."""
    if not needed(bundle):
        return bundle
    if importlib.util.find_spec("tensorflow") is None:
        on_event({"kind": "stage", "message": "not exported for the light runtime (TensorFlow is not installed "
                                              "here): run `covidxray export` on the saved model where it is"})
        return bundle
    on_event({"kind": "stage", "message": "exporting for the light runtime (on TensorFlow, in a process of its own)"})
    returncode, stderr = _run(command(bundle.path), dict(os.environ, KERAS_BACKEND="tensorflow"), cancelled)
    if returncode != 0:
        reason = (stderr.strip().splitlines() or ["no reason given"])[-1]
        on_event({"kind": "stage", "message": f"not exported for the light runtime ({reason}); run `covidxray "
                                              f"export` on the saved model later"})
        return bundle
    exported = bundles.load(bundle.path)
    exported.model = bundle.model
    return exported


def command(path) -> list:
    return [sys.executable, "-m", "covidxray_desktop", "export", str(path)]


def _run(args, env, cancelled) -> tuple:
    """(exit status, standard error) of `args`, polling `cancelled` while it runs; a child left
    running after the user gave up would write into a stage that is about to be removed."""
    # Its own process group: the terminal's Ctrl+C (keep the best epoch) is the job's to hear, not the
    # export's; giving up stops it here.
    apart = ({"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP} if sys.platform == "win32"
             else {"start_new_session": True})
    with subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          encoding="utf-8", errors="replace", **apart) as child:
        while True:
            try:
                stderr = child.communicate(timeout=0.5)[1]  # a retry after the timeout loses no output
                return child.returncode, stderr
            except subprocess.TimeoutExpired:
                try:
                    cancelled()
                except BaseException:
                    child.kill()
                    child.communicate()
                    raise
