"""Does this CPU run TensorFlow? Its x86-64 wheels use AVX; without it the process dies with
"Illegal instruction" on import, so this is checked first, with the standard library only.
"""
import os
import platform
import subprocess
import sys

# winnt.h: IsProcessorFeaturePresent() feature numbers.
PF_XSAVE_ENABLED = 17
PF_SSSE3_INSTRUCTIONS_AVAILABLE = 36
PF_AVX_INSTRUCTIONS_AVAILABLE = 39

MESSAGE = ("This computer's processor lacks the AVX instructions that TensorFlow needs, so "
           "covidxray cannot train or adapt models here (classifying works). Please use a PC with an "
           "Intel or AMD processor from 2011 or later (Intel Sandy Bridge / AMD Bulldozer or newer).")


def x86(machine: str | None = None) -> bool:
    return (machine or platform.machine()).lower() in {"x86_64", "amd64", "i386", "i686", "x86"}


def flags_from_cpuinfo(text: str) -> set[str] | None:
    """The feature flags of the first processor in /proc/cpuinfo text; None if there are none."""
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() in ("flags", "Features"):
            return set(value.split())
    return None


def avx_from_cpuinfo(text: str) -> bool | None:
    flags = flags_from_cpuinfo(text)
    return None if flags is None else "avx" in flags


def avx_from_sysctl(features: str) -> bool:
    """macOS `sysctl machdep.cpu.features` lists AVX as 'AVX1.0'."""
    return any(f.upper().startswith("AVX") for f in features.split())


def avx_from_windows(present) -> bool | None:
    """present(feature) -> bool, i.e. kernel32.IsProcessorFeaturePresent.

    Windows releases that predate the AVX feature number answer False for it, like for any
    number they do not know; SSSE3 (every AVX CPU has it) comes from the same list, so when
    that is unknown too the answer is "cannot tell". No OS-enabled XSAVE means no usable AVX.
    """
    if present(PF_AVX_INSTRUCTIONS_AVAILABLE):
        return True
    if not present(PF_XSAVE_ENABLED):
        return False
    if not present(PF_SSSE3_INSTRUCTIONS_AVAILABLE):
        return None
    return False


def has_avx() -> bool | None:
    """True or False where the OS tells; None where it cannot be told (then TensorFlow is tried)."""
    if not x86():
        return None  # arm64 wheels (Apple silicon, Linux aarch64) do not need AVX
    try:
        if sys.platform.startswith("linux"):
            # COVIDXRAY_CPUINFO: another cpuinfo text, to try the refusal on a modern machine.
            path = os.environ.get("COVIDXRAY_CPUINFO") or "/proc/cpuinfo"
            with open(path, encoding="utf-8", errors="replace") as f:
                return avx_from_cpuinfo(f.read())
        if sys.platform == "win32":
            import ctypes

            present = ctypes.windll.kernel32.IsProcessorFeaturePresent
            return avx_from_windows(lambda feature: bool(present(feature)))
        if sys.platform == "darwin":
            out = subprocess.run(["sysctl", "-n", "machdep.cpu.features", "machdep.cpu.leaf7_features"],
                                 capture_output=True, text=True, timeout=5)
            return avx_from_sysctl(out.stdout) if out.returncode == 0 else None
    except (OSError, AttributeError, subprocess.SubprocessError):
        return None
    return None


def problem() -> str | None:
    """A sentence for the user when TensorFlow cannot run on this CPU, else None."""
    return MESSAGE if has_avx() is False else None


def report(message: str) -> int:
    """Tell the user on the terminal, in one line; returns 2. (The window shows its own dialog.)"""
    stream = sys.stderr or sys.stdout
    if stream is not None:
        print(f"covidxray: {message}", file=stream)
    return 2


def check() -> int | None:
    """For a command that needs TensorFlow (the command table says which): the exit status when
    this CPU cannot run it (after telling so), else None. The window asks problem() itself before
    it trains or adapts, and says it in a dialog."""
    message = problem()
    if message is None:
        return None
    return report(message)
