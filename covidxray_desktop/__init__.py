"""covidxray_desktop: reads chest X-rays and says COVID-19 or Normal, with a reason and a warning."""
import time

STARTED = time.time()  # the package is imported first thing: start-up times count from here

import signal  # noqa: E402
import sys  # noqa: E402

if "--multiprocessing-fork" in sys.orig_argv:  # a worker process this app spawned (its argv is the parent's)
    # Ctrl+C reaches every process of the terminal; the parent stops its workers itself. A worker
    # that met it during the second its imports take printed a traceback between the command's lines.
    signal.signal(signal.SIGINT, signal.SIG_IGN)

from covidxray_desktop import offline  # noqa: E402,F401  before any library that could reach the network

import os  # noqa: E402

# numpy's BLAS on one thread, set before numpy loads: the app's matrices are small (the gate's
# 64 features of a batch), and BLAS threads spinning beside ONNX Runtime's cost classify a third
# of its speed on a busy 2-core PC (49 against 70 films/s).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
APP_NAME = "covidxray"
DISCLAIMER = "Research use only, not a diagnostic device."
