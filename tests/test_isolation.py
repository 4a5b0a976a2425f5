"""A decoder that hangs or crashes costs its file one error row; the batch goes on; no process is left over."""
import gc
import logging
import multiprocessing
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import slow_reader
from factory import chest_like, save_png8
from PIL import Image

from covidxray_desktop.errors import DataError, ImagingError
from covidxray_desktop.imaging import isolate
from covidxray_desktop.prepare import Route
from covidxray_desktop.imaging.isolate import DecodeAbandoned, Isolated
from covidxray_desktop.inference import Predictor

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
LINUX_PROC = Path("/proc/self/status").exists()


def films(folder, names):
    folder.mkdir()
    for i, name in enumerate(names):
        save_png8(folder / name, chest_like(128, i))
    return [folder / n for n in names]


def decoders() -> set:
    return {p for p in multiprocessing.active_children() if p.name == "covidxray-decoder"}


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie has exited; only its parent has not read its status yet


def test_a_stuck_decoder_is_abandoned_and_the_batch_goes_on(tmp_path, tiny_bundle):
    names = ["a.png", "stuck1.png", "b.png", "c.png", "stuck2.png", "d.png", "e.png"]
    files = films(tmp_path / "in", names)
    predictor = Predictor(tiny_bundle, decode_limit_s=2, decoder=slow_reader.prepare, batch_size=2)
    try:
        rows = list(predictor.run(files))  # a hang would end in the suite's time-out
    finally:
        predictor.close()
    assert [r.path for r in rows] == [str(f) for f in files]
    for row in rows:
        if row.name.startswith("stuck"):
            assert row.status == "error" and row.transient, row  # a time-out is never stored as a result
            assert row.message == (f"{row.name}: decoding took longer than 2 s and was abandoned "
                                   f"(a damaged or hostile file?)."), row.message
            assert row.seconds > 1.9  # waited its limit out; how much longer depends on the machine's load
        else:
            assert row.status in ("ok", "rejected") and not row.message.startswith(row.name), row


def test_a_crashing_decoder_costs_one_row_and_the_next_file_still_works(tmp_path, tiny_bundle):
    names = ["crash1.png", "a.png", "crash2.png", "odd.png", "b.png"]
    files = films(tmp_path / "in", names)
    predictor = Predictor(tiny_bundle, decode_limit_s=20, decoder=slow_reader.prepare, workers=1)
    try:
        rows = {r.name: r for r in predictor.run(files)}
    finally:
        predictor.close()
    assert len(rows) == len(names)
    for name in ("crash1.png", "crash2.png"):
        assert rows[name].status == "error", rows[name]
        assert rows[name].message.startswith(f"{name}: the decoder crashed on this file"), rows[name].message
    assert rows["odd.png"].status == "error"
    assert rows["odd.png"].message == ("odd.png: unexpected error while reading "
                                       "(ValueError: a library error nobody wrapped).")
    for name in ("a.png", "b.png"):  # each after a crash: read by a fresh worker
        assert rows[name].status in ("ok", "rejected"), rows[name]


def test_errors_come_back_typed_and_a_stuck_worker_is_replaced(tmp_path):
    film = films(tmp_path / "in", ["a.png"])[0]
    iso = Isolated(slow_reader.prepare, limit_s=1)
    route = Route(64, "cxr-gray-eq-v1")
    try:
        with pytest.raises(DataError, match="typed.png: a typed error"):
            iso("typed.png", route)
        with pytest.raises(ImagingError, match="odd.png: unexpected error"):
            iso("odd.png", route)
        with pytest.raises(DecodeAbandoned, match="stuck.dcm: decoding took longer than 1 s"):
            iso("stuck.dcm", route)
        item = iso(film, route)  # a fresh worker reads the next file
        assert not item.error and item.input.shape[:2] == (64, 64) and item.pixels is None
        assert len(item.sha256) == 64  # the hash of exactly the bytes that were decoded
        assert iso(film, Route(64, "cxr-gray-eq-v1", 0, True)).pixels.shape == (128, 128)  # only when asked for
        assert Isolated(slow_reader.heavy_modules)(film) == []  # the worker never imports Keras, TF or Qt
    finally:
        iso.close()


def test_a_decoders_own_complaints_stay_off_the_terminal(tmp_path, capfd):
    # A native decoder printed "Not a JPEG file: …" between classify's lines; the row says it better.
    film = films(tmp_path / "in", ["chatty.png"])[0]
    iso = Isolated(slow_reader.prepare, limit_s=30)
    try:
        assert not iso(film, Route(64, "cxr-gray-eq-v1")).error
    finally:
        iso.close()
    assert "Not a JPEG file" not in capfd.readouterr().err


def test_ctrl_c_during_a_workers_start_up_is_left_to_the_command(tmp_path):
    # Ctrl+C reaches every process of the terminal: a worker still importing printed a traceback
    # between classify's lines ("interrupted; stopped after ..."), which the command says alone.
    import signal

    iso = Isolated(slow_reader.sigint_at_import)
    try:
        assert iso(tmp_path / "any.png") is True
    finally:
        iso.close()
    assert signal.getsignal(signal.SIGINT) is not signal.SIG_IGN  # the command itself still hears it
    if hasattr(signal, "pthread_sigmask"):  # and a worker hears none from its first instruction, when
        iso = Isolated(slow_reader.sigint_held_back)  # multiprocessing's imports printed its traceback
        try:
            assert iso(tmp_path / "any.png") is True
        finally:
            iso.close()
        assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, [])  # the command's thread hears it


def test_no_worker_is_left_after_close_or_when_the_owner_goes(tmp_path, tiny_bundle):
    files = films(tmp_path / "in", [f"f{i}.png" for i in range(6)])
    before = decoders()
    predictor = Predictor(tiny_bundle)
    assert len(list(predictor.run(files))) == len(files)
    started = decoders() - before
    assert 1 <= len(started) <= predictor.workers
    predictor.close()
    assert not any(p.is_alive() for p in started) and not (decoders() & started)

    iso = Isolated(slow_reader.prepare)
    iso(files[0], Route(64, "cxr-gray-eq-v1"))
    started = decoders() - before
    del iso
    gc.collect()
    assert started and not any(p.is_alive() for p in started)


def test_heat_maps_still_get_full_pixels_and_the_cli_takes_a_limit(tmp_path, tiny_bundle, capsys):
    from covidxray_desktop.cli import main

    known = sorted(tiny_bundle.folder.glob("covid_*.png"))[0]  # one the tiny model does not refuse
    predictor = Predictor(tiny_bundle, overlays=True)
    row = predictor.predict_file(known)
    predictor.close()
    assert row.status == "ok", row.message
    assert row.pixels.shape == (160, 160) and row.heat is not None  # full pixels came back for the overlay
    film = films(tmp_path / "in", ["a.png"])[0]
    db = str(tmp_path / "r.db")
    assert main(["classify", "--quiet", "--model", tiny_bundle.path, "--db", db, "--decode-limit", "-1", film]) != 0
    assert "--decode-limit" in capsys.readouterr().err
    assert main(["classify", "--quiet", "--model", tiny_bundle.path, "--db", db, "--decode-limit", "0", film]) == 0
    assert "a.png," in capsys.readouterr().out


def test_workers_start_failing_means_decoding_in_thread_logged_once(tmp_path, monkeypatch, caplog):
    film = films(tmp_path / "in", ["a.png"])[0]

    def refuse(*args):
        raise PermissionError("process creation is not allowed here")

    monkeypatch.setattr(isolate._Worker, "__init__", refuse)
    iso = Isolated(slow_reader.prepare)
    with caplog.at_level(logging.WARNING):
        assert not iso(film, Route(64, "cxr-gray-eq-v1")).error
        assert not iso(film, Route(64, "cxr-gray-eq-v1")).error
    assert len([r for r in caplog.records if "did not start" in r.getMessage()]) == 1


@pytest.mark.skipif(not LINUX_PROC, reason="reads process states from /proc (Linux)")
def test_a_stuck_worker_exits_on_its_own_when_its_parent_dies():
    code = textwrap.dedent(f"""
        import multiprocessing, os, sys, threading, time
        sys.path.insert(0, {str(HERE)!r})
        import slow_reader
        from covidxray_desktop.imaging.isolate import Isolated
        iso = Isolated(slow_reader.prepare, 600)
        threading.Thread(target=iso, args=("stuck.png", None), daemon=True).start()
        while not multiprocessing.active_children():
            time.sleep(0.05)
        time.sleep(1.5)  # started, and inside the endless decoder by now
        print(multiprocessing.active_children()[0].pid, flush=True)
        os._exit(1)  # no clean-up runs: as if the app was killed
    """)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    pid = int(out.stdout.split()[-1])
    deadline = time.time() + 120  # a wait, not a speed claim: a loaded machine may take a while
    while alive(pid) and time.time() < deadline:
        time.sleep(0.1)
    assert not alive(pid)


def _tree(root: int) -> set:
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parents[int(entry)] = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                pass
    found, todo = {root}, [root]
    while todo:
        here = todo.pop()
        kids = [pid for pid, parent in parents.items() if parent == here and pid not in found]
        found.update(kids)
        todo += kids
    return found


def _peak_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@pytest.mark.skipif(not LINUX_PROC, reason="reads peak memory from /proc and getrusage (Linux)")
def test_peak_memory_of_a_hostile_batch_stays_under_2_gb(tmp_path, tiny_bundle):
    from test_hostile import corpus

    folder = corpus(tmp_path / "odd")
    for name in ("big_29mpx.png", "big_29mpx_too.png"):  # just under the 30 Mpx guard, both decoding at once
        Image.new("RGBA", (5400, 5400), (90, 90, 90, 255)).save(folder / name)
    save_png8(folder / "fine.png", chest_like(256, 3))
    # A probe process runs classify and reports getrusage(RUSAGE_CHILDREN).ru_maxrss: the largest
    # peak of any ONE waited-for descendant (classify itself, and its decode workers, which it
    # joins), not their sum. For the sum, /proc is sampled every 50 ms: adding each process's own
    # peak (VmHWM) over-counts, since peaks need not coincide, but a process living < 50 ms is missed.
    classify = [sys.executable, "-m", "covidxray_desktop", "classify", "--quiet", "--model", str(tiny_bundle.path),
                "--db", str(tmp_path / "r.db"), "--csv", str(tmp_path / "out.csv"), str(folder)]
    probe = (f"import resource, subprocess; subprocess.run({classify!r}, check=True); "
             f"print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-c", probe], stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    peaks, deadline = {}, time.time() + 300
    while proc.poll() is None and time.time() < deadline:
        for pid in _tree(proc.pid) - {proc.pid}:
            peaks[pid] = max(peaks.get(pid, 0), _peak_kb(pid))
        time.sleep(0.05)
    largest_kb = int(proc.communicate(timeout=60)[0].split()[-1])
    assert proc.returncode == 0
    rows = (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines()
    assert len(rows) == 1 + 16  # a header, then one row per file (links and pipes are not walked into)
    print(f"peak RSS: largest single process {largest_kb / 1024:.0f} MiB; sum of per-process peaks "
          f"{sum(peaks.values()) / 1024:.0f} MiB ({', '.join(f'{kb / 1024:.0f}' for kb in sorted(peaks.values()))})")
    assert largest_kb < 2 * 1024 * 1024
    assert sum(peaks.values()) < 2 * 1024 * 1024
