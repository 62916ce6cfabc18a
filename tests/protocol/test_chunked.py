"""aws-chunked bodies: as botocore sends them, as AWS's signed examples show them, and broken.

Expected error codes and messages are what S3 answers (observed against AWS by S3-compatible
projects and listed in the module docstring of nuvem.protocol.chunked).
"""
from __future__ import annotations

import hashlib
import hmac
import io
import tracemalloc
import zlib

import boto3
import pytest
from botocore import UNSIGNED
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from hypothesis import given, settings, strategies as st

from nuvem.errors import AwsError
from nuvem.protocol import checksums
from nuvem.protocol.chunked import (
    SIGNED, SIGNED_TRAILER, UNSIGNED_TRAILER, ChunkedDecoder, decode_request_body,
    is_aws_chunked, verify_trailing_checksum,
)
from nuvem.protocol.wire import Headers, HttpRequest

# --- real botocore requests --------------------------------------------------------------------


class _EmptyRaw:
    def stream(self, **_):
        yield b""


def botocore_put(body, *, read_body=True, unsigned=False, **params):
    """The headers and body botocore puts on the wire for s3.put_object (nothing is sent).

    botocore uses aws-chunked with a trailing checksum only over https, which is the default
    endpoint here. With `read_body=False` the body is botocore's own streaming wrapper.
    """
    config = Config(signature_version=UNSIGNED) if unsigned else None
    client = boto3.client("s3", region_name="us-east-1", config=config,
                          aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="s" * 40)
    captured = {}

    def before_send(request, **_):
        # case-insensitive: botocore's CRT signer (awscrt installed) writes lower-case names
        captured["headers"] = Headers((k, v.decode() if isinstance(v, bytes) else v)
                                      for k, v in request.headers.items())
        captured["body"] = request.body.read() if read_body else request.body
        return AWSResponse(request.url, 200, {}, _EmptyRaw())

    client.meta.events.register("before-send.s3.PutObject", before_send)
    client.put_object(Bucket="bucket", Key="key", Body=body, **params)
    return captured["headers"], captured["body"]


def as_request(headers, body) -> HttpRequest:
    if isinstance(body, bytes):
        return HttpRequest.build("PUT", "/bucket/key", headers.items(), body)
    request = HttpRequest.build("PUT", "/bucket/key", headers.items())
    request.body = body
    return request


@pytest.mark.parametrize("payload", [b"", b"hello world", bytes(range(256)) * 12_000],
                         ids=["empty", "small", "3MB-three-chunks"])
def test_botocore_default_upload_decodes_with_its_crc32_trailer(payload):
    headers, body = botocore_put(payload)
    assert headers["X-Amz-Content-SHA256"] == UNSIGNED_TRAILER
    request = as_request(headers, body)

    decoder = decode_request_body(request)

    assert request.body is decoder
    assert decoder.read() == payload
    assert decoder.finished
    assert decoder.trailers == {"x-amz-checksum-crc32": checksums.compute("CRC32", payload)}
    assert decoder.checksums == {"CRC32": checksums.compute("CRC32", payload)}
    assert "content-encoding" not in request.headers     # aws-chunked was the only coding
    assert decoder.original_content_encoding == "aws-chunked"
    assert request.headers["x-amz-decoded-content-length"] == str(len(payload))


@pytest.mark.parametrize("algorithm", ["SHA1", "SHA256", "CRC32"])
def test_botocore_upload_with_a_chosen_algorithm_and_no_credentials(algorithm):
    payload = b"x" * 100_000
    headers, body = botocore_put(payload, unsigned=True, ChecksumAlgorithm=algorithm)
    decoder = decode_request_body(as_request(headers, body))
    assert decoder.read() == payload
    assert decoder.checksums == {algorithm: checksums.compute(algorithm, payload)}


def test_other_content_codings_are_kept():
    headers, body = botocore_put(b"\x1f\x8b...", ContentEncoding="gzip")
    assert headers["Content-Encoding"] == "gzip,aws-chunked"
    request = as_request(headers, body)
    decode_request_body(request)
    assert request.headers["content-encoding"] == "gzip"
    assert request.body.original_content_encoding == "gzip,aws-chunked"
    assert request.body.read() == b"\x1f\x8b..."


def test_reads_in_any_piece_size_give_the_same_payload():
    large = bytes(range(251)) * 9000      # ~2.2 MB, three botocore chunks
    for payload, sizes in ((large[:20_000], (1, 7)), (large, (4096, 65_537, 1 << 20, 10 << 20))):
        headers, body = botocore_put(payload)
        for size in sizes:
            _read_in_pieces(decode_request_body(as_request(headers, body)), size, payload)


def _read_in_pieces(decoder, size, payload):
    pieces = []
    while piece := decoder.read(size):
        assert len(piece) <= size
        pieces.append(piece)
    assert b"".join(pieces) == payload
    assert all(len(p) == size for p in pieces[:-1])   # full reads until the end
    assert decoder.read(10) == b"" and decoder.read() == b""
    assert decoder.tell() == len(payload)


def test_readinto_iter_chunks_and_body_bytes():
    payload = b"0123456789" * 5000
    headers, body = botocore_put(payload)
    decoder = decode_request_body(as_request(headers, body))
    buffer = bytearray(12_345)
    assert decoder.readinto(buffer) == 12_345 and bytes(buffer) == payload[:12_345]
    assert b"".join(decoder.iter_chunks(999)) == payload[12_345:]

    request = as_request(headers, body)
    decode_request_body(request)
    assert request.body_bytes() == payload   # rewinding a fresh decoder is a no-op
    with pytest.raises(io.UnsupportedOperation):
        request.body.seek(0)


class Dribble(io.RawIOBase):
    """A raw stream returning the body in the given piece sizes (like a slow socket)."""

    def __init__(self, data: bytes, sizes):
        self._data, self._sizes, self._at = data, list(sizes), 0

    def readable(self):
        return True

    def read(self, n=-1):
        size = self._sizes[self._at % len(self._sizes)]
        piece = self._data[:min(size, n if n >= 0 else len(self._data))]
        self._data = self._data[len(piece):]
        self._at += 1
        return piece


@settings(max_examples=60, deadline=None)
@given(payload=st.binary(max_size=3000), pieces=st.lists(st.integers(1, 40), min_size=1, max_size=8),
       chunk=st.integers(1, 700), read_size=st.integers(1, 500))
def test_any_framing_and_any_network_split_decode_the_same(payload, pieces, chunk, read_size):
    body = unsigned_body([payload[i:i + chunk] for i in range(0, len(payload), chunk)],
                         trailers={"x-amz-checksum-crc32c": checksums.compute("CRC32C", payload)})
    decoder = ChunkedDecoder(Dribble(body, pieces), decoded_length=len(payload),
                             mode=UNSIGNED_TRAILER, declared_trailers=["x-amz-checksum-crc32c"])
    out = bytearray()
    while piece := decoder.read(read_size):
        out += piece
    assert bytes(out) == payload
    assert decoder.checksums == {"CRC32C": checksums.compute("CRC32C", payload)}


# --- signed chunks: AWS's worked examples ---------------------------------------------------------

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"       # AWS's documentation key
AMZ_DATE, SCOPE = "20130524T000000Z", "20130524/us-east-1/s3/aws4_request"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


SIGNING_KEY = _hmac(_hmac(_hmac(_hmac(b"AWS4" + SECRET.encode(), "20130524"), "us-east-1"), "s3"),
                    "aws4_request")


class ChunkSigner:
    """The chunk and trailer signature chain of AWS's sigv4-streaming pages, for tests."""

    def __init__(self, seed_signature: str):
        self.previous = seed_signature

    def _sign(self, kind: str, digest: str, *, empty: bool = True) -> str:
        parts = [kind, AMZ_DATE, SCOPE, self.previous] + ([EMPTY_SHA256] if empty else []) + [digest]
        self.previous = hmac.new(SIGNING_KEY, "\n".join(parts).encode(), hashlib.sha256).hexdigest()
        return self.previous

    def chunk(self, data: bytes) -> str:
        return self._sign("AWS4-HMAC-SHA256-PAYLOAD", hashlib.sha256(data).hexdigest())

    def trailer(self, trailers: dict[str, str]) -> str:
        canonical = "".join(f"{name}:{value}\n" for name, value in trailers.items())
        return self._sign("AWS4-HMAC-SHA256-TRAILER", hashlib.sha256(canonical.encode()).hexdigest(),
                          empty=False)


class ChainVerifier:
    """What the auth layer wires in: recompute each signature in order, compare."""

    def __init__(self, seed_signature: str):
        self.signer = ChunkSigner(seed_signature)
        self.seen: list[int] = []

    def _check(self, expected: str, signature: str):
        if not hmac.compare_digest(expected, signature):
            raise AwsError("The request signature we calculated does not match the signature "
                           "you provided.", code="SignatureDoesNotMatch", status=403)

    def chunk(self, data: bytes, signature: str):
        self.seen.append(len(data))
        self._check(self.signer.chunk(data), signature)

    def trailer(self, trailers: dict[str, str], signature: str):
        self._check(self.signer.trailer(trailers), signature)


def signed_body(chunks, seed, trailers=None, *, signatures=None) -> bytes:
    signer = ChunkSigner(seed)
    out = bytearray()
    for i, data in enumerate([*chunks, b""]):
        signature = signatures[i] if signatures else signer.chunk(data)
        out += b"%x;chunk-signature=%s\r\n%s\r\n" % (len(data), signature.encode(), data)
    if trailers is not None:
        del out[-2:]   # the trailer block replaces the final chunk's empty data line
        for name, value in trailers.items():
            out += f"{name}:{value}\r\n".encode()
        out += f"x-amz-trailer-signature:{signer.trailer(trailers)}\r\n\r\n".encode()
    return bytes(out)


def unsigned_body(chunks, trailers=None) -> bytes:
    out = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks if c) + b"0\r\n"
    out += b"".join(f"{k}:{v}\r\n".encode() for k, v in (trailers or {}).items())
    return out + b"\r\n"


# From AWS's "Example: PUT Object" (sigv4-streaming): 64 KiB + 1 KiB of "a".
DOC_SEED = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
DOC_SIGNATURES = ["ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
                  "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
                  "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"]
# From the same example with a trailing crc32c (sigv4-streaming-trailers).
DOC_TRAILER_SEED = "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e"
DOC_TRAILER_SIGNATURES = ["b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2",
                          "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7",
                          "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992"]
DOC_TRAILER_SIGNATURE = "d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435"
DOC_CHUNKS = [b"a" * 65536, b"a" * 1024]


def doc_request(body: bytes, mode: str, **extra) -> HttpRequest:
    headers = {"Host": "s3.amazonaws.com", "x-amz-date": AMZ_DATE, "Content-Encoding": "aws-chunked",
               "x-amz-content-sha256": mode, "x-amz-decoded-content-length": "66560",
               "x-amz-storage-class": "REDUCED_REDUNDANCY", "Content-Length": str(len(body)), **extra}
    return HttpRequest.build("PUT", "/examplebucket/chunkObject.txt", headers, body)


def test_the_test_signer_reproduces_aws_published_signatures():
    signer = ChunkSigner(DOC_SEED)
    assert [signer.chunk(c) for c in [*DOC_CHUNKS, b""]] == DOC_SIGNATURES
    signer = ChunkSigner(DOC_TRAILER_SEED)
    assert [signer.chunk(c) for c in [*DOC_CHUNKS, b""]] == DOC_TRAILER_SIGNATURES
    assert signer.trailer({"x-amz-checksum-crc32c": "sOO8/Q=="}) == DOC_TRAILER_SIGNATURE


def test_aws_documented_signed_upload_decodes_and_verifies():
    body = signed_body(DOC_CHUNKS, DOC_SEED, signatures=DOC_SIGNATURES)
    assert len(body) == 66824                      # the Content-Length AWS's example shows
    request = doc_request(body, SIGNED)
    decoder = decode_request_body(request)
    verifier = ChainVerifier(DOC_SEED)
    decoder.chunk_verifier = verifier.chunk        # wired after decoding, as the auth layer does
    assert decoder.read() == b"a" * 66560
    assert verifier.seen == [65536, 1024, 0]
    assert decoder.trailers == {}


def test_aws_documented_signed_upload_with_trailer_decodes_and_verifies():
    trailers = {"x-amz-checksum-crc32c": "sOO8/Q=="}
    body = signed_body(DOC_CHUNKS, DOC_TRAILER_SEED, trailers)
    assert DOC_TRAILER_SIGNATURE.encode() in body and DOC_TRAILER_SIGNATURES[1].encode() in body
    request = doc_request(body, SIGNED_TRAILER, **{"x-amz-trailer": "x-amz-checksum-crc32c"})
    verifier = ChainVerifier(DOC_TRAILER_SEED)
    decoder = decode_request_body(request)
    decoder.chunk_verifier, decoder.trailer_verifier = verifier.chunk, verifier.trailer
    assert decoder.read(100) == b"a" * 100
    assert decoder.trailers == {}                  # not before the end
    assert decoder.read() == b"a" * 66460
    assert decoder.trailers == trailers
    assert decoder.trailer_signature == DOC_TRAILER_SIGNATURE
    assert decoder.checksums == {"CRC32C": "sOO8/Q=="}


def test_a_tampered_signed_chunk_is_refused_before_its_bytes_are_handed_out():
    body = bytearray(signed_body(DOC_CHUNKS, DOC_SEED))
    body[-200] ^= 1                                # inside the second chunk's data
    decoder = ChunkedDecoder(io.BytesIO(bytes(body)), mode=SIGNED,
                             chunk_verifier=ChainVerifier(DOC_SEED).chunk)
    assert decoder.read(65536) == b"a" * 65536
    with pytest.raises(AwsError) as bad:
        decoder.read(1)
    assert (bad.value.code, bad.value.status) == ("SignatureDoesNotMatch", 403)
    with pytest.raises(AwsError):                  # and it stays failed
        decoder.read(1)


def test_a_tampered_trailer_is_refused():
    trailers = {"x-amz-checksum-crc32c": "sOO8/Q=="}
    body = signed_body(DOC_CHUNKS, DOC_TRAILER_SEED, trailers).replace(b"sOO8/Q==", b"AAAAAA==")
    verifier = ChainVerifier(DOC_TRAILER_SEED)
    decoder = ChunkedDecoder(io.BytesIO(body), mode=SIGNED_TRAILER, chunk_verifier=verifier.chunk,
                             trailer_verifier=verifier.trailer,
                             declared_trailers=["x-amz-checksum-crc32c"])
    with pytest.raises(AwsError) as bad:
        decoder.read()
    assert bad.value.code == "SignatureDoesNotMatch"


def test_signed_trailer_mode_needs_the_trailer_signature():
    body = signed_body(DOC_CHUNKS, DOC_TRAILER_SEED)   # no trailer block at all
    decoder = ChunkedDecoder(io.BytesIO(body), mode=SIGNED_TRAILER)
    assert_error(decoder, "IncompleteBody", "The request body terminated unexpectedly")


def test_signed_chunks_need_a_signature():
    body = b"10000\r\n" + b"a" * 65536 + b"\r\n0\r\n\r\n"
    assert_error(ChunkedDecoder(io.BytesIO(body), mode=SIGNED), "IncompleteBody")
    body = signed_body([b"abc"], DOC_SEED).replace(b"chunk-signature=", b"chunk-signature:", 1)
    assert_error(ChunkedDecoder(io.BytesIO(body), mode=SIGNED), "IncompleteBody")


def test_only_the_last_signed_chunk_may_be_under_8_kib():
    body = signed_body([b"hel", b"lo"], DOC_SEED)
    decoder = ChunkedDecoder(io.BytesIO(body), mode=SIGNED, decoded_length=5)
    error = assert_error(decoder, "InvalidChunkSizeError",
                         "Only the last chunk is allowed to have a size less than 8192 bytes")
    assert error.fields == {"Chunk": "2", "BadChunkSize": "3"}
    # A small final data chunk is fine, and unsigned streams have no minimum.
    assert ChunkedDecoder(io.BytesIO(signed_body([b"a" * 8192, b"b"], DOC_SEED)),
                          mode=SIGNED).read() == b"a" * 8192 + b"b"
    assert ChunkedDecoder(io.BytesIO(unsigned_body([b"hel", b"lo"])),
                          mode=UNSIGNED_TRAILER).read() == b"hello"


# --- malformed bodies ------------------------------------------------------------------------------


def assert_error(decoder, code, message=None, status=400) -> AwsError:
    with pytest.raises(AwsError) as raised:
        while decoder.read(4096):
            pass
    error = raised.value
    assert (error.code, error.status) == (code, status)
    if message is not None:
        assert error.message == message
    return error


GOOD = b"5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n"


@pytest.mark.parametrize("body", [
    b"zz\r\nhello\r\n0\r\n\r\n",                       # size is not hex
    b"-5\r\nhello\r\n0\r\n\r\n",
    b"\r\nhello\r\n0\r\n\r\n",                          # no size at all
    b"3\r\nhello\r\n0\r\n\r\n",                         # size shorter than the data
    b"5\r\nhello0\r\n\r\n",                             # CRLF after the data missing
    b"5\nhello\n0\n\n",                                 # bare LF
    b"5\r\nhel",                                        # body ends inside a chunk
    b"5\r\nhello\r\n",                                  # body ends before the final chunk
    b"5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n",   # no closing empty line
    b"5\r\nhello\r\n0\r\n",
    b"",
    b"1" * 10_000,                                      # a header line that never ends
    b"11111111111111111\r\n",                           # more than 64 bits of size
], ids=lambda body: repr(body[:24]))
def test_malformed_framing_is_incomplete_body(body):
    decoder = ChunkedDecoder(io.BytesIO(body), mode=UNSIGNED_TRAILER)
    assert_error(decoder, "IncompleteBody", "The request body terminated unexpectedly")


def test_the_good_body_used_above_is_good():
    decoder = ChunkedDecoder(io.BytesIO(GOOD), mode=UNSIGNED_TRAILER, decoded_length=5,
                             declared_trailers=["x-amz-checksum-crc32"])
    assert decoder.read() == b"hello"


@pytest.mark.parametrize("declared, provided", [(3, 5), (9, 5)])
def test_decoded_length_mismatch(declared, provided):
    decoder = ChunkedDecoder(io.BytesIO(GOOD), decoded_length=declared)
    error = assert_error(decoder, "IncompleteBody", "You did not provide the number of bytes "
                         "specified by the Content-Length HTTP header")
    assert error.fields == {"NumberBytesExpected": str(declared), "NumberBytesProvided": str(provided)}


def test_too_long_a_body_fails_before_its_excess_is_handed_out():
    decoder = ChunkedDecoder(io.BytesIO(unsigned_body([b"a" * 10, b"b" * 10])), decoded_length=12)
    assert decoder.read(10) == b"a" * 10
    assert_error(decoder, "IncompleteBody")


def chunked_request(body: bytes, **headers) -> HttpRequest:
    base = {"Content-Encoding": "aws-chunked", "x-amz-content-sha256": UNSIGNED_TRAILER,
            "x-amz-decoded-content-length": "5", "x-amz-trailer": "x-amz-checksum-crc32"}
    base.update({k.replace("_", "-"): v for k, v in headers.items()})
    return HttpRequest.build("PUT", "/b/k", {k: v for k, v in base.items() if v is not None}, body)


@pytest.mark.parametrize("length", ["abc", "\u00b2"])   # "²" (latin-1) is a digit to str.isdigit
def test_unparseable_decoded_length_is_missing_content_length(length):
    with pytest.raises(AwsError) as bad:
        decode_request_body(chunked_request(GOOD, x_amz_decoded_content_length=length))
    assert (bad.value.code, bad.value.status) == ("MissingContentLength", 411)


def test_unsupported_trailer_name_is_invalid_request():
    with pytest.raises(AwsError) as bad:
        decode_request_body(chunked_request(GOOD, x_amz_trailer="x-amz-meta-foo"))
    assert (bad.value.code, bad.value.status) == ("InvalidRequest", 400)


MALFORMED_TRAILER = "The request contained trailing data that was not well-formed or did not " \
                    "conform to our published schema."


@pytest.mark.parametrize("body, declared", [
    (b"5\r\nhello\r\n0\r\n\r\n", "x-amz-checksum-crc32"),                       # declared, absent
    (GOOD, None),                                                               # present, undeclared
    (GOOD, "x-amz-checksum-sha256"),                                            # another one
    (b"5\r\nhello\r\n0\r\nx-amz-checksum-crc32NhCmhg==\r\n\r\n", "x-amz-checksum-crc32"),  # no colon
    (b"5\r\nhello\r\n0\r\n:NhCmhg==\r\n\r\n", "x-amz-checksum-crc32"),          # no name
    (b"5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n",
     "x-amz-checksum-crc32"),                                                   # twice
])
def test_trailer_faults_are_malformed_trailer(body, declared):
    decoder = decode_request_body(chunked_request(body, x_amz_trailer=declared))
    assert_error(decoder, "MalformedTrailerError", MALFORMED_TRAILER)


def test_a_wrong_trailing_checksum_is_bad_digest():
    body = GOOD.replace(b"NhCmhg==", b"AAAAAA==")
    decoder = decode_request_body(chunked_request(body))
    assert_error(decoder, "BadDigest", "The CRC32 you specified did not match the calculated checksum.")


def test_a_trailing_checksum_that_is_no_checksum_is_invalid_request():
    body = GOOD.replace(b"NhCmhg==", b"NhCmhg")
    decoder = decode_request_body(chunked_request(body))
    assert_error(decoder, "InvalidRequest", "Value for x-amz-checksum-crc32 trailing header is invalid.")


def test_verify_trailing_checksum_helper():
    computed = checksums.new("CRC32")
    computed.update(b"hello")
    verify_trailing_checksum({"X-Amz-Checksum-Crc32": "NhCmhg=="}, "crc32", computed.digest())
    verify_trailing_checksum({"x-amz-checksum-crc32": "NhCmhg=="}, "CRC32", "NhCmhg==")
    with pytest.raises(AwsError) as bad:
        verify_trailing_checksum({"x-amz-checksum-crc32": "AAAAAA=="}, "CRC32", "NhCmhg==")
    assert bad.value.code == "BadDigest"
    with pytest.raises(AwsError) as bad:
        verify_trailing_checksum({}, "CRC32", "NhCmhg==")
    assert bad.value.code == "MalformedTrailerError"


# --- detection -------------------------------------------------------------------------------------


@pytest.mark.parametrize("headers, expected", [
    ({"Content-Encoding": "aws-chunked", "X-Amz-Content-SHA256": UNSIGNED_TRAILER}, True),
    ({"x-amz-content-sha256": SIGNED}, True),                    # minio-go sends no encoding
    ({"x-amz-content-sha256": "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD"}, True),
    ({"content-encoding": "gzip, AWS-Chunked"}, True),           # unsigned, no content hash
    ({"content-encoding": "aws-chunked", "x-amz-content-sha256": "UNSIGNED-PAYLOAD"}, False),
    ({"content-encoding": "aws-chunked", "x-amz-content-sha256": EMPTY_SHA256}, False),
    ({"content-encoding": "gzip"}, False),
    ({}, False),
])
def test_is_aws_chunked(headers, expected):
    assert is_aws_chunked(headers) is expected
    assert is_aws_chunked(HttpRequest.build("PUT", "/", headers).headers) is expected


def test_plain_bodies_are_left_alone():
    request = HttpRequest.build("PUT", "/b/k", {"Content-Encoding": "gzip"}, b"data")
    body = request.body
    assert decode_request_body(request) is None
    assert request.body is body and request.headers["content-encoding"] == "gzip"


def test_decoding_twice_is_harmless():
    request = chunked_request(GOOD)
    decoder = decode_request_body(request)
    assert decode_request_body(request) is decoder
    assert decoder.read() == b"hello"


# --- a large upload streams in bounded memory --------------------------------------------------------


class Pattern(io.RawIOBase):
    """A seekable stream of `size` deterministic bytes that never holds them all."""

    def __init__(self, size: int):
        self.size, self.pos = size, 0
        self._block = bytes(range(251)) * 4200          # ~1 MB, byte i is i % 251

    def readable(self):
        return True

    def seekable(self):
        return True

    def seek(self, offset, whence=0):
        self.pos = {0: offset, 1: self.pos + offset, 2: self.size + offset}[whence]
        return self.pos

    def tell(self):
        return self.pos

    def read(self, n=-1):
        n = self.size - self.pos if n is None or n < 0 else min(n, self.size - self.pos)
        n = min(n, len(self._block) - 251)
        start = self.pos % 251
        self.pos += n
        return self._block[start:start + n]


def test_a_50_mb_upload_streams_with_bounded_memory():
    size = 50 * 1024 * 1024
    expected_crc = 0
    source = Pattern(size)
    while piece := source.read(1 << 20):
        expected_crc = zlib.crc32(piece, expected_crc)

    headers, wrapper = botocore_put(Pattern(size), read_body=False)   # botocore's chunk stream
    assert headers["X-Amz-Decoded-Content-Length"] == str(size)
    request = as_request(headers, wrapper)
    tracemalloc.start()
    try:
        decoder = decode_request_body(request)
        total, crc = 0, 0
        while piece := decoder.read(256 * 1024):
            total += len(piece)
            crc = zlib.crc32(piece, crc)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total == size and crc == expected_crc
    assert decoder.checksums["CRC32"] == checksums.b64(expected_crc.to_bytes(4, "big"))
    assert peak < 8 * 1024 * 1024, f"peak {peak} bytes while decoding"
