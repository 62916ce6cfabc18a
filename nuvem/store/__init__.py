"""Nuvem's durable state: records, transactions, resources and tags, blobs, the events outbox.

    store = SqliteStore(state_dir)          # <state_dir>/nuvem.db and <state_dir>/blobs/
    store = SqliteStore(None)               # ephemeral: a temp dir removed on close()

The contract is in `api.py`, records in `records.py`.
"""
from __future__ import annotations

from .api import (Busy, Clock, DeadLetter, FormatTooNew, MigrationMissing, OutboxEntry, OutboxRetry,
                  ReadView, Resource, Store, StoreError, SystemClock, Tx, UnknownKind)
from .blobs import Blob, BlobStore, BlobWriter
from .records import Scope, decode_key, encode_key, from_json, record, record_type, to_json
from .sqlite import SqliteStore

__all__ = [
    "Blob", "BlobStore", "Busy", "BlobWriter", "Clock", "DeadLetter", "FormatTooNew", "MigrationMissing",
    "OutboxEntry", "OutboxRetry", "ReadView", "Resource", "Scope", "SqliteStore", "Store",
    "StoreError", "SystemClock", "Tx", "UnknownKind", "decode_key", "encode_key", "from_json",
    "record", "record_type", "to_json",
]
