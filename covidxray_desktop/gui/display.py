"""Whether a window can open here, asked before Qt is: on Linux, Qt aborts the process with a core
dump when it finds no display, a display that does not answer, or an X11 library missing."""
import ctypes
import os
import sys

INSTEAD = "the command line works here: covidxray classify PATH ..., covidxray --help"

# The libraries pip's Qt (and a built app) leaves to the system: their Debian/Ubuntu and Fedora packages.
LIBRARIES = {
    "libGL.so.1": ("libgl1", "mesa-libGL"),
    "libEGL.so.1": ("libegl1", "mesa-libEGL"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),  # Qt 6.5+ opens it by name at start
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
}


def cannot_open() -> str | None:
    """Why no window can open here, in a sentence, or None (also where we cannot tell: Qt then tries)."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM", "xcb") != "xcb" \
            or os.environ.get("WAYLAND_DISPLAY"):
        return None
    display = os.environ.get("DISPLAY")
    if not display:
        return f"covidxray: no display to open the window on (no desktop session); {INSTEAD}"
    missing = missing_libraries()
    if missing:
        debian = " ".join(LIBRARIES[name][0] for name in missing if name in LIBRARIES)
        fedora = " ".join(sorted({LIBRARIES[name][1] for name in missing if name in LIBRARIES}))
        how = (f"; on Debian or Ubuntu: sudo apt install {debian}; on Fedora: sudo dnf install {fedora}" if debian
               else "")
        return (f"covidxray: the window needs libraries this system lacks ({', '.join(missing)}){how}; "
                f"{INSTEAD}")
    if x_server_answers(display) is False:
        return (f"covidxray: the display {display} does not answer (its desktop session has ended, or DISPLAY "
                f"names another one); log in to the desktop and start it there; {INSTEAD}")
    return None


def missing_libraries() -> list[str]:
    """The libraries Qt's X11 plugin would fail on; [] where it loads (or where we cannot tell)."""
    from PySide6.QtCore import QLibraryInfo

    plugin = os.path.join(QLibraryInfo.path(QLibraryInfo.PluginsPath), "platforms", "libqxcb.so")
    if not os.path.exists(plugin):
        return []  # laid out otherwise: Qt says for itself
    try:
        ctypes.CDLL(plugin)  # its dependencies are found as Qt would find them
    except OSError as exc:
        # A built app's loader rewords the error into "not found when the application was frozen",
        # which blames the build and names nothing: the system's own loader's words are kept.
        return [name for name in LIBRARIES if not _loads(name)] or [str(exc).split(". Most likely")[0]]
    # Qt opens this one by name once started; a built app's own copy is found only by Qt, not by us.
    if not getattr(sys, "frozen", False) and not _loads("libxcb-cursor.so.0"):
        return ["libxcb-cursor.so.0"]
    return []


def _loads(name: str) -> bool:
    try:
        ctypes.CDLL(name)
        return True
    except OSError:
        return False


def x_server_answers(display: str) -> bool | None:
    """Whether the X server named by DISPLAY takes a connection; None where we cannot tell (no libxcb)."""
    try:
        xcb = ctypes.CDLL("libxcb.so.1")
    except OSError:
        return None
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    connection = xcb.xcb_connect(display.encode(), None)  # never NULL: a failed one is an error object
    failed = xcb.xcb_connection_has_error(connection)
    xcb.xcb_disconnect(connection)
    return failed == 0
