"""Typed errors whose message a user can read. The core raises these; callers show str(error)."""


def brief(exc: Exception, limit: int = 140) -> str:
    """A library exception as one short line, to quote inside a user-facing sentence."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


class CovidXrayError(Exception):
    """Base class: str(error) is a sentence meant for the person at the screen."""


class ImagingError(CovidXrayError):
    """A file could not be read as an X-ray (corrupt, unsupported, too large, missing decoder)."""


class ModelError(CovidXrayError):
    """A model bundle is missing, corrupt, tampered with or of an unknown format."""


class DataError(CovidXrayError):
    """A training data folder or manifest cannot be used."""


class StoreError(CovidXrayError):
    """The results store cannot be opened, read or written (damaged, foreign, newer, locked, full).
    `aside`: moving the file aside is the way out (damaged, newer), not a harm (locked, foreign)."""

    def __init__(self, message: str, aside: bool = False):
        super().__init__(message)
        self.aside = aside


class UsageError(CovidXrayError):
    """A command was given arguments it cannot work with."""


class Terminated(KeyboardInterrupt):
    """The system asked a command to stop (SIGTERM: a shutdown, a job scheduler, `kill`): it stops as
    Ctrl+C stops it, saying what it leaves behind."""
