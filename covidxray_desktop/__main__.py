import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()  # first: a frozen app re-enters here in worker processes
    from covidxray_desktop.cli import main

    sys.exit(main())
