"""Blobs: streaming writes, content addressing and dedupe (or random names), atomicity, garbage
collection."""
from __future__ import annotations

import hashlib
import io
import os
import time

import pytest

from nuvem.store import BlobStore, SqliteStore

from .models import StoredObject

A = "111111111111"


@pytest.fixture
def blobs(tmp_path):
    b = BlobStore(tmp_path / "blobs")
    yield b
    b.close()


def test_put_from_bytes_file_and_chunks(blobs):
    data = os.urandom(3 * (1 << 20) + 17)           # more than one chunk
    digest = hashlib.sha256(data).hexdigest()
    for source in (data, io.BytesIO(data), (data[i:i + 1000] for i in range(0, len(data), 1000))):
        blob = blobs.put(source, hashes=("md5",))
        assert blob.digest == digest and blob.size == len(data)
        assert blob.hashes == {"md5": hashlib.md5(data).hexdigest()}
    assert blobs.read(digest) == data
    with blobs.open(digest) as f:
        f.seek(len(data) - 17)
        assert f.read() == data[-17:]
    assert blobs.path(digest).relative_to(blobs.root).parts == (digest[:2], digest[2:])
    assert list(blobs.digests()) == [digest]                         # stored once
    assert os.listdir(blobs.root / "tmp") == []


def test_writer_and_aborts_leave_nothing(blobs):
    with blobs.writer() as w:
        w.write(b"hello ")
        w.write(b"world")
    assert blobs.read(w.blob.digest) == b"hello world"
    with pytest.raises(RuntimeError):
        with blobs.writer() as w:
            w.write(b"partial")
            raise RuntimeError("client went away")

    def failing():
        yield b"abc"
        raise OSError("read error")
    with pytest.raises(OSError):
        blobs.put(failing())
    assert os.listdir(blobs.root / "tmp") == []
    assert len(list(blobs.digests())) == 1


def test_a_writer_that_need_not_hash_names_its_blob_at_random(blobs):
    names = []
    for _ in range(2):
        with blobs.writer(content_addressed=False) as w:
            w.write(b"same bytes")
        names.append(w.blob.digest)
    assert names[0] != names[1] and hashlib.sha256(b"same bytes").hexdigest() not in names
    assert all(len(n) == 64 and blobs.read(n) == b"same bytes" for n in names)
    assert sorted(blobs.digests()) == sorted(names)       # no sharing: each is its own file


def test_bad_digests_are_rejected(blobs):
    with pytest.raises(ValueError):
        blobs.open("../../etc/passwd")
    assert not blobs.exists("0" * 64)


def _age(path, seconds):
    t = time.time() - seconds
    os.utime(path, (t, t))


def test_gc_deletes_only_unreferenced_old_blobs(tmp_path):
    store = SqliteStore(tmp_path)
    try:
        kept = store.blobs.put(b"kept").digest
        part = store.blobs.put(b"part").digest
        orphan = store.blobs.put(b"orphan").digest
        fresh = store.blobs.put(b"fresh orphan").digest
        dropped = store.blobs.put(b"dropped").digest
        with store.tx() as tx:
            tx.put(StoredObject(A, "b", "k1", digest=kept, parts=[part]))
            tx.put(StoredObject(A, "b", "k2", digest=dropped))
        with store.tx() as tx:
            tx.delete(StoredObject, A, "b", "k2")
        for d in (kept, part, orphan, dropped):
            _age(store.blobs.path(d), 3600)
        stale_tmp = store.blobs.root / "tmp" / "w-crashed"
        stale_tmp.write_bytes(b"x")
        _age(stale_tmp, 3600)

        assert store.gc_blobs(grace=600) == 2
        assert store.blobs.exists(kept) and store.blobs.exists(part)
        assert store.blobs.exists(fresh)                 # within grace: maybe not committed yet
        assert not store.blobs.exists(orphan) and not store.blobs.exists(dropped)
        assert not stale_tmp.exists()

        # a re-put of an old unreferenced blob makes it fresh again
        old = store.blobs.put(b"again").digest
        _age(store.blobs.path(old), 3600)
        store.blobs.put(b"again")
        assert store.gc_blobs(grace=600) == 0
        assert store.blobs.exists(old)

        # shared digests stay until the last reference goes
        with store.tx() as tx:
            tx.put(StoredObject(A, "b", "k3", digest=kept))
            tx.delete(StoredObject, A, "b", "k1")
        _age(store.blobs.path(part), 3600)
        assert store.gc_blobs(grace=600) == 1
        assert store.blobs.exists(kept) and not store.blobs.exists(part)
    finally:
        store.close()


def test_ephemeral_blobs_go_away_on_close():
    store = SqliteStore(None)
    digest = store.blobs.put(b"temp").digest
    path = store.blobs.path(digest)
    assert path.exists()
    store.close()
    assert not path.exists()

    standalone = BlobStore()
    root = standalone.root
    standalone.put(b"x")
    standalone.close()
    assert not root.exists()
