"""Nuvem: a local AWS cloud."""

__version__ = "0.1.0"
