"""Architectures, model bundles (.keras + card), calibration, class activation maps, the OOD gate."""
