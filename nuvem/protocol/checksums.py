"""S3's flexible checksums: CRC32, CRC32C, CRC64NVME, SHA1, SHA256, SHA512 and MD5.

Checksums travel base64-encoded big-endian (`x-amz-checksum-crc32: NSRBwg==`). CRC32 is
ISA-L's (`isal`, carry-less multiplication: 0.01 ms per MiB where `zlib.crc32` takes 0.2 and
awscrt's 0.3; boto3 sends a CRC32 with every upload), else `zlib.crc32`. CRC32C and CRC64NVME
are not in the standard library, so they are table-driven here (slicing-by-8, about 20 MB/s in
CPython). When `awscrt` is installed (botocore's `crt` extra) its C implementations are used
instead: same results, much faster.
"""
from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import struct
import zlib
from typing import Protocol

from nuvem.errors import AwsError

try:
    from isal.isal_zlib import crc32 as _crc32
except ImportError:  # pragma: no cover - depends on the environment
    _crc32 = zlib.crc32


@functools.cache
def _crt():
    """awscrt's C checksums, imported at their first use (its library is 4 MiB of a server's
    memory, which a server that never meets a CRC32C or CRC64NVME does without; see
    cli.cmd_serve). None if not installed: the pure-Python tables below give the same values."""
    try:
        from awscrt import checksums
    except ImportError:  # pragma: no cover - depends on the environment
        return None
    return checksums


@functools.cache
def _tables(poly: int) -> tuple[list[int], ...]:
    """Eight lookup tables for a reflected CRC: table k advances a byte k+1 positions at once."""
    base = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
        base.append(crc)
    tables = [base]
    for _ in range(7):
        prev = tables[-1]
        tables.append([(value >> 8) ^ base[value & 0xFF] for value in prev])
    return tuple(tables)


# Reflected forms of the Castagnoli polynomial 0x1EDC6F41 and the NVMe polynomial
# 0xAD93D23594C93659 (CRC-64/NVME, as S3 uses for CRC64NVME).
_CRC32C_POLY = 0x82F63B78
_CRC64NVME_POLY = 0x9A6C9329AC4BC9B5
_WORDS = struct.Struct("<Q")


def _crc(tables: tuple[list[int], ...], mask: int, data, crc: int) -> int:
    t0, t1, t2, t3, t4, t5, t6, t7 = tables
    crc ^= mask
    view = memoryview(data).cast("B")
    whole = len(view) - len(view) % 8
    # Eight bytes per step: XOR the state into the little-endian word, then one lookup per byte.
    for (word,) in _WORDS.iter_unpack(view[:whole]):
        word ^= crc
        crc = (t7[word & 0xFF] ^ t6[(word >> 8) & 0xFF] ^ t5[(word >> 16) & 0xFF]
               ^ t4[(word >> 24) & 0xFF] ^ t3[(word >> 32) & 0xFF] ^ t2[(word >> 40) & 0xFF]
               ^ t1[(word >> 48) & 0xFF] ^ t0[word >> 56])
    for byte in view[whole:]:
        crc = t0[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ mask


def crc32c(data, crc: int = 0) -> int:
    """CRC-32C (Castagnoli); like `zlib.crc32`, pass the previous result to continue."""
    crt = _crt()
    if crt is not None:
        return crt.crc32c(bytes(data), crc)
    return _crc(_tables(_CRC32C_POLY), 0xFFFFFFFF, data, crc)


def crc64nvme(data, crc: int = 0) -> int:
    """CRC-64/NVME; pass the previous result to continue."""
    crt = _crt()
    if crt is not None and hasattr(crt, "crc64nvme"):
        return crt.crc64nvme(bytes(data), crc)
    return _crc(_tables(_CRC64NVME_POLY), 0xFFFFFFFFFFFFFFFF, data, crc)


class Checksum(Protocol):
    def update(self, data) -> None: ...
    def digest(self) -> bytes: ...


class _Crc:
    def __init__(self, fn, size: int):
        self._fn, self._size, self._value = fn, size, 0

    def update(self, data) -> None:
        self._value = self._fn(data, self._value)

    def digest(self) -> bytes:
        return self._value.to_bytes(self._size, "big")


_FACTORIES = {
    "CRC32": lambda: _Crc(_crc32, 4),
    "CRC32C": lambda: _Crc(crc32c, 4),
    "CRC64NVME": lambda: _Crc(crc64nvme, 8),
    "SHA1": hashlib.sha1,
    "SHA256": hashlib.sha256,
    "SHA512": hashlib.sha512,
    "MD5": hashlib.md5,
}

ALGORITHMS: tuple[str, ...] = tuple(_FACTORIES)
DIGEST_SIZES = {"CRC32": 4, "CRC32C": 4, "CRC64NVME": 8, "SHA1": 20, "SHA256": 32,
                "SHA512": 64, "MD5": 16}


def new(algorithm: str) -> Checksum:
    """A running checksum for one of `ALGORITHMS` (case-insensitive); raises KeyError otherwise."""
    return _FACTORIES[algorithm.upper()]()


def b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode("ascii")


def compute(algorithm: str, data) -> str:
    """The base64 checksum of `data`, as S3 puts it in `x-amz-checksum-*`."""
    checksum = new(algorithm)
    checksum.update(data)
    return b64(checksum.digest())


def algorithm_of_header(name: str) -> str | None:
    """`x-amz-checksum-crc32c` -> `CRC32C`; None for a header that is not a known checksum."""
    name = name.lower()
    if not name.startswith("x-amz-checksum-"):
        return None
    algorithm = name[len("x-amz-checksum-"):].upper()
    return algorithm if algorithm in _FACTORIES else None


def decode_value(algorithm: str, value: str) -> bytes | None:
    """The digest bytes of a base64 checksum value, or None if it is not a valid one."""
    try:
        digest = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    return digest if len(digest) == DIGEST_SIZES[algorithm.upper()] else None


def verify(algorithm: str, provided: str, computed: bytes | str, *, trailing: bool = False) -> None:
    """Check a client-supplied checksum against the one computed over the bytes received.

    Raises S3's errors: `InvalidRequest` for a value that is not a base64 digest of the right
    size, `BadDigest` when it does not match.
    """
    if provided == computed:     # the base64 we computed ourselves: a valid value, and equal
        return
    algorithm = algorithm.upper()
    where = "trailing header" if trailing else "header"
    digest = decode_value(algorithm, provided)
    if digest is None:
        raise AwsError(f"Value for x-amz-checksum-{algorithm.lower()} {where} is invalid.",
                       code="InvalidRequest", status=400)
    if isinstance(computed, str):
        computed = base64.b64decode(computed)
    if digest != computed:
        raise AwsError(f"The {algorithm} you specified did not match the calculated checksum.",
                       code="BadDigest", status=400)
