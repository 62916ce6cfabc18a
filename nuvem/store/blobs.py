"""Blob files: `<root>/ab/cdef...`, named by the SHA-256 of their bytes (content-addressed), or
by 32 random bytes in hex when the writer is told nothing needs that hash
(`writer(content_addressed=False)`: an S3 upload whose payload hash is not signed, where the
SHA-256 was a third of the server's CPU per MiB).

Large bytes (S3 objects, Lambda code, volume blocks) live here; records hold the hex name
("digest") and declare the field with `@record(..., blobs=("digest",))`, which the store turns
into reference rows. Equal content written content-addressed is stored once.

Writes stream in chunks to a temporary file under `<root>/tmp/`, then `os.replace` it into
place: readers never see a partial blob and a crashed writer leaves only a temp file (swept by
`gc`). Without `fsync=True` a finished blob survives the process dying (the OS holds the data)
but not a power cut; the store turns fsync on together with `synchronous=FULL`.

Garbage collection is mark and sweep: the live set is every digest some committed record
references; a file outside it is deleted only if nobody wrote or re-put it in the last `grace`
seconds. The grace period covers a blob written before the transaction that references it
commits: a writer must commit within `grace` seconds of `put` returning. Put and sweep share a
lock so a re-put of a doomed blob cannot race its deletion (one process per blob directory).
"""
from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable, Iterable

CHUNK = 1 << 20
_DIGEST = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Blob:
    digest: str                                   # hex SHA-256, or a random hex name
    size: int
    hashes: dict[str, str] = field(default_factory=dict)   # extra hashlib digests asked for (hex)


class BlobWriter:
    """Push-style writing: `with blobs.writer() as w: w.write(chunk)...`, then `w.blob`.
    An exception inside the block discards the data."""

    def __init__(self, store: "BlobStore", hashes: Iterable[str], content_addressed: bool):
        self._store = store
        fd, self._tmp = tempfile.mkstemp(dir=store.root / "tmp", prefix="w-")
        self._file = os.fdopen(fd, "wb")
        self._sha = hashlib.sha256() if content_addressed else None
        self._extra = {name: hashlib.new(name) for name in hashes}
        self._size = 0
        self.blob: Blob | None = None

    def write(self, chunk: bytes) -> None:
        self._file.write(chunk)
        if self._sha is not None:
            self._sha.update(chunk)
        for h in self._extra.values():
            h.update(chunk)
        self._size += len(chunk)

    def commit(self) -> Blob:
        self._file.flush()
        if self._store.fsync:
            os.fsync(self._file.fileno())
        self._file.close()
        digest = self._sha.hexdigest() if self._sha is not None else secrets.token_hex(32)
        self._store._install(self._tmp, digest)
        self.blob = Blob(digest, self._size, {n: h.hexdigest() for n, h in self._extra.items()})
        return self.blob

    def abort(self) -> None:
        self._file.close()
        try:
            os.unlink(self._tmp)
        except FileNotFoundError:
            pass

    def __enter__(self) -> "BlobWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()


class BlobStore:
    def __init__(self, root: str | os.PathLike | None = None, *, fsync: bool = False):
        self._own_root = root is None               # a private temp dir, removed on close
        self.root = Path(tempfile.mkdtemp(prefix="nuvem-blobs-") if root is None else root)
        self.fsync = fsync
        self._lock = threading.Lock()
        (self.root / "tmp").mkdir(parents=True, exist_ok=True)

    # -- writing -------------------------------------------------------------------------------
    def writer(self, *, hashes: Iterable[str] = (), content_addressed: bool = True) -> BlobWriter:
        return BlobWriter(self, hashes, content_addressed)

    def put(self, data: bytes | BinaryIO | Iterable[bytes], *,
            hashes: Iterable[str] = ()) -> Blob:
        """Store bytes, a readable binary file, or an iterable of byte chunks. `hashes` names
        hashlib algorithms to compute in the same pass (S3 wants "md5" for its ETag)."""
        w = self.writer(hashes=hashes)
        try:
            if isinstance(data, (bytes, bytearray, memoryview)):
                w.write(bytes(data))
            elif hasattr(data, "read"):
                while chunk := data.read(CHUNK):
                    w.write(chunk)
            else:
                for chunk in data:
                    w.write(chunk)
        except BaseException:
            w.abort()
            raise
        return w.commit()

    def _install(self, tmp: str, digest: str) -> None:
        final = self.path(digest)
        with self._lock:
            if final.exists():
                os.unlink(tmp)
                os.utime(final)             # fresh again: a concurrent gc must spare it
                return
            final.parent.mkdir(exist_ok=True)
            os.replace(tmp, final)
            if self.fsync:
                dir_fd = os.open(final.parent, os.O_RDONLY)
                try:
                    os.fsync(dir_fd)
                finally:
                    os.close(dir_fd)

    # -- reading -------------------------------------------------------------------------------
    def path(self, digest: str) -> Path:
        if not _DIGEST.fullmatch(digest):
            raise ValueError(f"not a blob digest: {digest!r}")
        return self.root / digest[:2] / digest[2:]

    def open(self, digest: str) -> BinaryIO:
        """The blob for reading (seekable). FileNotFoundError if absent."""
        return open(self.path(digest), "rb")

    def read(self, digest: str) -> bytes:
        """The whole blob: only for small blobs."""
        return self.path(digest).read_bytes()

    def exists(self, digest: str) -> bool:
        return self.path(digest).is_file()

    def size(self, digest: str) -> int:
        return self.path(digest).stat().st_size

    def digests(self) -> Iterable[str]:
        for shard in self.root.iterdir():
            if len(shard.name) == 2 and shard.is_dir():
                for f in shard.iterdir():
                    if _DIGEST.fullmatch(shard.name + f.name):
                        yield shard.name + f.name

    # -- garbage collection --------------------------------------------------------------------
    def gc(self, live: Callable[[], Iterable[str]], *, grace: float = 600.0) -> int:
        """Delete blobs not in `live()` and untouched for `grace` seconds; returns how many.
        `live` is called after the cutoff is fixed, so a reference committed after a blob was
        written is either in the live set or the blob is within grace."""
        cutoff = time.time() - grace
        keep = set(live())
        removed = 0
        for digest in list(self.digests()):
            if digest in keep:
                continue
            path = self.path(digest)
            with self._lock:
                try:
                    if path.stat().st_mtime < cutoff:
                        path.unlink()
                        removed += 1
                except FileNotFoundError:
                    pass
        for tmp in (self.root / "tmp").iterdir():   # left behind by writers that died
            try:
                if tmp.stat().st_mtime < cutoff:
                    tmp.unlink()
            except FileNotFoundError:
                pass
        return removed

    def clear(self) -> None:
        """Delete every blob (`nuvem reset`)."""
        with self._lock:
            for child in self.root.iterdir():
                if child.is_dir():
                    shutil.rmtree(child, ignore_errors=True)
            (self.root / "tmp").mkdir(exist_ok=True)

    def close(self) -> None:
        if self._own_root:
            shutil.rmtree(self.root, ignore_errors=True)
