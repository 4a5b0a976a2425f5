"""Where the app finds its bundled resources and keeps per-user data."""
import sys
from pathlib import Path

from covidxray_desktop import APP_NAME


def resources_dir() -> Path:
    """Bundled resources: installed package data, a frozen app's folder, or the source tree."""
    frozen = getattr(sys, "_MEIPASS", None)
    candidates = [Path(frozen) / "resources"] if frozen else []
    here = Path(__file__).resolve().parent
    candidates += [here / "resources", here.parent / "resources"]
    for c in candidates:
        if (c / "models").is_dir():
            return c
    return candidates[-1]


def child_env() -> dict:
    """The environment for a child Python process that must import this same copy of the app."""
    import os

    env = dict(os.environ)
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "") if env.get("PYTHONPATH") else root
    return env


def chinese_font() -> Path:
    """The Chinese font the app ships (a GB 2312 cut of Droid Sans Fallback): PDFs and charts."""
    return resources_dir() / "fonts" / "DroidSansFallback-GB2312.ttf"


def default_model() -> Path:
    return resources_dir() / "models" / "default.keras"


def user_data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
