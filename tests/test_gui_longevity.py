"""A clinic leaves the window open for weeks: thousands of signals later it must still be there.

A store of ~1,100 results sends a signal per thumbnail at start; the PySide6 that the package
once allowed lost a reference to True on every signal and aborted the window there.
"""
import subprocess
import sys
import textwrap

from covidxray_desktop.gui.qtguard import emit_drops_references

SESSION = textwrap.dedent("""
    import os, sys
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication
    from covidxray_desktop.gui.qtguard import guard
    from covidxray_desktop.gui.worker import Worker

    app = QApplication([])
    guard()  # as the window's start does
    received = []

    def rows(worker):  # the engine's way: a generator whose yields become signals
        for i in range(30_000):
            yield ("rowsReady", i)

    loop = QEventLoop()
    worker = Worker(rows)
    worker.yielded.connect(received.append)
    worker.finished.connect(lambda _: loop.quit())
    worker.start()
    loop.exec()
    print(len(received))
""")


def test_the_window_outlives_thirty_thousand_signals_from_its_worker():
    done = subprocess.run([sys.executable, "-c", SESSION], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]  # was: rc 134, "bool_dealloc: deallocating True or False"
    assert done.stdout.split()[-1] == "30000"


def test_the_installed_qt_binding_keeps_its_references():
    """The package pins a PySide6 whose signals keep count; the guard is only a second line."""
    from PySide6.QtWidgets import QApplication

    QApplication.instance() or QApplication([])
    assert not emit_drops_references()


def test_a_worker_that_outlives_its_window_ends_quietly(qtbot, monkeypatch):
    """Closing the window deletes its workers; one still running then has nobody to tell, and says nothing."""
    import threading

    import shiboken6

    from covidxray_desktop.gui.worker import Worker

    crashes = []
    monkeypatch.setattr(threading, "excepthook", crashes.append)
    go = threading.Event()
    worker = Worker(lambda w: go.wait(30))
    worker.start()
    thread = worker._thread
    shiboken6.delete(worker)  # as the window's close does to its children
    go.set()
    thread.join(30)
    assert crashes == []  # was: RuntimeError "Signal source has been deleted" in the thread


def test_a_damaged_store_gets_a_sentence_instead_of_a_window_that_never_comes(tmp_path):
    import os

    (tmp_path / "r.db").write_text("not a database at all")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "config")}
    done = subprocess.run([sys.executable, "-m", "covidxray_desktop", "gui", "--db", str(tmp_path / "r.db")],
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert "r.db: not a usable results store" in done.stderr


def test_a_worker_still_finishing_when_the_application_quits_ends_quietly(qtbot, monkeypatch):
    """At quit Qt deletes every object, the workers' voices too; a thread finishing then (a training
    estimate exporting its network, say) has nobody to tell, and prints no traceback."""
    import threading

    import shiboken6

    from covidxray_desktop.gui import worker as workers

    crashes = []
    monkeypatch.setattr(threading, "excepthook", crashes.append)
    inside, go, voices = threading.Event(), threading.Event(), []
    real = workers._Voice
    monkeypatch.setattr(workers, "_Voice", lambda: voices.append(real()) or voices[-1])
    job = workers.Worker(lambda w: inside.set() or go.wait(30))
    job.start()
    thread = job._thread
    assert inside.wait(30)  # at work: its start was told; its end will have nobody to tell
    shiboken6.delete(voices[0])  # what the application's end does to it
    go.set()
    thread.join(30)
    assert crashes == []


def test_a_worker_telling_its_progress_while_the_application_quits_never_crashes_it(qtbot, monkeypatch):
    """The end of the application can come in the middle of an emit: the voice's deletion waits
    for it, and no emit starts after (before, this crashed the process now and then)."""
    import threading

    import shiboken6

    from covidxray_desktop.gui import worker as workers

    crashes = []
    monkeypatch.setattr(threading, "excepthook", crashes.append)
    real, voices = workers._Voice, []
    monkeypatch.setattr(workers, "_Voice", lambda: voices.append(real()) or voices[-1])
    for round_ in range(20):
        busy = threading.Event()

        def chatter(w):
            for k in range(100000):
                busy.set()
                yield k  # an emit per step, as fast as the thread can

        job = workers.Worker(chatter)
        job.start()
        assert busy.wait(30)
        shiboken6.delete(voices[-1])  # while it speaks
        job._thread.join(30)
        assert not job._thread.is_alive()
    assert crashes == []
