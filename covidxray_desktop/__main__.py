import multiprocessing
import sys


def run(argv=None, console: bool = True) -> int:
    """The app: the window or a headless command. console=False: no terminal to print to."""
    argv = sys.argv[1:] if argv is None else list(argv)
    from covidxray_desktop import cpu

    # Before anything imports TensorFlow: on a CPU without AVX that import kills the process.
    refused = cpu.check(argv, console=console)
    if refused is not None:
        return refused
    from covidxray_desktop.cli import main

    return main(argv)


if __name__ == "__main__":
    multiprocessing.freeze_support()  # first: a frozen app re-enters here in worker processes
    sys.exit(run())
