"""Frozen console app `covidxray-cli`: the command line (classify, train, info ...) with its output."""
import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()  # first: worker processes of a frozen app re-enter here
    from covidxray_desktop.__main__ import run

    sys.exit(run())
