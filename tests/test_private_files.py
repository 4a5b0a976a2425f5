"""Under a careless umask (000, as some kiosk and container setups have), what the app writes about
patients stays readable by this user only: folders 0700, files 0600."""
import logging
import os
import stat

import pytest


@pytest.fixture
def umask_000():
    old = os.umask(0)
    yield
    os.umask(old)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_store_and_every_folder_made_for_it_are_private(tmp_path, umask_000):
    from covidxray_desktop.store import Store

    Store(tmp_path / "home" / "share" / "covidxray" / "r.sqlite3").close()
    for folder in ("home", "home/share", "home/share/covidxray"):
        assert mode(tmp_path / folder) == 0o700, folder
    assert mode(tmp_path / "home" / "share" / "covidxray" / "r.sqlite3") == 0o600


def test_every_log_file_is_private_after_rotation_too(tmp_path, umask_000):
    from covidxray_desktop import logs

    handler = logs._PrivateRotatingHandler(tmp_path / "covidxray.log", maxBytes=60, backupCount=2)
    try:
        for i in range(20):
            handler.emit(logging.LogRecord("t", logging.INFO, "", 0, "classify: %d files", (i,), None))
    finally:
        handler.close()
    files = sorted(tmp_path.glob("covidxray.log*"))
    assert len(files) == 3 and all(mode(f) == 0o600 for f in files)


def test_the_settings_file_and_its_folders_are_private(tmp_path, umask_000, qapp):
    from PySide6.QtCore import QSettings

    from covidxray_desktop.gui.app import _private

    path = tmp_path / "config" / "covidxray" / "covidxray.conf"
    settings = QSettings(str(path), QSettings.IniFormat)
    _private(settings)
    settings.setValue("last_folder", "/ward/3/Doe_Jane")
    settings.sync()
    assert mode(path) == 0o600
    assert mode(tmp_path / "config") == mode(tmp_path / "config" / "covidxray") == 0o700


def test_writing_heat_maps_in_threads_never_loosens_the_umask_even_for_a_moment(tmp_path, monkeypatch):
    """Reading the umask means setting it. Two threads doing that at once could leave the process at
    000 (every later file open to all users), or let another thread create a file meanwhile."""
    from concurrent.futures import ThreadPoolExecutor

    from covidxray_desktop import files

    real = os.umask(0o022)
    seen = []
    original = os.umask

    def watched(value):
        seen.append(value)
        return original(value)

    monkeypatch.setattr(os, "umask", watched)
    try:
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda k: files.write_bytes_atomic(tmp_path / f"map{k}.png", b"png"), range(200)))
        assert original(0o022) == 0o022, "the process was left with another umask"
        assert all(v & 0o077 == 0o077 or v == 0o022 for v in seen), sorted(set(seen))
        assert {mode(f) for f in tmp_path.glob("map*.png")} == {0o644}
    finally:
        original(real)
