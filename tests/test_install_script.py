"""An IT person unpacks the built folder wherever the clinic keeps programs and runs install.sh."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(sys.platform == "win32" or shutil.which("sh") is None, reason="a Linux installer")


def unpacked(where: Path) -> Path:
    """The built folder's top, as build.sh lays it out (its programs stood in for by small scripts)."""
    where.mkdir(parents=True)
    for name in ("covidxray", "covidxray-cli"):
        (where / name).write_text("#!/bin/sh\necho ran\n")
        (where / name).chmod(0o755)
    shutil.copy(ROOT / "build_spec" / "covidxray.desktop", where / "covidxray.desktop")
    shutil.copy(ROOT / "build_spec" / "icon.png", where / "covidxray.png")
    shutil.copy(ROOT / "build_spec" / "install.sh", where / "install.sh")
    return where


def install(folder: Path, home: Path, *args):
    env = {"HOME": str(home), "PATH": os.environ["PATH"], "XDG_DATA_HOME": str(home / ".local" / "share")}
    return subprocess.run(["sh", str(folder / "install.sh"), *args], capture_output=True, text=True, env=env,
                          timeout=60)


def entry(home: Path) -> dict:
    lines = (home / ".local/share/applications/covidxray.desktop").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line)


@pytest.mark.parametrize("folder", ["R&D Apps/covidxray", "Apps | x-ray/covidxray", "100% Imaging/covidxray"])
def test_the_menu_entry_runs_the_app_from_a_folder_whose_name_has_ampersands_bars_or_percents(tmp_path, folder):
    app, home = unpacked(tmp_path / folder), tmp_path / "home"
    done = install(app, home)
    assert done.returncode == 0, done.stderr
    said = entry(home)
    assert said["TryExec"] == f"{app}/covidxray"
    assert said["Exec"] == '"' + f"{app}/covidxray".replace("%", "%%") + '" %F'
    assert os.readlink(home / ".local/bin/covidxray") == f"{app}/covidxray"
    if shutil.which("desktop-file-validate"):
        checked = subprocess.run(["desktop-file-validate", str(home / ".local/share/applications/covidxray.desktop")],
                                 capture_output=True, text=True)
        assert "error" not in checked.stdout.lower(), checked.stdout


def test_a_path_a_menu_entry_cannot_carry_is_refused_before_anything_is_written(tmp_path):
    app, home = unpacked(tmp_path / 'say "hi"' / "covidxray"), tmp_path / "home"
    done = install(app, home)
    assert done.returncode == 2 and "move the folder" in done.stderr
    assert not (home / ".local").exists()


def test_a_covidxray_command_the_installer_did_not_make_is_neither_replaced_nor_removed(tmp_path):
    app, home = unpacked(tmp_path / "apps" / "covidxray"), tmp_path / "home"
    launcher = home / ".local/bin/covidxray"
    launcher.parent.mkdir(parents=True)
    launcher.write_text("#!/usr/bin/python3\n# pip's launcher of a Python install\n")
    done = install(app, home)
    assert done.returncode == 2 and "not a link this installer made" in done.stderr
    assert launcher.read_text().startswith("#!/usr/bin/python3") and not (home / ".local/bin/covidxray-cli").exists()
    launcher.unlink()
    pipx = tmp_path / "pipx" / "venvs" / "covidxray_desktop" / "bin" / "covidxray"  # pipx links its launcher
    pipx.parent.mkdir(parents=True)
    pipx.write_text("#!/usr/bin/python3\n")
    launcher.symlink_to(pipx)
    assert install(app, home).returncode == 2 and os.readlink(launcher) == str(pipx)
    launcher.unlink()
    assert install(app, home).returncode == 0
    elsewhere = unpacked(tmp_path / "other" / "covidxray")  # another copy: its uninstall leaves ours alone
    done = install(elsewhere, home, "--uninstall")
    assert done.returncode == 0 and "not a link to this folder" in done.stderr
    assert "nothing of this folder's" in done.stdout and "removed" not in done.stdout  # it removed nothing
    assert os.readlink(launcher) == f"{app}/covidxray"
    assert (home / ".local/share/applications/covidxray.desktop").exists()


def test_uninstalling_removes_what_it_added_and_says_where_the_results_stay(tmp_path):
    app, home = unpacked(tmp_path / "apps" / "covidxray"), tmp_path / "home"
    assert install(app, home).returncode == 0
    done = install(app, home, "--uninstall")
    assert done.returncode == 0, done.stderr
    assert not (home / ".local/bin/covidxray").exists() and not (home / ".local/bin/covidxray-cli").exists()
    assert not (home / ".local/share/applications/covidxray.desktop").exists()
    assert f"{home}/.local/share/covidxray" in done.stdout and "results store" in done.stdout
    assert app.exists()


def test_an_upgrade_by_replacing_the_folder_installs_and_uninstalls_over_the_old_ones_dangling_links(tmp_path):
    # The old folder moved or deleted left links to nothing: they were "not a link this installer made",
    # so the new version would not install, and its uninstall left them and the old menu entry, saying
    # "removed".
    home = tmp_path / "home"
    old = unpacked(tmp_path / "apps" / "covidxray-0.1.0")
    assert install(old, home).returncode == 0
    moved = tmp_path / "Applications" / "covidxray-0.1.0"
    moved.parent.mkdir()
    old.rename(moved)
    done = install(moved, home)
    assert done.returncode == 0, done.stderr
    assert os.readlink(home / ".local/bin/covidxray") == f"{moved}/covidxray"
    shutil.rmtree(moved)
    new = unpacked(tmp_path / "apps" / "covidxray-0.2.0")
    done = install(new, home, "--uninstall")
    assert done.returncode == 0 and "removed:" in done.stdout, done.stdout + done.stderr
    assert not os.path.lexists(home / ".local/bin/covidxray") and not os.path.lexists(home / ".local/bin/covidxray-cli")
    assert not (home / ".local/share/applications/covidxray.desktop").exists()
    assert install(new, home).returncode == 0


def test_a_folder_another_user_could_change_is_not_installed_for_every_user(tmp_path):
    # Unpacked by a user (or with a loose umask), the programs everyone would run were that user's to swap.
    app = unpacked(tmp_path / "apps" / "covidxray")
    system = tmp_path / "usr-local"  # this machine's own /usr/local is never touched by a test
    script = app / "install.sh"
    script.write_text(script.read_text().replace("/usr/local", str(system)))
    (app / "covidxray").chmod(0o777)
    done = install(app, tmp_path / "home", "--system")
    assert done.returncode == 2 and "is not root's alone" in done.stderr and "chown -R root:root" in done.stderr
    assert not system.exists()


def test_another_programs_relative_link_and_menu_entry_are_left_alone_from_any_folder(tmp_path):
    # A stow-style link "../../other/bin/covidxray" and an entry with "TryExec=covidxray" were judged by
    # their text from where the script ran: taken for leftovers of a moved copy, replaced and deleted.
    app, home = unpacked(tmp_path / "apps" / "covidxray"), tmp_path / "home"
    other = home / "other" / "bin" / "covidxray"
    other.parent.mkdir(parents=True)
    other.write_text("#!/bin/sh\n")
    link = home / ".local" / "bin" / "covidxray"
    link.parent.mkdir(parents=True)
    link.symlink_to("../../other/bin/covidxray")
    entry_file = home / ".local/share/applications/covidxray.desktop"
    entry_file.parent.mkdir(parents=True)
    entry_file.write_text("[Desktop Entry]\nType=Application\nName=covidxray\nExec=covidxray %F\nTryExec=covidxray\n")
    env = {"HOME": str(home), "PATH": os.environ["PATH"], "XDG_DATA_HOME": str(home / ".local" / "share")}
    done = subprocess.run(["sh", str(app / "install.sh")], capture_output=True, text=True, env=env, cwd="/",
                          timeout=60)
    assert done.returncode == 2 and "not a link this installer made" in done.stderr
    done = subprocess.run(["sh", str(app / "install.sh"), "--uninstall"], capture_output=True, text=True, env=env,
                          cwd="/", timeout=60)
    assert done.returncode == 0 and "nothing of this folder's" in done.stdout
    assert os.readlink(link) == "../../other/bin/covidxray" and entry_file.exists()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="only root's folders pass the check")
def test_a_folder_reached_through_a_link_is_judged_by_the_folder_it_names(tmp_path):
    # /opt/covidxray -> /opt/covidxray-0.2.0: the link's own mode (777) was taken for the folder's.
    real = unpacked(tmp_path / "apps" / "covidxray-0.2.0")
    for f in real.iterdir():
        f.chmod(0o755 if f.name in ("covidxray", "covidxray-cli", "install.sh") else 0o644)
    system = tmp_path / "usr-local"
    script = real / "install.sh"
    script.write_text(script.read_text().replace("/usr/local", str(system)))
    (tmp_path / "apps").chmod(0o755)
    link = tmp_path / "apps" / "covidxray"
    link.symlink_to(real)
    done = install(link, tmp_path / "home", "--system")
    assert done.returncode == 0, done.stderr
    assert os.readlink(system / "bin" / "covidxray") == f"{link}/covidxray"
