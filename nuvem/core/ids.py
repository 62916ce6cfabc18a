"""AWS-shaped identifiers, injected like the clock.

`Ids(seed)` makes every sequence reproducible for tests; `Ids()` draws from the operating
system's CSPRNG (`secrets`), since secrets and access keys are real credentials to Nuvem.
Thread-safe: a seeded generator hands out each id whole under a lock.
"""
from __future__ import annotations

import base64
import random
import secrets
import string
import threading

HEX = "0123456789abcdef"
BASE32 = string.ascii_uppercase + "234567"              # AWS access key id characters
ALNUM_UPPER = string.ascii_uppercase + string.digits
SECRET_CHARS = string.ascii_letters + string.digits + "+/"
REQUEST_ID_POOL = 4096                                  # 256 UUIDs' random bytes
# A byte's low 5 bits as a base32hex digit (256 is a multiple of 32: every digit as likely).
_BASE32HEX = bytes(b"0123456789ABCDEFGHIJKLMNOPQRSTUV"[b & 31] for b in range(256))


class Ids:
    def __init__(self, seed: int | None = None):
        self.seed = seed
        self._rng = random.Random(seed) if seed is not None else None
        self._lock = threading.Lock()
        self._pool, self._pool_at = b"", 0     # request ids' random bytes (request_id)

    # -- primitives --

    def token_bytes(self, n: int) -> bytes:
        with self._lock:
            return self._rng.randbytes(n) if self._rng else secrets.token_bytes(n)

    def chars(self, alphabet: str, n: int) -> str:
        """`n` characters drawn uniformly from `alphabet`."""
        with self._lock:
            if self._rng:
                return "".join(self._rng.choice(alphabet) for _ in range(n))
            return "".join(secrets.choice(alphabet) for _ in range(n))

    def hex(self, n: int) -> str:
        return self.chars(HEX, n)

    def digits(self, n: int) -> str:
        return self.chars(string.digits, n)

    # -- AWS shapes --

    def uuid(self) -> str:
        """A random (version 4) UUID, lower-case: SQS MessageId, ..."""
        return _uuid4(self.token_bytes(16))

    def request_id(self) -> str:
        """A call's `x-amzn-RequestId`, a random UUID."""
        return _uuid4(self._pooled(16))

    def base32_request_id(self, length: int = 52) -> str:
        """`length` characters of [0-9A-V] as the base32hex of random bytes has them: S3's 16
        (10 bytes, `KBVNBFV16VFPH1D0`), DynamoDB's 52 (32 bytes, the last character 0 or G: its
        4 padding bits, `LDJJKB4G38BFRI1T6PO7R5R8GNVV4KQNSO5AEMVJF66Q9ASUAAJG`). A digit per
        random byte (base64's b32hexencode took 4 us)."""
        raw = self._pooled(length)
        if length * 5 % 8 == 0:
            return raw.translate(_BASE32HEX).decode("ascii")
        return (raw[:-1].translate(_BASE32HEX) + (b"G" if raw[-1] & 1 else b"0")).decode("ascii")

    def _pooled(self, n: int) -> bytes:
        """Random bytes for request ids, from a pool of the CSPRNG's output drawn
        REQUEST_ID_POOL bytes at a time: one getrandom call per call cost about 10 us of server
        CPU in place, a few percent of a small call."""
        if self._rng:
            return self.token_bytes(n)
        with self._lock:
            at = self._pool_at
            if at + n > len(self._pool):
                self._pool, at = secrets.token_bytes(REQUEST_ID_POOL), 0
            self._pool_at = at + n
            return self._pool[at:at + n]

    def new(self, prefix: str, length: int = 17) -> str:
        """An EC2-style resource id: `i-0123456789abcdef0` (17 hex digits; 8 for old shapes)."""
        return f"{prefix}-{self.hex(length)}"

    def access_key_id(self, prefix: str = "AKIA") -> str:
        """20 characters: `AKIA` (long-term) or `ASIA` (temporary) and 16 of [A-Z2-7]."""
        return prefix + self.chars(BASE32, 20 - len(prefix))

    def secret(self) -> str:
        """A 40-character secret access key."""
        return self.chars(SECRET_CHARS, 40)

    def account_id(self) -> str:
        """A 12-digit account id (no leading zero, so it survives being read as a number)."""
        return self.chars("123456789", 1) + self.digits(11)

    def host_id(self) -> str:
        """S3's `x-amz-id-2`: base64 of random bytes, 76 characters."""
        return base64.b64encode(self.token_bytes(56)).decode("ascii")

    def token(self, nbytes: int = 32) -> str:
        """An opaque URL-safe token (receipt handles, pagination tokens, session tokens)."""
        return base64.urlsafe_b64encode(self.token_bytes(nbytes)).decode("ascii").rstrip("=")


def _uuid4(random16: bytes) -> str:
    raw = bytearray(random16)
    raw[6] = (raw[6] & 0x0F) | 0x40   # version 4
    raw[8] = (raw[8] & 0x3F) | 0x80   # RFC 4122 variant
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
