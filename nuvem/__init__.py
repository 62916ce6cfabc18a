"""Nuvem: a local AWS cloud."""
