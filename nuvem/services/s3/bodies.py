"""Object bodies in and out: streamed, hashed on the way, never held whole in memory.

A body up to INLINE_LIMIT stays in the record; a larger one streams into a blob file. The MD5
(the ETag) and the checksums are computed while the bytes pass. Reading gives an iterator of
chunks over the inline bytes or the blob files, for a byte range if asked.
"""
from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from typing import BinaryIO, Iterator

from nuvem.protocol import checksums
from nuvem.services.s3.errors import BadDigest, InvalidDigest, InvalidRequest
from nuvem.services.s3.models import INLINE_LIMIT, Chunk
from nuvem.store.blobs import ThreadedHash

# Pieces read and written, at most. Bigger pieces (4 MiB) measured no faster: per-piece overhead
# is small next to hashing 1 MiB, and fresh big buffers cost page faults.
READ_SIZE = 1 << 20
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
    declared = req.get("ChecksumAlgorithm")
    if declared and declared.upper() not in wanted:
        if wanted:
            raise InvalidRequest("Value for x-amz-sdk-checksum-algorithm header is invalid.")
        wanted[declared.upper()] = None
    return wanted


def receive(ctx, body: BinaryIO | None, wanted: dict[str, str | None], *,
            content_md5: str | None = None, default_checksum: bool = True) -> Received:
    """Read `body` to the end into the record or a blob, computing MD5 and checksums, and check
    them against what the client declared (headers, or aws-chunked trailers)."""
    got = Received()
    by_trailer = getattr(body, "trailer_algorithms", frozenset())   # the decoder computes these
    algorithms = set(wanted) - by_trailer
    if default_checksum and not wanted and not by_trailer:
        algorithms = {DEFAULT_ALGORITHM}
    hashers = {a: checksums.new(a) for a in algorithms}
    md5 = hashlib.md5()
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
                    # A blob-sized body: the MD5 (the costliest hash) and the blob's SHA-256
                    # move to threads of their own, in parallel with the checksums, the file
                    # writes and the receiving.
                    writer = ctx.blobs.writer(threaded=True)
                    writer.write(buffer)
                    buffer = bytearray()
                    md5 = ThreadedHash(md5)
            else:
                writer.write(piece)
        got.md5 = md5.digest()
        if writer is not None:
            blob = writer.commit()
            got.chunks = [Chunk(blob.digest, blob.size)]
        else:
            got.data = bytes(buffer)
    except BaseException:
        if isinstance(md5, ThreadedHash):
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
    declared = getattr(ctx.request, "payload_sha256", None)
    if declared:     # the signed x-amz-content-sha256 (auth/credentials.py leaves it to us)
        computed = got.chunks[0].digest if got.chunks else hashlib.sha256(got.data or b"").hexdigest()
        if computed != declared.lower():
            from nuvem.auth.sigv4 import payload_mismatch
            raise payload_mismatch("rest-xml-s3", declared, computed)
    return got


def check_md5(content_md5: str, md5: bytes) -> None:
    try:
        declared = base64.b64decode(content_md5, validate=True)
    except ValueError:
        raise InvalidDigest() from None
    if len(declared) != 16:
        raise InvalidDigest()
    if declared != md5:
        raise BadDigest()


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
