"""Object bodies in and out: streamed, hashed on the way, never held whole in memory.

A body up to INLINE_LIMIT stays in the record; a larger one streams into a blob file. The MD5
(the ETag) and the checksums are computed while the bytes pass. Reading gives an iterator of
chunks over the inline bytes or the blob files, for a byte range if asked.
"""
from __future__ import annotations

import base64
import collections
import functools
import hashlib
import threading
from dataclasses import dataclass, field
from typing import BinaryIO, Iterator

from nuvem.errors import ReadBodyFirst
from nuvem.protocol import checksums
from nuvem.services.s3.errors import BadDigest, InvalidDigest, InvalidRequest
from nuvem.services.s3.models import INLINE_LIMIT, Chunk

try:
    # CPython's own MD5, for a body the server read whole (at most 64 KiB): setting up an
    # OpenSSL 3 hash cost a 1 KiB PutObject about 10 us of server CPU, more than the builtin's
    # slower hashing of 64 KiB. A streamed body keeps OpenSSL's, faster and hashed on a thread
    # without the GIL.
    from _md5 import md5 as _read_whole_md5
except ImportError:
    _read_whole_md5 = hashlib.md5

# Pieces read and written, at most. Bigger pieces (4 MiB) measured no faster: per-piece overhead
# is small next to hashing 1 MiB, and fresh big buffers cost page faults.
READ_SIZE = 1 << 20
# Bytes waiting for the MD5 thread before the caller waits. Small: what is still waiting when the
# last byte is in delays the response (the MD5 is the slowest stage, so the backlog stays full):
# 4 MiB made that 4-5 ms a call, 1 MiB makes it 1.3 ms, for twice the context switches (7 per
# MiB uploaded, all the server's threads counted; a wake-up for every piece made 16).
_MD5_BACKLOG = 1 << 20
# S3 computes a CRC64NVME for every new object that comes without a checksum ("Checking object
# integrity": default data integrity protections, December 2024).
DEFAULT_ALGORITHM = "CRC64NVME"


@dataclass
class Received:
    size: int = 0
    md5: bytes = b""
    data: bytes | None = None
    chunks: list[Chunk] = field(default_factory=list)
    checksums: dict[str, str] = field(default_factory=dict)   # algorithm -> base64 value


def requested_checksums(req: dict, headers) -> dict[str, str | None]:
    """Algorithms to compute: {algorithm: value the client sent (None: compute only)}."""
    wanted: dict[str, str | None] = {}
    for algorithm in checksums.ALGORITHMS:
        value = req.get(f"Checksum{algorithm}")
        if value is not None:
            wanted[algorithm] = value
    if len(wanted) > 1:
        raise InvalidRequest("Expecting a single x-amz-checksum- header. Multiple checksum "
                             "Types are not allowed.")
    if wanted and getattr(req.get("Body"), "trailer_algorithms", None):
        # a checksum header next to an x-amz-trailer one (versitygw issue 1657, S3's words)
        raise InvalidRequest("Expecting a single x-amz-checksum- header")
    declared = req.get("ChecksumAlgorithm")
    if declared and declared.upper() not in wanted:
        if wanted:
            raise InvalidRequest("Value for x-amz-sdk-checksum-algorithm header is invalid.")
        # the SDK's header only says what it sent (S3's words, versitygw issue 1593)
        if not getattr(req.get("Body"), "trailer_algorithms", None):
            raise InvalidRequest("x-amz-sdk-checksum-algorithm specified, but no corresponding "
                                 "x-amz-checksum-* or x-amz-trailer headers were found.")
    return wanted


def checksum_algorithm(name: str) -> str:
    """A x-amz-checksum-algorithm S3 computes (CreateMultipartUpload, CopyObject), upper-cased."""
    if name.upper() not in checksums.ALGORITHMS:
        raise InvalidRequest("Checksum algorithm provided is unsupported. Please try again with "
                             "any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]")
    return name.upper()


def receive_upload(ctx, body: BinaryIO | None, wanted: dict[str, str | None], *,
                   content_md5: str | None = None, default_checksum: bool = True) -> Received:
    """`receive` for the client's own body: one still arriving is read outside the call's
    transaction (errors.ReadBodyFirst), and the handler, run again, gets what was read."""
    if ctx.received is not None:
        return ctx.received
    if body is not None and ctx.request.streamed:
        raise ReadBodyFirst(functools.partial(receive, ctx, body, wanted, content_md5=content_md5,
                                              default_checksum=default_checksum))
    return receive(ctx, body, wanted, content_md5=content_md5, default_checksum=default_checksum,
                   read_whole=True)


def receive(ctx, body: BinaryIO | None, wanted: dict[str, str | None], *,
            content_md5: str | None = None, default_checksum: bool = True,
            read_whole: bool = False) -> Received:
    """Read `body` to the end into the record or a blob, computing MD5 and checksums, and check
    them against what the client declared (headers, or aws-chunked trailers). `read_whole`: the
    body is one the server read before the call (not streamed), so small."""
    got = Received()
    declared = getattr(ctx.request, "payload_sha256", None)  # a signed x-amz-content-sha256
    by_trailer = getattr(body, "trailer_algorithms", frozenset())   # the decoder computes these
    algorithms = set(wanted) - by_trailer
    if default_checksum and not wanted and not by_trailer:
        algorithms = {DEFAULT_ALGORITHM}
    hashers = {a: checksums.new(a) for a in algorithms}
    md5 = _read_whole_md5() if read_whole else hashlib.md5()
    buffer = bytearray()
    writer = None
    # What has arrived, as it arrived: a request body's pieces are hashed and written without
    # being joined into bigger ones first (a copy, and bytes that fall out of the cache).
    read = getattr(body, "read1", None) or getattr(body, "read", None)
    try:
        while body is not None:
            piece = read(READ_SIZE)
            if not piece:
                break
            md5.update(piece)
            for h in hashers.values():
                h.update(piece)
            got.size += len(piece)
            if writer is None:
                buffer += piece
                if len(buffer) > INLINE_LIMIT:
                    # A blob-sized body: the MD5 (the costliest hash) moves to its own thread,
                    # in parallel with the checksums and the write. The blob is named by its
                    # SHA-256 only when a signed x-amz-content-sha256 needs that hash checked:
                    # it was a third of an upload's server CPU, to share files of equal bodies.
                    writer = ctx.blobs.writer(content_addressed=bool(declared))
                    writer.write(buffer)
                    buffer = bytearray()
                    md5 = _ThreadedHash(md5)
            else:
                writer.write(piece)
        if writer is not None:
            blob = writer.commit()    # while the MD5 thread hashes what it still has
            got.chunks = [Chunk(blob.digest, blob.size)]
        else:
            got.data = bytes(buffer)
        got.md5 = md5.digest()
    except BaseException:
        if isinstance(md5, _ThreadedHash):
            md5.close()
        if writer is not None and writer.blob is None:
            writer.abort()
        raise
    got.checksums = {a: checksums.b64(h.digest()) for a, h in hashers.items()}
    for algorithm, provided in wanted.items():
        if provided is not None and algorithm in got.checksums:
            checksums.verify(algorithm, provided, got.checksums[algorithm])
    for algorithm, value in (getattr(body, "checksums", None) or {}).items():
        got.checksums[algorithm] = value      # verified by the aws-chunked decoder
    if content_md5 is not None:
        check_md5(content_md5, got.md5)
    if declared:     # auth/credentials.py leaves that check to us
        computed = got.chunks[0].digest if got.chunks else hashlib.sha256(got.data or b"").hexdigest()
        if computed != declared.lower():
            from nuvem.auth.sigv4 import payload_mismatch
            raise payload_mismatch("rest-xml-s3", declared, computed)
    return got


class _ThreadedHash:
    """A hashlib object updated on a helper thread: hashlib releases the GIL for big buffers,
    so hashing runs on another core while the caller goes on. The pieces must not change after
    `update` (bytes, or a bytearray the caller lets go).

    At most _MD5_BACKLOG bytes wait for the thread (the caller waits beyond that), so memory
    stays bounded. A waiting caller is woken only once the backlog is down to half, not for
    every piece hashed: each wake-up is two context switches, and the caller (hashing and
    writing on the same cores) would otherwise wake for every piece of a large upload."""

    def __init__(self, hasher):
        self._hasher = hasher
        self._pieces: collections.deque = collections.deque()
        self._backlog = 0
        self._closed = False
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="nuvem-md5", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pieces and not self._closed:
                    self._cond.wait()
                if not self._pieces:
                    return
                piece = self._pieces.popleft()
            self._hasher.update(piece)
            with self._cond:
                before, self._backlog = self._backlog, self._backlog - len(piece)
                if before > _MD5_BACKLOG // 2 >= self._backlog:
                    self._cond.notify()

    def update(self, piece) -> None:
        with self._cond:
            while self._backlog > _MD5_BACKLOG:
                self._cond.wait()
            self._pieces.append(piece)
            self._backlog += len(piece)
            if len(self._pieces) == 1:
                self._cond.notify()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()
        self._thread.join()

    def digest(self) -> bytes:
        self.close()
        return self._hasher.digest()


def check_md5(content_md5: str, md5: bytes) -> None:
    try:
        declared = base64.b64decode(content_md5, validate=True)
    except ValueError:
        declared = b""
    if len(declared) != 16:     # S3 echoes the header it could not read
        raise InvalidDigest(**{"Content-MD5": content_md5})
    if declared != md5:
        raise BadDigest()


def integrity_required(handler):
    """An operation S3 refuses without Content-MD5 or an x-amz-checksum-* over its (small, parsed)
    body, and checks the one given: botocore's httpChecksumRequired operations (S3's 'Missing
    required header for this request: Content-MD5 OR x-amz-checksum-*', versitygw issue 1301;
    a wrong value is BadDigest, versitygw's PutBucketCors_md5)."""
    @functools.wraps(handler)
    def checked(ctx, req: dict) -> dict:
        check_body_integrity(ctx.request)
        return handler(ctx, req)
    return checked


def check_body_integrity(request) -> None:
    headers = request.headers
    if headers.get("x-amz-trailer") is not None:
        return      # a trailing checksum, checked by the aws-chunked decoder
    body = request.body_bytes()
    declared = False
    if headers.get("content-md5") is not None:
        declared = True
        check_md5(headers["content-md5"], hashlib.md5(body).digest())
    for algorithm in checksums.ALGORITHMS:
        value = headers.get(f"x-amz-checksum-{algorithm.lower()}")
        if value is not None:
            declared = True
            checksums.verify(algorithm, value, checksums.compute(algorithm, body))
    if not declared:
        raise InvalidRequest("Missing required header for this request: Content-MD5 OR "
                             "x-amz-checksum-*")


def read_range(ctx, data: bytes | None, chunks: list[Chunk], start: int, end: int) -> Iterator[bytes]:
    """Bytes start..end (inclusive) of a body stored inline or as consecutive blob chunks."""
    if data is not None:
        yield data[start:end + 1]
        return
    offset = 0
    for chunk in chunks:
        lo, hi = max(start, offset), min(end, offset + chunk.size - 1)
        if lo <= hi:
            with ctx.blobs.open(chunk.digest) as f:
                f.seek(lo - offset)
                left = hi - lo + 1
                while left > 0:
                    piece = f.read(min(READ_SIZE, left))
                    if not piece:
                        break
                    left -= len(piece)
                    yield piece
        offset += chunk.size
        if offset > end:
            break
