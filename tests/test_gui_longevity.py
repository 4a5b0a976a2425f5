"""A clinic leaves the window open for weeks: thousands of signals later it must still be there.

A store of ~1,100 results sends a signal per thumbnail at start; the PySide6 that the package
once allowed lost a reference to True on every signal and aborted the window there.
"""
import subprocess
import sys
import textwrap

import pytest

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


def test_a_store_the_window_cannot_open_is_named_in_her_language_with_where_it_is(tmp_path, qtbot):
    """Started from its icon, the app has no --db to offer: the sentence says where the store is and
    that moving it aside starts a new one, in Chinese for a Chinese window."""
    import sqlite3

    from PySide6.QtWidgets import QApplication

    from covidxray_desktop.errors import ModelError, StoreError
    from covidxray_desktop.gui.app import install_translations, remove_translations, problem_at_start
    from covidxray_desktop.store import SCHEMA_VERSION, Store

    (tmp_path / "damaged.db").write_text("not a database at all")
    foreign = sqlite3.connect(tmp_path / "foreign.db")
    foreign.execute("CREATE TABLE invoices (n INTEGER)")
    foreign.commit()
    newer = sqlite3.connect(tmp_path / "newer.db")
    newer.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    newer.execute("CREATE TABLE results (sha256 TEXT)")
    newer.commit()
    from PIL import Image

    Image.new("L", (8, 8)).save(tmp_path / "film.png")
    (tmp_path / "folder.db").mkdir()
    failures = []
    for name in ("damaged.db", "foreign.db", "newer.db", "film.png", "folder.db"):
        with pytest.raises(StoreError) as caught:
            Store(tmp_path / name)
        failures.append((name, caught.value))
    english = problem_at_start(failures[0][1], tmp_path / "damaged.db")
    assert "damaged.db: not a usable results store" in english and str(tmp_path / "damaged.db") in english
    assert "moved elsewhere" in english
    assert not any("--db" in problem_at_start(exc, tmp_path / name) for name, exc in failures)
    translators = install_translations(QApplication.instance(), "zh_CN")
    try:
        said = {name: problem_at_start(exc, tmp_path / name) for name, exc in failures}
        assert "不是可用的结果库" in said["damaged.db"] and "其他应用程序的数据库" in said["foreign.db"]
        assert "更新版本" in said["newer.db"] and "PNG 影像" in said["film.png"] and "不是文件" in said["folder.db"]
        assert not any("--db" in text for text in said.values()), said
        assert all(str(tmp_path / name) in text and "结果库位于" in text for name, text in said.items())
        # Moving aside is the way out for a damaged or newer store, never for another application's file.
        assert ["移到别处后" in said[name] for name in ("damaged.db", "foreign.db", "newer.db")] == [True, False, True]
        locked = problem_at_start(StoreError("r.db: not a usable results store (database is locked); move it aside "
                                             "or choose another with --db."), tmp_path / "r.db")
        assert "结果库位于" in locked and "移到别处后" not in locked and "--db" not in locked
        model = problem_at_start(ModelError("default.keras: model file not found."), None)
        assert "结果库位于" not in model  # only the store's problems name the store
    finally:
        remove_translations(QApplication.instance(), translators)


QUIT_MID_WORK = textwrap.dedent("""
    import os, sys, threading
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    from covidxray_desktop.gui import worker
    from covidxray_desktop.gui.worker import Worker

    worker.LOCAL_PAIR = sys.argv[1] == "pair"
    app = QApplication([])

    def chatter(job):  # progress told as fast as the thread can, until the process ends
        while True:
            yield 1

    def estimate(job):  # a training estimate that finishes as the window goes
        for k in range(200):
            job.tell(k)  # from a callback deep in the work, not a yield
        return "done"

    heard = []

    def hear(word):  # the window closes once both were heard, in whichever order a busy PC brings them
        if word not in heard:
            heard.append(word)
            if len(heard) == 2:
                QTimer.singleShot(20, app.quit)  # the clinic closes the window while the others talk

    talkers = [Worker(chatter).start() for _ in range(3)]
    talkers[0].yielded.connect(lambda _: hear("chatter"))
    # no reference kept: the worker lives until its last word is heard, and goes on this thread
    worker.start(estimate, on_finish=hear)
    app.exec()
    print(" ".join(sorted(heard)))
    del talkers  # the application's end deletes every object while the threads still talk
""")


def test_workers_still_talking_when_the_application_quits_never_crash_it():
    """At quit Qt deletes every object, the workers too, while their threads go on: a training
    estimate finishing, a batch telling its progress. The process ends quietly (an emit from the
    thread through an object the quit deleted crashed it now and then, a lock notwithstanding)."""
    for wake in ["pair", "poll"] * 3:  # the GUI thread woken by a socket pair, or looking (Windows)
        done = subprocess.run([sys.executable, "-c", QUIT_MID_WORK, wake], capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        assert done.stdout.split() == ["chatter", "done"], (done.stdout, done.stderr[-2000:])
        assert done.stderr.strip() == "", done.stderr[-2000:]  # no traceback, no Qt warning of a foreign thread


@pytest.fixture(params=[True, False], ids=["socket pair", "polling (Windows)"])
def pair(request, monkeypatch):
    """The GUI thread woken by a local socket pair, or looking at the queue (Windows)."""
    from covidxray_desktop.gui import worker

    monkeypatch.setattr(worker, "LOCAL_PAIR", request.param)
    return request.param


def test_a_worker_deleted_while_its_thread_talks_leaves_the_thread_to_end_quietly(qtbot, monkeypatch, pair):
    """Closing the window deletes its workers mid-chatter; the threads never touch them."""
    import threading

    import shiboken6

    from covidxray_desktop.gui.worker import Worker

    crashes = []
    monkeypatch.setattr(threading, "excepthook", crashes.append)
    for round_ in range(20):
        busy = threading.Event()

        def chatter(w):
            for k in range(20000):
                busy.set()
                if not w.aborting():  # the work still asks its job, the worker deleted or not
                    yield k  # a word per step, as fast as the thread can

        job = Worker(chatter).start()
        thread = job._thread
        assert busy.wait(30)
        qtbot.wait(1)  # some of it heard
        shiboken6.delete(job)  # while it speaks
        thread.join(60)
        assert not thread.is_alive()
    assert crashes == []


def test_words_of_a_deleted_worker_are_dropped_not_kept(qtbot, pair):
    """A thread that goes on talking for hours after its window closed must not fill the memory."""
    import threading

    import shiboken6

    from covidxray_desktop.gui.worker import Worker

    go = threading.Event()
    job = Worker(lambda j: go.wait(30)).start()
    said = job._job
    shiboken6.delete(job)
    for k in range(1000):
        said.tell(k)
    go.set()
    assert said.deaf and said.inbox.qsize() <= 1  # at most its first word, said before the window went


def test_everything_a_worker_says_arrives_in_order_and_its_last_word_last(qtbot, pair):
    import socket

    from covidxray_desktop.gui.worker import Worker

    def counting(w):
        for k in range(5000):
            yield k
        return "counted"

    heard, ends = [], []
    job = Worker(counting)
    assert (job._ear is not None and job._ear.family == socket.AF_UNIX) == pair  # never a network socket
    job.yielded.connect(heard.append)
    job.finished.connect(lambda result: ends.append((result, len(heard))))
    with qtbot.waitSignal(job.finished, timeout=60_000):
        job.start()
    assert heard == list(range(5000)) and ends == [("counted", 5000)]


def test_a_slot_that_closes_the_workers_owner_stops_the_delivery_quietly(qtbot, pair):
    """A window closed from a progress slot takes its worker with it; what the thread said after is dropped."""
    import shiboken6
    from PySide6.QtCore import QObject

    from covidxray_desktop.gui.worker import Worker

    owner = QObject()
    heard = []

    def counting(w):
        yield from range(50)

    job = Worker(counting, parent=owner)
    job.yielded.connect(lambda k: heard.append(k) or (k == 3 and shiboken6.delete(owner)))
    job.start()
    job.wait(30)
    qtbot.waitUntil(lambda: not shiboken6.isValid(job), timeout=30_000)
    qtbot.wait(50)
    assert heard == [0, 1, 2, 3]


def test_without_a_socket_pair_an_idle_worker_is_looked_at_less_often_and_a_word_brings_it_back(qtbot, monkeypatch):
    """On Windows the window looks at each worker's queue; the engine's waits all day for films."""
    import threading

    from covidxray_desktop.gui import worker
    from covidxray_desktop.gui.worker import Worker

    monkeypatch.setattr(worker, "LOCAL_PAIR", False)
    films, closing = threading.Event(), threading.Event()

    def engine(job):
        films.wait(30)  # idle: no films
        yield "a batch"
        closing.wait(30)

    job = Worker(engine).start()
    qtbot.waitUntil(lambda: job._listen.interval() == worker.POLL_IDLE_MS, timeout=30_000)
    with qtbot.waitSignal(job.yielded, timeout=30_000):
        films.set()
    assert job._listen.interval() == worker.POLL_MS
    closing.set()
    qtbot.waitUntil(lambda: not job._listen.isActive(), timeout=30_000)  # its last word heard: no more looking


def test_when_a_workers_end_is_heard_its_thread_has_ended(qtbot, pair):
    """A dialog that closes once its job's thread has ended checks running() when the end arrives."""
    from covidxray_desktop.gui.worker import Worker

    for ending in ("finished", "errored"):
        def work(job):
            yield 1
            if ending == "errored":
                raise ValueError("the job failed")
            return 2

        job = Worker(work)
        seen = []
        getattr(job, ending).connect(lambda *_: seen.append(job.running()))
        with qtbot.waitSignal(getattr(job, ending), timeout=30_000):
            job.start()
        assert seen == [False]
