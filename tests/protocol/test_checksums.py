"""S3 flexible checksums against published check values and a bit-by-bit reference."""
import hashlib
import zlib

import pytest
from hypothesis import given, strategies as st

from nuvem.errors import AwsError
from nuvem.protocol import checksums


def reference_crc(data: bytes, poly: int, width: int) -> int:
    """Bit-at-a-time reflected CRC with all-ones init and xorout: slow and obviously right."""
    mask = (1 << width) - 1
    crc = mask
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
    return crc ^ mask


def test_crc32c_check_value_and_rfc3720_vectors():
    assert checksums.crc32c(b"123456789") == 0xE3069283       # the catalogue check value
    # RFC 3720 (iSCSI) appendix B.4
    assert checksums.crc32c(bytes(32)) == 0x8A9136AA
    assert checksums.crc32c(b"\xff" * 32) == 0x62A8AB43
    assert checksums.crc32c(bytes(range(32))) == 0x46DD794E
    assert checksums.crc32c(bytes(range(31, -1, -1))) == 0x113FDB5C


def test_crc64nvme_check_value():
    assert checksums.crc64nvme(b"123456789") == 0xAE8B14860A799888
    assert checksums.crc64nvme(b"") == 0


def test_base64_values_seen_on_the_wire():
    # AWS's sigv4-streaming-trailers example: 66,560 bytes of "a" carry crc32c sOO8/Q==.
    assert checksums.compute("CRC32C", b"a" * 66560) == "sOO8/Q=="
    # S3's CRC64NVME of "hello", as it returns it.
    assert checksums.compute("crc64nvme", b"hello") == "M3eFcAZSQlc="
    assert checksums.compute("CRC32", b"abc") == "NSRBwg=="
    assert checksums.compute("SHA256", b"hello world") == "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek="
    assert checksums.compute("SHA1", b"") == "2jmj7l5rSw0yVb/vlWAYkK/YBwk="


@given(st.binary(max_size=300), st.integers(min_value=0, max_value=300))
def test_table_crcs_match_the_bitwise_reference_in_any_split(data, cut):
    cut = min(cut, len(data))
    assert checksums.crc32c(data) == reference_crc(data, 0x82F63B78, 32)
    assert checksums.crc64nvme(data) == reference_crc(data, 0x9A6C9329AC4BC9B5, 64)
    assert checksums.crc32c(data[cut:], checksums.crc32c(data[:cut])) == checksums.crc32c(data)
    assert checksums.crc64nvme(data[cut:], checksums.crc64nvme(data[:cut])) == checksums.crc64nvme(data)


@pytest.mark.parametrize("algorithm", checksums.ALGORITHMS)
def test_running_checksum_equals_one_shot(algorithm):
    data = bytes(range(256)) * 41 + b"tail"
    running = checksums.new(algorithm)
    for start in range(0, len(data), 1000):
        running.update(data[start:start + 1000])
    assert len(running.digest()) == checksums.DIGEST_SIZES[algorithm]
    assert checksums.b64(running.digest()) == checksums.compute(algorithm, data)


def test_standard_algorithms_are_the_standard_library():
    data = b"nuvem" * 1000
    assert int.from_bytes(_digest("CRC32", data), "big") == zlib.crc32(data)
    assert _digest("SHA256", data) == hashlib.sha256(data).digest()
    assert _digest("MD5", data) == hashlib.md5(data).digest()


def _digest(algorithm, data):
    checksum = checksums.new(algorithm)
    checksum.update(data)
    return checksum.digest()


def test_algorithm_of_header():
    assert checksums.algorithm_of_header("X-Amz-Checksum-CRC64NVME") == "CRC64NVME"
    assert checksums.algorithm_of_header("x-amz-checksum-crc32c") == "CRC32C"
    assert checksums.algorithm_of_header("x-amz-checksum-bogus") is None
    assert checksums.algorithm_of_header("content-md5") is None


def test_verify_accepts_a_match_and_names_the_algorithm_on_mismatch():
    checksums.verify("CRC32", "NSRBwg==", checksums.compute("CRC32", b"abc"))
    with pytest.raises(AwsError) as bad:
        checksums.verify("CRC32", "AAAAAA==", checksums.compute("CRC32", b"abc"))
    assert (bad.value.code, bad.value.status) == ("BadDigest", 400)
    assert bad.value.message == "The CRC32 you specified did not match the calculated checksum."


@pytest.mark.parametrize("value", ["not base64!", "AAAA", "AAAAAAAAAAA=", ""])
def test_verify_rejects_values_that_are_not_a_digest(value):
    with pytest.raises(AwsError) as bad:
        checksums.verify("CRC32", value, b"\0\0\0\0", trailing=True)
    assert (bad.value.code, bad.value.status) == ("InvalidRequest", 400)
    assert bad.value.message == "Value for x-amz-checksum-crc32 trailing header is invalid."
    with pytest.raises(AwsError) as bad:
        checksums.verify("SHA1", value, b"\0" * 20)
    assert bad.value.message == "Value for x-amz-checksum-sha1 header is invalid."
