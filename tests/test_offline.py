"""A clinic PC sends nothing: classifying a batch opens no network socket and leaves no telemetry behind."""
import os
import shutil
import subprocess
import sys

import pytest
from factory import chest_like, save_png8, write_dicom


def _clean_env(home):
    env = {k: v for k, v in os.environ.items() if k != "ORT_DISABLE_TELEMETRY"}  # the app must set it itself
    env.update(HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"), XDG_DATA_HOME=str(home / ".local" / "share"),
               XDG_STATE_HOME=str(home / ".local" / "state"), LOCALAPPDATA=str(home / "AppData"))
    return env


def _classify(tmp_path, wrapper=()):
    films = tmp_path / "films"
    films.mkdir()
    save_png8(films / "a.png", chest_like(256, 1))
    write_dicom(films / "b.dcm", chest_like(256, 2))
    home = tmp_path / "home"
    home.mkdir()
    done = subprocess.run([*wrapper, sys.executable, "-m", "covidxray_desktop", "classify", "--quiet",
                           "--db", str(tmp_path / "r.db"), str(films)],
                          capture_output=True, text=True, env=_clean_env(home), timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("\n") == 3, done.stdout  # a header and one row per film
    return home


def test_a_batch_leaves_no_device_id_or_event_queue_in_the_users_folders(tmp_path):
    home = _classify(tmp_path)
    left = [str(p.relative_to(home)) for p in home.rglob("*") if "onnxruntime" in p.name.lower()
            or p.name == "Microsoft"]
    assert left == []  # was: .cache/Microsoft/DeveloperTools/.onnxruntime/{deviceid, onnxruntime.db}


@pytest.mark.skipif(not shutil.which("strace"), reason="strace is not installed here to watch system calls")
def test_a_batch_opens_no_internet_socket_in_any_of_its_processes(tmp_path):
    trace = tmp_path / "trace.txt"
    _classify(tmp_path, ["strace", "-f", "-qq", "-e", "trace=socket,connect,sendto", "-o", str(trace)])
    calls = [line for line in trace.read_text().splitlines() if "AF_INET" in line]  # AF_INET and AF_INET6
    assert calls == []


def test_reading_dicom_does_not_pull_in_an_http_client():
    """pydicom's example-data downloader imports requests, whose urllib3 probes a loopback socket."""
    code = ("import sys, covidxray_desktop, pydicom; from covidxray_desktop.imaging import load; "
            "print(sorted(m for m in ('requests', 'urllib3') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "[]", done.stderr[-2000:]
