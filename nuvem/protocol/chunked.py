"""Decoding `aws-chunked` request bodies (S3 streaming uploads).

Wire format (AWS S3 API reference, "sigv4-streaming" and "sigv4-streaming-trailers"):

    unsigned:  <hex-size>\\r\\n<data>\\r\\n ... 0\\r\\n[<trailer>:<value>\\r\\n ...]\\r\\n
    signed:    <hex-size>;chunk-signature=<sig>\\r\\n<data>\\r\\n ... 0;chunk-signature=<sig>\\r\\n
               [<trailer>:<value>\\r\\n ... x-amz-trailer-signature:<sig>\\r\\n]\\r\\n

The mode is the request's `X-Amz-Content-SHA256` (`STREAMING-UNSIGNED-PAYLOAD-TRAILER`,
`STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]`, or the SigV4a `...ECDSA-P256...` variants).
Errors are S3's, as observed against AWS: any framing fault is `IncompleteBody` ("The request
body terminated unexpectedly"), a trailer fault `MalformedTrailerError`, a wrong trailing checksum
`BadDigest`, a short non-final signed chunk `InvalidChunkSizeError`.

Signatures are checked by the auth layer through two callbacks on the decoder, so this module
knows the framing and nothing about keys: `chunk_verifier(data, signature)` runs for each chunk
in order (the final empty one included) before its bytes are handed out, and
`trailer_verifier(trailers, signature)` runs on the trailer block.
"""
from __future__ import annotations

import io
import re
from typing import BinaryIO, Callable, Iterator, Mapping, Sequence

from nuvem.errors import AwsError
from nuvem.protocol import checksums
from nuvem.protocol.wire import Headers, HttpRequest

UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
SIGNED_V4A = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD"
SIGNED_V4A_TRAILER = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER"
SIGNED_MODES = frozenset({SIGNED, SIGNED_TRAILER, SIGNED_V4A, SIGNED_V4A_TRAILER})

MIN_CHUNK_SIZE = 8192          # S3 rejects smaller signed chunks unless they are the last
TRAILER_SIGNATURE = "x-amz-trailer-signature"

# Raw bytes read ahead at most: a streamed body's whole pieces as they arrived (a smaller read
# would copy each piece into parts), which the chunks' data is then cut from.
_READ_SIZE = 1 << 20
_MAX_HEADER_LINE = 4096        # "<16 hex digits>;chunk-signature=<up to 144 hex>" fits easily
_MAX_TRAILER_LINE = 16 * 1024
_MAX_TRAILERS = 64
_HEX_SIZE = re.compile(rb"[0-9A-Fa-f]{1,16}")


# --- S3's errors -----------------------------------------------------------------------------

def incomplete_body() -> AwsError:
    return AwsError("The request body terminated unexpectedly", code="IncompleteBody", status=400)


def length_mismatch(expected: int, provided: int) -> AwsError:
    return AwsError("You did not provide the number of bytes specified by the Content-Length "
                    "HTTP header", code="IncompleteBody", status=400,
                    NumberBytesExpected=str(expected), NumberBytesProvided=str(provided))


def malformed_trailer() -> AwsError:
    return AwsError("The request contained trailing data that was not well-formed or did not "
                    "conform to our published schema.", code="MalformedTrailerError", status=400)


def invalid_chunk_size(chunk: int, size: int) -> AwsError:
    return AwsError("Only the last chunk is allowed to have a size less than 8192 bytes",
                    code="InvalidChunkSizeError", status=400,
                    Chunk=str(chunk), BadChunkSize=str(size))


# --- the decoder -----------------------------------------------------------------------------

class ChunkedDecoder(io.RawIOBase):
    """A read-only file over the decoded payload of an `aws-chunked` body.

    Streams: unsigned chunks are passed through piece by piece; a signed chunk is held whole
    (one chunk, as the client sized it) until its signature is verified. `read(n)` returns
    exactly `n` bytes unless the payload ends first. Every framing, length, signature and
    checksum check runs before the final `b""` is returned, so a consumer that reads to the end
    has a verified payload. Errors are sticky: a failed decoder raises the same error again.

    `mode` is the request's `X-Amz-Content-SHA256`; `declared_trailers` the names in
    `x-amz-trailer` (None: accept whatever trailers come and verify no checksum). After the end,
    `trailers` holds the trailers in wire order (names lower-cased, without the signature),
    `trailer_signature` the signature if any, and `checksums` the base64 checksums computed for
    the declared `x-amz-checksum-*` trailers, keyed by algorithm (`{"CRC32": "NSRBwg=="}`).
    """

    def __init__(self, raw: BinaryIO, *, decoded_length: int | None = None,
                 chunk_verifier: Callable[[bytes, str], None] | None = None,
                 trailer_verifier: Callable[[dict[str, str], str], None] | None = None,
                 mode: str | None = None, declared_trailers: Sequence[str] | None = None):
        super().__init__()
        self.raw = raw
        self.decoded_length = decoded_length
        self.chunk_verifier = chunk_verifier      # the auth layer may set these after creation
        self.trailer_verifier = trailer_verifier
        self.mode = mode
        self.declared_trailers = (None if declared_trailers is None
                                  else [name.strip().lower() for name in declared_trailers])
        self.trailers: dict[str, str] = {}
        self.trailer_signature: str | None = None
        self.checksums: dict[str, str] = {}
        self.original_content_encoding: str | None = None  # as signed; set by decode_request_body
        self._hashers: dict[str, checksums.Checksum] = {}
        for name in self.declared_trailers or ():
            algorithm = checksums.algorithm_of_header(name)
            if algorithm:
                self._hashers[algorithm] = checksums.new(algorithm)
        self._read1 = getattr(raw, "read1", raw.read)   # don't block for more than is there
        self._buf = bytearray()        # raw bytes read ahead and not yet consumed
        self._chunk_left = 0           # unsigned: data bytes of the current chunk still to pass on
        self._need_crlf = False        # unsigned: the CRLF after the current chunk is still due
        self._pending = memoryview(b"")  # signed: verified data of the current chunk
        self._chunks = 0               # chunk headers seen
        self._last_size: int | None = None
        self._declared_total = 0       # sum of the chunk sizes seen
        self._position = 0             # decoded bytes handed out
        self._done = False
        self._error: AwsError | None = None

    @property
    def trailer_algorithms(self) -> frozenset[str]:
        """Checksum algorithms this decoder computes and verifies from the trailers."""
        return frozenset(self._hashers)

    # -- file protocol --

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        # Only a no-op seek is possible (HttpRequest.body_bytes() rewinds before reading).
        if whence == io.SEEK_SET and offset == self._position:
            return self._position
        raise io.UnsupportedOperation("an aws-chunked body can only be read forward")

    def read(self, n: int | None = -1) -> bytes:
        if n is None or n < 0:
            return self.readall()
        parts, want = [], n
        while want > 0:
            piece = self._read_some(want)
            if not piece:
                break
            parts.append(piece)
            want -= len(piece)
        return b"".join(parts)

    def readall(self) -> bytes:
        parts = []
        while piece := self._read_some(1 << 20):
            parts.append(piece)
        return b"".join(parts)

    def readinto(self, buffer) -> int:
        view = memoryview(buffer).cast("B")
        data = self.read(len(view))
        view[:len(data)] = data
        return len(data)

    def iter_chunks(self, size: int = 1 << 20) -> Iterator[bytes]:
        """The payload in pieces of at most `size` bytes (for streamed storage)."""
        while piece := self._read_some(size):
            yield piece

    @property
    def finished(self) -> bool:
        """True once the final chunk and trailers were read and verified."""
        return self._done

    # -- decoding --

    @property
    def _signed(self) -> bool:
        return self.mode in SIGNED_MODES or self.chunk_verifier is not None

    def _read_some(self, want: int) -> bytes:
        """Up to `want` bytes from the current chunk, moving to the next chunk as needed."""
        if self._error is not None:
            raise self._error
        try:
            while True:
                if self._pending:
                    piece = bytes(self._pending[:want])
                    self._pending = self._pending[len(piece):]
                    self._position += len(piece)
                    return piece
                if self._chunk_left:
                    piece = self._take(min(want, self._chunk_left))
                    self._chunk_left -= len(piece)
                    self._need_crlf = self._chunk_left == 0
                    for hasher in self._hashers.values():
                        hasher.update(piece)
                    self._position += len(piece)
                    return piece
                if self._done:
                    return b""
                self._next_chunk()
        except AwsError as error:
            self._error = error
            raise

    def _next_chunk(self) -> None:
        if self._need_crlf:
            self._expect_crlf()
            self._need_crlf = False
        size, signature = self._chunk_header()
        self._chunks += 1
        if (self._signed and size and self._last_size is not None
                and self._last_size < MIN_CHUNK_SIZE):
            raise invalid_chunk_size(self._chunks, self._last_size)
        self._last_size = size
        self._declared_total += size
        if self.decoded_length is not None and self._declared_total > self.decoded_length:
            raise length_mismatch(self.decoded_length, self._declared_total)
        if size == 0:
            self._verify_chunk(b"", signature)
            self._finish()
        elif self.chunk_verifier is not None:
            data = self._read_exact(size)
            self._expect_crlf()
            self._verify_chunk(data, signature)
            for hasher in self._hashers.values():
                hasher.update(data)
            self._pending = memoryview(data)
        else:
            self._chunk_left = size

    def _chunk_header(self) -> tuple[int, str | None]:
        size_field, *extensions = self._readline(_MAX_HEADER_LINE).split(b";")
        if not _HEX_SIZE.fullmatch(size_field):
            raise incomplete_body()
        signature = None
        for extension in extensions:
            name, eq, value = extension.partition(b"=")
            if name == b"chunk-signature" and eq and value and signature is None:
                signature = value.decode("ascii", "replace")
            elif self._signed:
                raise incomplete_body()
        if self._signed and signature is None:
            raise incomplete_body()
        return int(size_field, 16), signature

    def _verify_chunk(self, data: bytes, signature: str | None) -> None:
        if self.chunk_verifier is not None:
            self.chunk_verifier(data, signature or "")

    def _finish(self) -> None:
        """After the final chunk: trailers, then every end-of-body check."""
        self._read_trailers()
        if self.decoded_length is not None and self._declared_total != self.decoded_length:
            raise length_mismatch(self.decoded_length, self._declared_total)
        signed_trailer = self.mode in (SIGNED_TRAILER, SIGNED_V4A_TRAILER)
        if signed_trailer and self.trailer_signature is None:
            raise incomplete_body()
        if self.trailer_verifier is not None and (signed_trailer or self.trailer_signature):
            if self.trailer_signature is None:
                raise incomplete_body()
            self.trailer_verifier(dict(self.trailers), self.trailer_signature)
        if self.declared_trailers is not None:
            if set(self.declared_trailers) != set(self.trailers):
                raise malformed_trailer()
            for algorithm, hasher in self._hashers.items():
                computed = hasher.digest()
                self.checksums[algorithm] = checksums.b64(computed)
                checksums.verify(algorithm, self.trailers[f"x-amz-checksum-{algorithm.lower()}"],
                                 computed, trailing=True)
        self._done = True

    def _read_trailers(self) -> None:
        for _ in range(_MAX_TRAILERS + 2):  # the trailers, a signature, the closing empty line
            line = self._readline(_MAX_TRAILER_LINE)
            if not line:
                return
            name, colon, value = line.partition(b":")
            name = name.strip().lower()
            if not colon or not name:
                raise malformed_trailer()
            try:
                key, text = name.decode("ascii"), value.strip().decode("ascii")
            except UnicodeDecodeError:
                raise malformed_trailer() from None
            if key == TRAILER_SIGNATURE:
                self.trailer_signature = text
            elif key in self.trailers:
                raise malformed_trailer()
            else:
                self.trailers[key] = text
        raise malformed_trailer()

    # -- raw input --

    def _fill(self) -> None:
        data = self._read1(_READ_SIZE)
        if not data:
            raise incomplete_body()
        self._buf += data

    def _readline(self, limit: int) -> bytes:
        start = 0
        while (end := self._buf.find(b"\r\n", start)) < 0:
            if len(self._buf) > limit:
                raise incomplete_body()
            start = max(len(self._buf) - 1, 0)   # a CR may already be in, its LF not yet
            self._fill()
        if end > limit:
            raise incomplete_body()
        line = bytes(self._buf[:end])
        del self._buf[:end + 2]
        return line

    def _take(self, n: int) -> bytes:
        """Up to `n` bytes (at least one): what is buffered first, else one raw read."""
        if self._buf:
            with memoryview(self._buf) as view:       # one copy, not a bytearray and a bytes
                piece = bytes(view[:n])
            del self._buf[:n]
            return piece
        piece = self._read1(n)
        if not piece:
            raise incomplete_body()
        return piece

    def _read_exact(self, n: int) -> bytes:
        parts, left = [], n
        while left:
            piece = self._take(left)
            parts.append(piece)
            left -= len(piece)
        return b"".join(parts)

    def _expect_crlf(self) -> None:
        if self._read_exact(2) != b"\r\n":
            raise incomplete_body()


# --- request integration ---------------------------------------------------------------------

def _header(headers, name: str) -> str | None:
    value = headers.get(name)
    # A plain dict is case-sensitive (the server's Headers are not: no need to look again)
    if value is None and not isinstance(headers, Headers) and isinstance(headers, Mapping):
        lname = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lname), None)
    return value


def _tokens(value: str | None) -> list[str]:
    return [token.strip() for token in (value or "").split(",") if token.strip()]


def is_aws_chunked(headers) -> bool:
    """Whether the body is `aws-chunked` framed.

    A `STREAMING-*` content hash says so even without `Content-Encoding` (minio-go sends none).
    `Content-Encoding: aws-chunked` counts only when no content hash is sent (unsigned
    requests): a real hash or `UNSIGNED-PAYLOAD` covers the body exactly as sent.
    """
    content_sha256 = (_header(headers, "x-amz-content-sha256") or "").strip()
    if content_sha256:
        return content_sha256.startswith("STREAMING-")
    encoding = _header(headers, "content-encoding")
    return bool(encoding) and any(token.lower() == "aws-chunked" for token in _tokens(encoding))


def decode_request_body(request: HttpRequest) -> ChunkedDecoder | None:
    """Replace an `aws-chunked` request body with a ChunkedDecoder; None if not aws-chunked.

    Validates the framing headers up front, and strips `aws-chunked` from `Content-Encoding`
    (S3 stores the remaining codings as the object's). The header as the client signed it is
    kept in `decoder.original_content_encoding` for the SigV4 verifier.
    """
    if isinstance(request.body, ChunkedDecoder):
        return request.body
    headers = request.headers
    if not is_aws_chunked(headers):
        return None
    decoded_length = None
    raw_length = headers.get("x-amz-decoded-content-length")
    if raw_length is not None:
        if not (raw_length.strip().isascii() and raw_length.strip().isdigit()):   # not "²"
            # What S3 answers for an unparseable decoded length.
            raise AwsError("You must provide the Content-Length HTTP header.",
                           code="MissingContentLength", status=411)
        decoded_length = int(raw_length)
    declared = [name.lower() for name in _tokens(headers.get("x-amz-trailer"))]
    if any(checksums.algorithm_of_header(name) is None for name in declared):
        raise AwsError("The value specified in the x-amz-trailer header is not supported",
                       code="InvalidRequest", status=400)
    decoder = ChunkedDecoder(request.body, decoded_length=decoded_length,
                             mode=(headers.get("x-amz-content-sha256") or "").strip() or None,
                             declared_trailers=declared)
    decoder.original_content_encoding = headers.get("content-encoding")
    if decoder.original_content_encoding is not None:
        request.headers = _without_aws_chunked(headers)
    request.body = decoder
    return decoder


def _without_aws_chunked(headers: Headers) -> Headers:
    items = []
    for name, value in headers.items():
        if name.lower() == "content-encoding":
            value = ", ".join(t for t in _tokens(value) if t.lower() != "aws-chunked")
            if not value:
                continue
        items.append((name, value))
    return Headers(items)


def verify_trailing_checksum(trailers: Mapping[str, str], algorithm: str,
                             computed: bytes | str) -> None:
    """Check the `x-amz-checksum-<algorithm>` trailer against a computed digest (bytes or
    base64). A missing trailer is `MalformedTrailerError`; a bad value `InvalidRequest`; a
    mismatch `BadDigest` ("The CRC32 you specified did not match the calculated checksum.")."""
    name = f"x-amz-checksum-{algorithm.lower()}"
    provided = next((v for k, v in trailers.items() if k.lower() == name), None)
    if provided is None:
        raise malformed_trailer()
    checksums.verify(algorithm, provided, computed, trailing=True)
