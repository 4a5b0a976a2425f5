"""Typed errors whose message a user can read. The core raises these; callers show str(error)."""


class CovidXrayError(Exception):
    """Base class: str(error) is a sentence meant for the person at the screen."""


class ImagingError(CovidXrayError):
    """A file could not be read as an X-ray (corrupt, unsupported, too large, missing decoder)."""


class ModelError(CovidXrayError):
    """A model bundle is missing, corrupt, tampered with or of an unknown format."""


class DataError(CovidXrayError):
    """A training data folder or manifest cannot be used."""


class UsageError(CovidXrayError):
    """A command was given arguments it cannot work with."""
