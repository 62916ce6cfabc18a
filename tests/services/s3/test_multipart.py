"""Multipart uploads over the wire: boto3 and the AWS CLI against a real server."""
import base64
import hashlib
import os
import uuid
import zlib

import pytest
from botocore.exceptions import ClientError

MiB = 1024 * 1024
P1, P2, P3 = (bytes([n]) * (5 * MiB) for n in (1, 2, 3))


@pytest.fixture(scope="module")
def s3(nuvem):
    return nuvem.client("s3")


@pytest.fixture
def bucket(s3):
    name = f"mpu-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


def error(call, **kwargs):
    with pytest.raises(ClientError) as e:
        call(**kwargs)
    r = e.value.response
    return r["Error"]["Code"], r["ResponseMetadata"]["HTTPStatusCode"], r["Error"]["Message"]


def md5(data):
    return hashlib.md5(data).digest()


def multipart_etag(*parts):
    return '"%s-%d"' % (hashlib.md5(b"".join(md5(p) for p in parts)).hexdigest(), len(parts))


def crc32_b64(data):
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def upload_parts(s3, bucket, key, parts, **create):
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key, **create)["UploadId"]
    done = []
    for number, body in enumerate(parts, 1):
        out = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=number,
                             Body=body, **({"ChecksumAlgorithm": create["ChecksumAlgorithm"]}
                                           if "ChecksumAlgorithm" in create else {}))
        entry = {"PartNumber": number, "ETag": out["ETag"]}
        entry.update({k: v for k, v in out.items() if k.startswith("Checksum")
                      and k != "ChecksumType"})
        done.append(entry)
    return upload_id, done


def test_three_part_round_trip(s3, bucket):
    tail = b"tail-bytes" * 10
    upload_id, done = upload_parts(s3, bucket, "big/obj", [P1, P2, tail],
                                   ContentType="text/plain", Metadata={"color": "blue"})
    assert done[0]["ETag"] == '"%s"' % hashlib.md5(P1).hexdigest()
    out = s3.complete_multipart_upload(Bucket=bucket, Key="big/obj", UploadId=upload_id,
                                       MultipartUpload={"Parts": done})
    assert out["ETag"] == multipart_etag(P1, P2, tail)
    assert out["Key"] == "big/obj" and out["Bucket"] == bucket
    assert out["Location"].endswith(f"/{bucket}/big/obj")
    got = s3.get_object(Bucket=bucket, Key="big/obj")
    body = got["Body"].read()
    assert body == P1 + P2 + tail
    assert got["ETag"] == out["ETag"] and got["ContentType"] == "text/plain"
    assert got["Metadata"] == {"color": "blue"}
    assert got["PartsCount"] == 3
    part = s3.get_object(Bucket=bucket, Key="big/obj", PartNumber=2)
    assert part["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert part["PartsCount"] == 3
    assert part["ContentLength"] == 5 * MiB
    assert part["ContentRange"] == f"bytes {5 * MiB}-{10 * MiB - 1}/{10 * MiB + len(tail)}"
    assert part["Body"].read() == P2
    head = s3.head_object(Bucket=bucket, Key="big/obj", PartNumber=3)
    assert head["ContentLength"] == len(tail)
    # test_get_object_part: a part the object does not have
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="big/obj", PartNumber=10)
    assert e.value.response["Error"] == {
        "Code": "InvalidPartNumber", "Message": "The requested partnumber is not satisfiable",
        "PartNumberRequested": "10", "ActualPartCount": "3"}
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 416
    # the upload is gone once completed
    assert error(s3.list_parts, Bucket=bucket, Key="big/obj", UploadId=upload_id)[:2] == \
        ("NoSuchUpload", 404)
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=bucket)


def test_reuploading_a_part_replaces_it(s3, bucket):
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    s3.upload_part(Bucket=bucket, Key="k", UploadId=upload_id, PartNumber=1, Body=b"first")
    etag = s3.upload_part(Bucket=bucket, Key="k", UploadId=upload_id, PartNumber=1,
                          Body=b"second!")["ETag"]
    parts = s3.list_parts(Bucket=bucket, Key="k", UploadId=upload_id)["Parts"]
    assert [(p["PartNumber"], p["ETag"], p["Size"]) for p in parts] == [(1, etag, 7)]
    s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=upload_id,
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"second!"


def test_list_parts_paging(s3, bucket):
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="k",
                                           StorageClass="STANDARD_IA")["UploadId"]
    for n in (1, 2, 3, 5, 8):
        s3.upload_part(Bucket=bucket, Key="k", UploadId=upload_id, PartNumber=n,
                       Body=b"x" * n)
    page = s3.list_parts(Bucket=bucket, Key="k", UploadId=upload_id, MaxParts=2)
    assert [p["PartNumber"] for p in page["Parts"]] == [1, 2]
    assert page["IsTruncated"] is True and page["NextPartNumberMarker"] == 2
    assert page["MaxParts"] == 2 and page["StorageClass"] == "STANDARD_IA"
    assert page["Owner"]["ID"] and page["Initiator"]["ID"]
    page = s3.list_parts(Bucket=bucket, Key="k", UploadId=upload_id, MaxParts=2,
                         PartNumberMarker=2)
    assert [p["PartNumber"] for p in page["Parts"]] == [3, 5]
    assert page["PartNumberMarker"] == 2 and page["NextPartNumberMarker"] == 5
    page = s3.list_parts(Bucket=bucket, Key="k", UploadId=upload_id, PartNumberMarker=5)
    assert [(p["PartNumber"], p["Size"]) for p in page["Parts"]] == [(8, 8)]
    assert page["IsTruncated"] is False
    # past the last part: no part, and 0 as the next marker (test_list_parts_pagination)
    page = s3.list_parts(Bucket=bucket, Key="k", UploadId=upload_id, PartNumberMarker=10)
    assert "Parts" not in page and (page["PartNumberMarker"], page["NextPartNumberMarker"]) == (10, 0)
    # boto3's paginator follows NextPartNumberMarker
    numbers = [p["PartNumber"]
               for page in s3.get_paginator("list_parts").paginate(
                   Bucket=bucket, Key="k", UploadId=upload_id, PaginationConfig={"PageSize": 2})
               for p in page.get("Parts", [])]
    assert numbers == [1, 2, 3, 5, 8]


def test_list_multipart_uploads(s3, bucket):
    ids = {}
    for key in ("a/1", "a/2", "b", "a/1", "c/x/y"):
        ids.setdefault(key, []).append(
            s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"])
    out = s3.list_multipart_uploads(Bucket=bucket)
    listed = [(u["Key"], u["UploadId"]) for u in out["Uploads"]]
    # key order, then initiation order within a key
    assert listed == [("a/1", ids["a/1"][0]), ("a/1", ids["a/1"][1]), ("a/2", ids["a/2"][0]),
                      ("b", ids["b"][0]), ("c/x/y", ids["c/x/y"][0])]
    assert out["IsTruncated"] is False
    assert out["Uploads"][0]["StorageClass"] == "STANDARD"
    assert "Initiated" in out["Uploads"][0] and out["Uploads"][0]["Owner"]["ID"]
    # paging by (key, upload id)
    page = s3.list_multipart_uploads(Bucket=bucket, MaxUploads=2)
    assert [u["UploadId"] for u in page["Uploads"]] == ids["a/1"]
    assert page["IsTruncated"] is True
    assert (page["NextKeyMarker"], page["NextUploadIdMarker"]) == ("a/1", ids["a/1"][1])
    page = s3.list_multipart_uploads(Bucket=bucket, MaxUploads=2, KeyMarker="a/1",
                                     UploadIdMarker=ids["a/1"][0])
    assert [(u["Key"], u["UploadId"]) for u in page["Uploads"]] == \
        [("a/1", ids["a/1"][1]), ("a/2", ids["a/2"][0])]
    page = s3.list_multipart_uploads(Bucket=bucket, KeyMarker="a/2")
    assert [u["Key"] for u in page["Uploads"]] == ["b", "c/x/y"]
    # versitygw issues 1797, 1799, 2150: a key marker need not be a key; an upload id marker no
    # upload could have is refused, and ignored (not echoed) without a key marker
    page = s3.list_multipart_uploads(Bucket=bucket, KeyMarker="a/11")
    assert [u["Key"] for u in page["Uploads"]] == ["a/2", "b", "c/x/y"]
    assert error(s3.list_multipart_uploads, Bucket=bucket, KeyMarker="a/1",
                 UploadIdMarker="invalid_marker") == ("InvalidArgument", 400, "Invalid uploadId marker")
    page = s3.list_multipart_uploads(Bucket=bucket, UploadIdMarker="invalid_marker")
    assert page["UploadIdMarker"] == "" and len(page["Uploads"]) == 5
    # prefix and delimiter
    out = s3.list_multipart_uploads(Bucket=bucket, Delimiter="/")
    assert [u["Key"] for u in out["Uploads"]] == ["b"]
    assert [p["Prefix"] for p in out["CommonPrefixes"]] == ["a/", "c/"]
    out = s3.list_multipart_uploads(Bucket=bucket, Prefix="c/", Delimiter="/")
    assert [p["Prefix"] for p in out["CommonPrefixes"]] == ["c/x/"] and "Uploads" not in out
    out = s3.list_multipart_uploads(Bucket=bucket, Prefix="a/")
    assert [u["Key"] for u in out["Uploads"]] == ["a/1", "a/1", "a/2"]
    # a page of common prefixes only names no next upload (LocalStack's AWS-validated
    # test_list_multipart_uploads_marker_common_prefixes)
    page = s3.list_multipart_uploads(Bucket=bucket, Delimiter="/", MaxUploads=1)
    assert page["CommonPrefixes"] == [{"Prefix": "a/"}] and page["IsTruncated"] is True
    assert (page["NextKeyMarker"], page["NextUploadIdMarker"]) == ("", "")
    page = s3.list_multipart_uploads(Bucket=bucket, Delimiter="/", KeyMarker="a/")
    assert [u["Key"] for u in page["Uploads"]] == ["b"]
    assert [p["Prefix"] for p in page["CommonPrefixes"]] == ["c/"]


def test_abort(s3, bucket):
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    s3.upload_part(Bucket=bucket, Key="k", UploadId=upload_id, PartNumber=1, Body=b"data")
    out = s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=upload_id)
    assert out["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert error(s3.abort_multipart_upload, Bucket=bucket, Key="k", UploadId=upload_id)[:2] == \
        ("NoSuchUpload", 404)
    assert error(s3.upload_part, Bucket=bucket, Key="k", UploadId=upload_id, PartNumber=1,
                 Body=b"x")[:2] == ("NoSuchUpload", 404)
    assert error(s3.complete_multipart_upload, Bucket=bucket, Key="k", UploadId=upload_id,
                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": "x"}]})[:2] == \
        ("NoSuchUpload", 404)
    # the upload id of another key is not this key's
    other = s3.create_multipart_upload(Bucket=bucket, Key="other")["UploadId"]
    assert error(s3.list_parts, Bucket=bucket, Key="k", UploadId=other)[:2] == \
        ("NoSuchUpload", 404)


def test_complete_errors(s3, bucket):
    upload_id, done = upload_parts(s3, bucket, "k", [b"small", b"tail"])
    complete = s3.complete_multipart_upload
    code, status, message = error(complete, Bucket=bucket, Key="k", UploadId=upload_id,
                                  MultipartUpload={"Parts": []})
    assert (code, status) == ("MalformedXML", 400)
    assert message.startswith("The XML you provided was not well-formed")
    code, status, _ = error(complete, Bucket=bucket, Key="k", UploadId=upload_id,
                            MultipartUpload={"Parts": list(reversed(done))})
    assert (code, status) == ("InvalidPartOrder", 400)
    code, status, _ = error(complete, Bucket=bucket, Key="k", UploadId=upload_id,
                            MultipartUpload={"Parts": [done[0], done[0]]})
    assert (code, status) == ("InvalidPartOrder", 400)
    code, status, _ = error(complete, Bucket=bucket, Key="k", UploadId=upload_id,
                            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"bad"'}]})
    assert (code, status) == ("InvalidPart", 400)
    code, status, _ = error(complete, Bucket=bucket, Key="k", UploadId=upload_id,
                            MultipartUpload={"Parts": [done[0], {"PartNumber": 7,
                                                                  "ETag": done[1]["ETag"]}]})
    assert (code, status) == ("InvalidPart", 400)
    code, status, message = error(complete, Bucket=bucket, Key="k", UploadId=upload_id,
                                  MultipartUpload={"Parts": done})
    assert (code, status) == ("EntityTooSmall", 400)
    # a failed complete leaves the upload as it was; one small part alone is fine
    out = complete(Bucket=bucket, Key="k", UploadId=upload_id,
                   MultipartUpload={"Parts": done[:1]})
    assert out["ETag"] == multipart_etag(b"small")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"small"


def test_a_repeated_complete_answers_as_the_first(s3, bucket):
    upload_id, done = upload_parts(s3, bucket, "k", [b"once"])
    first = s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=upload_id,
                                         MultipartUpload={"Parts": done})
    again = s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=upload_id,
                                         MultipartUpload={"Parts": done})
    assert (again["ETag"], again["Key"], again["Location"]) == \
        (first["ETag"], first["Key"], first["Location"])
    s3.put_object(Bucket=bucket, Key="k", Body=b"overwritten")
    code, status, _ = error(s3.complete_multipart_upload, Bucket=bucket, Key="k",
                            UploadId=upload_id, MultipartUpload={"Parts": done})
    assert (code, status) == ("NoSuchUpload", 404)


def test_part_number_limits(s3, bucket):
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    for number in (0, 10001):
        code, status, _ = error(s3.upload_part, Bucket=bucket, Key="k", UploadId=upload_id,
                                PartNumber=number, Body=b"x")
        assert (code, status) == ("InvalidArgument", 400)
    s3.upload_part(Bucket=bucket, Key="k", UploadId=upload_id, PartNumber=10000, Body=b"x")


def test_conditional_complete(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"old")
    upload_id, done = upload_parts(s3, bucket, "k", [b"new"])
    code, status, _ = error(s3.complete_multipart_upload, Bucket=bucket, Key="k",
                            UploadId=upload_id, MultipartUpload={"Parts": done}, IfNoneMatch="*")
    assert (code, status) == ("PreconditionFailed", 412)
    code, status, _ = error(s3.complete_multipart_upload, Bucket=bucket, Key="k",
                            UploadId=upload_id, MultipartUpload={"Parts": done},
                            IfMatch='"0123456789abcdef0123456789abcdef"')
    assert (code, status) == ("PreconditionFailed", 412)
    old = s3.head_object(Bucket=bucket, Key="k")["ETag"]
    s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=upload_id,
                                 MultipartUpload={"Parts": done}, IfMatch=old)
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"new"
    upload_id, done = upload_parts(s3, bucket, "fresh", [b"v"])
    s3.complete_multipart_upload(Bucket=bucket, Key="fresh", UploadId=upload_id,
                                 MultipartUpload={"Parts": done}, IfNoneMatch="*")


CONFLICT = "The conditional request cannot succeed due to a conflicting operation against this " \
    "resource."


def test_conditional_complete_after_the_key_changed(s3, bucket):
    # test_multipart_if_match_with_put(_identical), test_multipart_if_none_match_with_delete,
    # test_multipart_if_match_with_delete: a condition that holds still fails with 409 if the key
    # was written or deleted after the upload began
    first = s3.put_object(Bucket=bucket, Key="k", Body=b"test")["ETag"]
    upload_id, done = upload_parts(s3, bucket, "k", [b"new"])
    again = s3.put_object(Bucket=bucket, Key="k", Body=b"test")["ETag"]      # the same bytes
    assert again == first
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=upload_id,
                                     MultipartUpload={"Parts": done}, IfMatch=first)
    assert e.value.response["Error"] == {"Code": "ConditionalRequestConflict", "Key": "k",
                                         "Condition": "If-Match", "Message": CONFLICT}
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    upload_id, done = upload_parts(s3, bucket, "k", [b"new"])
    s3.delete_object(Bucket=bucket, Key="k")
    assert error(s3.complete_multipart_upload, Bucket=bucket, Key="k", UploadId=upload_id,
                 MultipartUpload={"Parts": done}, IfMatch=first)[:2] == ("NoSuchKey", 404)
    assert error(s3.complete_multipart_upload, Bucket=bucket, Key="k", UploadId=upload_id,
                 MultipartUpload={"Parts": done}, IfNoneMatch="*") == (
        "ConditionalRequestConflict", 409, CONFLICT)
    # an upload begun after the change completes; one without a condition never conflicts
    fresh, parts = upload_parts(s3, bucket, "k", [b"new"])
    s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=fresh,
                                 MultipartUpload={"Parts": parts}, IfNoneMatch="*")
    s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=upload_id,
                                 MultipartUpload={"Parts": done})


def test_write_if_match_star_is_not_implemented(s3, bucket):
    # test_put_object_if_match_validation: a write's If-Match takes an ETag, never *
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="k", Body=b"", IfMatch="*")
    assert e.value.response["Error"] == {
        "Code": "NotImplemented", "Header": "If-Match",
        "Message": "A header you provided implies functionality that is not implemented",
        "additionalMessage": "We don't accept the provided value of If-Match header for this API"}
    assert error(s3.put_object, Bucket=bucket, Key="k", Body=b"", IfMatch="abcdef")[:2] == (
        "NoSuchKey", 404)


def test_versioned_bucket_keeps_versions(s3, bucket):
    try:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    except ClientError as e:                 # written by another family, maybe not yet
        if e.response["Error"]["Code"] != "NotImplemented":
            raise
        pytest.skip("PutBucketVersioning is not implemented yet")
    first = s3.put_object(Bucket=bucket, Key="k", Body=b"one")["VersionId"]
    upload_id, done = upload_parts(s3, bucket, "k", [b"two"])
    out = s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=upload_id,
                                       MultipartUpload={"Parts": done})
    assert out["VersionId"] and out["VersionId"] != first
    versions = s3.list_object_versions(Bucket=bucket, Prefix="k")["Versions"]
    assert [v["VersionId"] for v in versions] == [out["VersionId"], first]


FORM = ("The x-amz-copy-source-range value must be of the form bytes=first-last where first and "
        "last are the zero-based offsets of the first and last bytes to copy")


@pytest.mark.parametrize("text,expected", [
    ("bytes=1-0", {"Code": "InvalidArgument", "Message": FORM,
                   "ArgumentName": "x-amz-copy-source-range", "ArgumentValue": "bytes=1-0"}),
    ("bytes=0-100", {"Code": "InvalidArgument",
                     "Message": "Range specified is not valid for source object of size: 10",
                     "ArgumentName": "x-amz-copy-source-range", "ArgumentValue": "bytes=0-100"}),
    ("bytes=100-200", {"Code": "InvalidRequest",
                       "Message": "The specified copy range is invalid for the source object size"}),
])
def test_upload_part_copy_range_errors(s3, bucket, text, expected):
    # test_upload_part_copy_range: a reversed range is malformed, one starting past the end is
    # InvalidRequest, one ending past it InvalidArgument
    s3.put_object(Bucket=bucket, Key="src", Body=b"0123456789")
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="dst")["UploadId"]
    with pytest.raises(ClientError) as e:
        s3.upload_part_copy(Bucket=bucket, Key="dst", UploadId=upload_id, PartNumber=1,
                            CopySource=f"{bucket}/src", CopySourceRange=text)
    assert e.value.response["Error"] == expected


def test_upload_part_copy_checks_its_request_before_the_upload(nuvem, s3, bucket):
    # versitygw's UploadPartCopy_invalid_part_number and _invalid_copy_source: an upload id
    # that names nothing is not what they are told about
    assert error(s3.upload_part_copy, Bucket=bucket, Key="k", UploadId="made-up",
                 PartNumber=-10, CopySource="bucket/key")[:2] == ("InvalidArgument", 400)
    client = nuvem.client("s3")     # the header as sent, not as botocore would quote it
    client.meta.events.register("before-call.s3.UploadPartCopy", lambda params, **_:
                                params["headers"].update({"x-amz-copy-source": "bucket/%ZZ"}))
    assert error(client.upload_part_copy, Bucket=bucket, Key="k", UploadId="made-up",
                 PartNumber=1, CopySource="placeholder/key") == \
        ("InvalidArgument", 400, "Invalid copy source encoding")
    assert error(s3.upload_part_copy, Bucket=bucket, Key="k", UploadId="made-up",
                 PartNumber=1, CopySource=f"{bucket}/key")[:2] == ("NoSuchUpload", 404)


def test_upload_part_copy_with_range(s3, bucket):
    source = bytes(range(256)) * (24 * 1024)           # 6 MiB
    s3.put_object(Bucket=bucket, Key="src", Body=source)
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="dst")["UploadId"]
    first = s3.upload_part_copy(Bucket=bucket, Key="dst", UploadId=upload_id, PartNumber=1,
                                CopySource={"Bucket": bucket, "Key": "src"},
                                CopySourceRange=f"bytes=0-{5 * MiB - 1}")
    assert first["CopyPartResult"]["ETag"] == '"%s"' % hashlib.md5(source[:5 * MiB]).hexdigest()
    assert "LastModified" in first["CopyPartResult"]
    second = s3.upload_part_copy(Bucket=bucket, Key="dst", UploadId=upload_id, PartNumber=2,
                                 CopySource=f"{bucket}/src", CopySourceRange="bytes=100-199")
    code, status, _ = error(s3.upload_part_copy, Bucket=bucket, Key="dst", UploadId=upload_id,
                            PartNumber=3, CopySource=f"{bucket}/src",
                            CopySourceRange=f"bytes=0-{len(source)}")
    assert (code, status) == ("InvalidArgument", 400)
    code, status, _ = error(s3.upload_part_copy, Bucket=bucket, Key="dst", UploadId=upload_id,
                            PartNumber=3, CopySource=f"{bucket}/src", CopySourceRange="bytes=5-")
    assert (code, status) == ("InvalidArgument", 400)
    code, status, _ = error(s3.upload_part_copy, Bucket=bucket, Key="dst", UploadId=upload_id,
                            PartNumber=3, CopySource=f"{bucket}/src",
                            CopySourceIfMatch='"nope"')
    assert (code, status) == ("PreconditionFailed", 412)
    assert error(s3.upload_part_copy, Bucket=bucket, Key="dst", UploadId=upload_id,
                 PartNumber=3, CopySource=f"{bucket}/missing")[:2] == ("NoSuchKey", 404)
    parts = [{"PartNumber": 1, "ETag": first["CopyPartResult"]["ETag"]},
             {"PartNumber": 2, "ETag": second["CopyPartResult"]["ETag"]}]
    s3.complete_multipart_upload(Bucket=bucket, Key="dst", UploadId=upload_id,
                                 MultipartUpload={"Parts": parts})
    body = s3.get_object(Bucket=bucket, Key="dst")["Body"].read()
    assert body == source[:5 * MiB] + source[100:200]


def test_crc32_composite_checksum(s3, bucket):
    tail = b"z" * 1000
    created = s3.create_multipart_upload(Bucket=bucket, Key="k", ChecksumAlgorithm="CRC32")
    assert created["ChecksumAlgorithm"] == "CRC32"
    assert created["ChecksumType"] == "COMPOSITE"
    upload_id = created["UploadId"]
    done = []
    for number, body in enumerate([P1, P2, tail], 1):
        out = s3.upload_part(Bucket=bucket, Key="k", UploadId=upload_id, PartNumber=number,
                             Body=body, ChecksumAlgorithm="CRC32")
        assert out["ChecksumCRC32"] == crc32_b64(body)
        done.append({"PartNumber": number, "ETag": out["ETag"],
                     "ChecksumCRC32": out["ChecksumCRC32"]})
    listed = s3.list_parts(Bucket=bucket, Key="k", UploadId=upload_id)
    assert listed["ChecksumAlgorithm"] == "CRC32" and listed["ChecksumType"] == "COMPOSITE"
    assert [p["ChecksumCRC32"] for p in listed["Parts"]] == [d["ChecksumCRC32"] for d in done]
    uploads = s3.list_multipart_uploads(Bucket=bucket)["Uploads"]
    assert uploads[0]["ChecksumAlgorithm"] == "CRC32"
    # part checksums are required in the complete request of a composite upload
    code, status, message = error(
        s3.complete_multipart_upload, Bucket=bucket, Key="k", UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": d["PartNumber"], "ETag": d["ETag"]}
                                   for d in done]})
    assert (code, status) == ("InvalidRequest", 400) and "missing for part 1" in message
    wrong = [dict(done[0], ChecksumCRC32=crc32_b64(b"other"))] + done[1:]
    assert error(s3.complete_multipart_upload, Bucket=bucket, Key="k", UploadId=upload_id,
                 MultipartUpload={"Parts": wrong})[:2] == ("InvalidPart", 400)
    out = s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=upload_id,
                                       MultipartUpload={"Parts": done})
    digests = b"".join(base64.b64decode(d["ChecksumCRC32"]) for d in done)
    expected = crc32_b64(digests) + "-3"
    assert out["ChecksumCRC32"] == expected and out["ChecksumType"] == "COMPOSITE"
    head = s3.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert head["ChecksumCRC32"] == expected and head["ChecksumType"] == "COMPOSITE"
    attrs = s3.get_object_attributes(Bucket=bucket, Key="k",
                                     ObjectAttributes=["ObjectParts", "Checksum", "ETag",
                                                       "ObjectSize"])
    assert attrs["ETag"] == multipart_etag(P1, P2, tail).strip('"')
    assert attrs["ObjectSize"] == 10 * MiB + len(tail)
    # without its part count (LocalStack's AWS-validated test_complete_multipart_parts_checksum)
    assert attrs["Checksum"] == {"ChecksumCRC32": crc32_b64(digests), "ChecksumType": "COMPOSITE"}
    parts = attrs["ObjectParts"]
    assert parts["TotalPartsCount"] == 3
    assert [(p["PartNumber"], p["Size"], p["ChecksumCRC32"]) for p in parts["Parts"]] == \
        [(1, 5 * MiB, done[0]["ChecksumCRC32"]), (2, 5 * MiB, done[1]["ChecksumCRC32"]),
         (3, len(tail), done[2]["ChecksumCRC32"])]
    page = s3.get_object_attributes(Bucket=bucket, Key="k", ObjectAttributes=["ObjectParts"],
                                    MaxParts=2, PartNumberMarker=1)["ObjectParts"]
    assert [p["PartNumber"] for p in page["Parts"]] == [2, 3]
    assert page["IsTruncated"] is False and page["NextPartNumberMarker"] == 3
    page = s3.get_object_attributes(Bucket=bucket, Key="k", ObjectAttributes=["ObjectParts"],
                                    MaxParts=1)["ObjectParts"]
    assert page["IsTruncated"] is True and page["NextPartNumberMarker"] == 1
    page = s3.get_object_attributes(Bucket=bucket, Key="k", ObjectAttributes=["ObjectParts"],
                                    MaxParts=1, PartNumberMarker=10)["ObjectParts"]
    assert "Parts" not in page and page["NextPartNumberMarker"] == 0


def test_full_object_crc(s3, bucket):
    tail = b"t" * 3000
    created = s3.create_multipart_upload(Bucket=bucket, Key="k", ChecksumAlgorithm="CRC32",
                                         ChecksumType="FULL_OBJECT")
    assert created["ChecksumType"] == "FULL_OBJECT"
    upload_id = created["UploadId"]
    done = []
    for number, body in enumerate([P1, tail], 1):
        out = s3.upload_part(Bucket=bucket, Key="k", UploadId=upload_id, PartNumber=number,
                             Body=body, ChecksumAlgorithm="CRC32")
        done.append({"PartNumber": number, "ETag": out["ETag"]})
    out = s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=upload_id,
                                       MultipartUpload={"Parts": done},
                                       ChecksumType="FULL_OBJECT")
    assert out["ChecksumCRC32"] == crc32_b64(P1 + tail)
    assert out["ChecksumType"] == "FULL_OBJECT"


def test_checksum_type_is_read_in_any_case_and_checked_first(s3, bucket):
    # versitygw's CreateMultipartUpload_valid_algo_type and _invalid_checksum_type
    created = s3.create_multipart_upload(Bucket=bucket, Key="k", ChecksumAlgorithm="crc32C",
                                         ChecksumType="Full_Object")
    assert (created["ChecksumAlgorithm"], created["ChecksumType"]) == ("CRC32C", "FULL_OBJECT")
    assert error(s3.create_multipart_upload, Bucket=bucket, Key="k",
                 ChecksumType="invalid_checksum_type") == (
        "InvalidRequest", 400, "Value for x-amz-checksum-type header is invalid.")


def test_default_checksum_is_full_object_crc64nvme(s3, bucket):
    upload_id, done = upload_parts(s3, bucket, "k", [P1, b"end"])
    out = s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=upload_id,
                                       MultipartUpload={"Parts": done})
    from nuvem.protocol import checksums
    assert out["ChecksumCRC64NVME"] == checksums.compute("CRC64NVME", P1 + b"end")
    assert out["ChecksumType"] == "FULL_OBJECT"
    attrs = s3.get_object_attributes(Bucket=bucket, Key="k", ObjectAttributes=["ObjectParts"])
    assert attrs["ObjectParts"]["TotalPartsCount"] == 2


def test_checksum_mode_errors(s3, bucket):
    for kwargs in ({"ChecksumType": "FULL_OBJECT"},
                   {"ChecksumAlgorithm": "SHA256", "ChecksumType": "FULL_OBJECT"},
                   {"ChecksumAlgorithm": "CRC64NVME", "ChecksumType": "COMPOSITE"}):
        code, status, _ = error(s3.create_multipart_upload, Bucket=bucket, Key="k", **kwargs)
        assert (code, status) == ("InvalidRequest", 400), kwargs
    created = s3.create_multipart_upload(Bucket=bucket, Key="k", ChecksumAlgorithm="SHA256")
    code, status, message = error(s3.upload_part, Bucket=bucket, Key="k",
                                  UploadId=created["UploadId"], PartNumber=1, Body=b"x",
                                  ChecksumAlgorithm="CRC32")
    assert (code, status) == ("InvalidRequest", 400) and "mismatch" in message


def test_composite_upload_parts_must_carry_its_checksum(nuvem, bucket):
    # LocalStack's AWS-validated test_multipart_parts_checksum_exceptions; a full-object
    # upload's part checksum S3 computes itself
    s3 = nuvem.client("s3", request_checksum_calculation="when_required")
    composite = s3.create_multipart_upload(Bucket=bucket, Key="k", ChecksumAlgorithm="SHA256")
    assert error(s3.upload_part, Bucket=bucket, Key="k", UploadId=composite["UploadId"],
                 PartNumber=1, Body=b"x") == (
        "InvalidRequest", 400, "Checksum Type mismatch occurred, expected checksum Type: sha256, "
                               "actual checksum Type: null")
    full = s3.create_multipart_upload(Bucket=bucket, Key="k", ChecksumAlgorithm="CRC32",
                                      ChecksumType="FULL_OBJECT")
    part = s3.upload_part(Bucket=bucket, Key="k", UploadId=full["UploadId"], PartNumber=1,
                          Body=b"x")
    assert part["ChecksumCRC32"] == base64.b64encode(zlib.crc32(b"x").to_bytes(4, "big")).decode()
    # a checksum the part was not uploaded with does not match it
    # (test_multipart_parts_checksum_exceptions)
    plain = s3.create_multipart_upload(Bucket=bucket, Key="p")["UploadId"]
    etag = s3.upload_part(Bucket=bucket, Key="p", UploadId=plain, PartNumber=1, Body=b"abc")["ETag"]
    sha256 = base64.b64encode(hashlib.sha256(b"abc").digest()).decode()
    parts = [{"PartNumber": 1, "ETag": etag, "ChecksumSHA256": sha256}]
    assert error(s3.complete_multipart_upload, Bucket=bucket, Key="p", UploadId=plain,
                 MultipartUpload={"Parts": parts})[:2] == ("InvalidPart", 400)


def test_aws_cli_cp_multipart(nuvem, s3, bucket, tmp_path):
    data = os.urandom(20 * MiB)
    source = tmp_path / "big.bin"
    source.write_bytes(data)
    nuvem.aws_cli("s3", "cp", str(source), f"s3://{bucket}/cli/big.bin")
    head = s3.head_object(Bucket=bucket, Key="cli/big.bin")
    assert head["ContentLength"] == len(data)
    assert head["ETag"].endswith('-3"')            # 8 MiB chunks: 8 + 8 + 4
    target = tmp_path / "back.bin"
    nuvem.aws_cli("s3", "cp", f"s3://{bucket}/cli/big.bin", str(target))
    assert target.read_bytes() == data
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=bucket)


def test_listing_markers_on_the_last_page(s3, bucket):
    # test_multipart_and_list_parts: the next markers are there even when nothing follows, and
    # no Prefix unless one was asked for
    assert {k: v for k, v in s3.list_multipart_uploads(Bucket=bucket).items()
            if k.startswith("Next") or k == "Prefix"} == {"NextKeyMarker": "",
                                                          "NextUploadIdMarker": ""}
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    assert s3.list_parts(Bucket=bucket, Key="k", UploadId=upload_id)["NextPartNumberMarker"] == 0
    out = s3.list_multipart_uploads(Bucket=bucket)
    assert (out["IsTruncated"], out["NextKeyMarker"], out["NextUploadIdMarker"]) == (
        False, "k", upload_id)
    assert s3.list_multipart_uploads(Bucket=bucket, Prefix="")["Prefix"] == ""


def test_complete_refusals_as_s3_words_them(s3, bucket):
    # test_multipart_complete_multipart_too_small, test_multipart_complete_multipart_wrong_part:
    # no body at all, parts too small, a part that is not there; ETags named unquoted
    upload_id, done = upload_parts(s3, bucket, "k", [b"test", b"test"])
    assert error(s3.complete_multipart_upload, Bucket=bucket, Key="k", UploadId=upload_id) == (
        "InvalidRequest", 400, "You must specify at least one part")
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=upload_id,
                                     MultipartUpload={"Parts": done})
    assert e.value.response["Error"] == {
        "Code": "EntityTooSmall", "ProposedSize": "4", "MinSizeAllowed": "5242880",
        "PartNumber": "1", "ETag": done[0]["ETag"].strip('"'),
        "Message": "Your proposed upload is smaller than the minimum allowed size"}
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=upload_id,
                                     MultipartUpload={"Parts": [{"PartNumber": 3,
                                                                 "ETag": done[0]["ETag"]}]})
    assert e.value.response["Error"] == {
        "Code": "InvalidPart", "UploadId": upload_id, "PartNumber": "3",
        "ETag": done[0]["ETag"].strip('"'),
        "Message": "One or more of the specified parts could not be found.  The part may not "
                   "have been uploaded, or the specified entity tag may not match the part's "
                   "entity tag."}


def test_complete_and_list_parts_refuse_negative_numbers(s3, bucket):
    # versitygw's CompleteMultipartUpload part-number cases, issues 1072 and 1383: a part number
    # below 1 and a negative x-amz-mp-object-size are refused before the parts are looked at,
    # a negative part-number-marker as max-parts is
    upload_id, done = upload_parts(s3, bucket, "k", [b"only"])
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=upload_id,
                                     MultipartUpload={"Parts": [{"PartNumber": 0, "ETag": "x"}]})
    assert (e.value.response["Error"]["Code"], e.value.response["Error"]["Message"],
            e.value.response["Error"]["ArgumentName"]) == \
        ("InvalidArgument", "PartNumber must be >= 1", "PartNumber")
    assert error(s3.complete_multipart_upload, Bucket=bucket, Key="k", UploadId=upload_id,
                 MpuObjectSize=-1, MultipartUpload={"Parts": done}) == (
        "InvalidRequest", 400, "Value for x-amz-mp-object-size header is less than zero: '-1'")
    assert error(s3.list_parts, Bucket=bucket, Key="k", UploadId=upload_id,
                 PartNumberMarker=-2) == (
        "InvalidArgument", 400,
        "Argument part-number-marker must be an integer between 0 and 2147483647")
    s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=upload_id,
                                 MpuObjectSize=4, MultipartUpload={"Parts": done})


def test_an_empty_number_in_the_query_is_not_sent(nuvem, s3, bucket):
    # LocalStack's AWS-validated test_list_parts_empty_part_number_marker: S3 takes
    # `part-number-marker=` and `max-parts=` as absent (boto3 must not validate to send them)
    raw = nuvem.client("s3", parameter_validation=False)
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    s3.upload_part(Bucket=bucket, Key="k", UploadId=upload_id, PartNumber=1, Body=b"data")
    for blank in ({"PartNumberMarker": ""}, {"MaxParts": ""}):
        page = raw.list_parts(Bucket=bucket, Key="k", UploadId=upload_id, **blank)
        assert (page["PartNumberMarker"], page["MaxParts"], page["NextPartNumberMarker"]) == \
            (0, 1000, 1)
        assert [p["PartNumber"] for p in page["Parts"]] == [1]
