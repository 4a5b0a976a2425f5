import multiprocessing
import sys


def run(argv=None) -> int:
    """`python -m covidxray_desktop` and the frozen app: the same start-up as the console script."""
    from covidxray_desktop.cli import main

    return main(argv)


if __name__ == "__main__":
    multiprocessing.freeze_support()  # first: a frozen app re-enters here in worker processes
    sys.exit(run())
