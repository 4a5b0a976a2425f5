"""Frozen windowed app `covidxray`: no arguments or files -> the window; a sub-command runs headless."""
import multiprocessing
import os
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()  # first: worker processes of a frozen app re-enter here
    # A windowed Windows executable has no console: stdout/stderr are None, and a print
    # to them (or a library's warning) would raise. Headless output goes to covidxray-cli.
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))
    from covidxray_desktop.__main__ import run

    sys.exit(run())
