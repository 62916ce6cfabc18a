"""SSE-C: blocked on new buckets until unblocked, the key checked on every write and read."""
import base64
import hashlib
import json
import os

import pytest
from botocore.exceptions import ClientError

KEY, OTHER = os.urandom(32), os.urandom(32)


def sse(key: bytes = KEY, prefix: str = "") -> dict:
    """boto3 base64-encodes the key and adds its MD5 itself."""
    return {f"{prefix}SSECustomerAlgorithm": "AES256", f"{prefix}SSECustomerKey": key}


def error(exc_info) -> tuple[int, str, str]:
    response = exc_info.value.response
    return (response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"],
            response["Error"].get("Message", ""))


def unblock(s3, bucket):
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [{
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
        "BlockedEncryptionTypes": {"EncryptionType": ["NONE"]}}]})


def test_new_buckets_block_sse_c_writes_until_unblocked(s3, bucket):
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["BlockedEncryptionTypes"] == {"EncryptionType": ["SSE-C"]}
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="k", Body=b"x", **sse())
    assert error(e)[:2] == (403, "AccessDenied")
    with pytest.raises(ClientError) as e:
        s3.create_multipart_upload(Bucket=bucket, Key="k", **sse())
    assert error(e)[:2] == (403, "AccessDenied")
    unblock(s3, bucket)
    assert s3.put_object(Bucket=bucket, Key="k", Body=b"x", **sse())["SSECustomerAlgorithm"] == \
        "AES256"
    # changing the default encryption without naming the blocked types keeps them as they are
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [{
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": True}]})
    s3.put_object(Bucket=bucket, Key="k2", Body=b"x", **sse())
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [{
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
        "BlockedEncryptionTypes": {"EncryptionType": ["SSE-C"]}}]})
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="k3", Body=b"x", **sse())
    assert error(e)[:2] == (403, "AccessDenied")
    # objects written before stay readable with their key
    assert s3.get_object(Bucket=bucket, Key="k", **sse())["Body"].read() == b"x"


def test_reads_need_the_key_the_object_was_written_with(s3, bucket):
    unblock(s3, bucket)
    put = s3.put_object(Bucket=bucket, Key="secret", Body=b"diary", **sse())
    md5 = base64.b64encode(hashlib.md5(KEY).digest()).decode()
    assert put["SSECustomerKeyMD5"] == md5 and "ServerSideEncryption" not in put
    got = s3.get_object(Bucket=bucket, Key="secret", **sse())
    assert got["Body"].read() == b"diary"
    assert (got["SSECustomerAlgorithm"], got["SSECustomerKeyMD5"]) == ("AES256", md5)
    assert s3.head_object(Bucket=bucket, Key="secret", **sse())["ContentLength"] == 5
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="secret")
    assert error(e) == (400, "InvalidRequest", "The object was stored using a form of Server "
                        "Side Encryption. The correct parameters must be provided to retrieve "
                        "the object.")
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key="secret")
    assert error(e)[0] == 400
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="secret", **sse(OTHER))
    assert error(e)[:2] == (403, "AccessDenied")
    with pytest.raises(ClientError) as e:
        s3.get_object_attributes(Bucket=bucket, Key="secret", ObjectAttributes=["ObjectSize"])
    assert error(e)[:2] == (400, "InvalidRequest")
    # (botocore encodes the key for GetObject and friends only: here it is sent as S3 takes it)
    assert s3.get_object_attributes(Bucket=bucket, Key="secret", ObjectAttributes=["ObjectSize"],
                                    SSECustomerAlgorithm="AES256", SSECustomerKeyMD5=md5,
                                    SSECustomerKey=base64.b64encode(KEY).decode())[
        "ObjectSize"] == 5
    s3.put_object(Bucket=bucket, Key="plain", Body=b"x")
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="plain", **sse())
    assert error(e) == (400, "InvalidRequest",
                        "The encryption parameters are not applicable to this object.")


@pytest.mark.parametrize("headers, code, argument", [
    ({"algorithm": "AES256"}, "InvalidArgument", "x-amz-server-side-encryption-customer-key"),
    ({"key": "k"}, "InvalidArgument", "x-amz-server-side-encryption-customer-algorithm"),
    ({"md5": "m"}, "InvalidArgument", "x-amz-server-side-encryption-customer-algorithm"),
    ({"algorithm": "AES256", "key": "k"}, "InvalidArgument",
     "x-amz-server-side-encryption-customer-key-MD5"),
    ({"algorithm": "AES128", "key": "k", "md5": "m"}, "InvalidEncryptionAlgorithmError",
     "x-amz-server-side-encryption-customer-algorithm"),
    ({"algorithm": "AES256", "key": "short", "md5": "m"}, "InvalidArgument",
     "x-amz-server-side-encryption-customer-key"),
    ({"algorithm": "AES256", "key": "k", "md5": "wrong"}, "InvalidArgument",
     "x-amz-server-side-encryption-customer-key-MD5"),
])
def test_incomplete_or_wrong_sse_c_headers_are_refused(nuvem, s3, bucket, headers, code, argument):
    unblock(s3, bucket)
    key = base64.b64encode(KEY).decode()
    values = {"algorithm": headers.get("algorithm"),
              "key": {"k": key, "short": base64.b64encode(b"short").decode()}.get(
                  headers.get("key")),
              "md5": {"m": base64.b64encode(hashlib.md5(KEY).digest()).decode(),
                      "wrong": base64.b64encode(hashlib.md5(OTHER).digest()).decode()}.get(
                  headers.get("md5"))}
    sent = {f"x-amz-server-side-encryption-customer-{name}": value
            for name, value in (("algorithm", values["algorithm"]), ("key", values["key"]),
                                ("key-MD5", values["md5"])) if value is not None}
    raw = nuvem.client("s3")       # the headers as given, signed (boto3 would add the MD5)

    def add_headers(request, **_):
        for name, value in sent.items():
            request.headers[name] = value
    raw.meta.events.register("before-sign.s3.PutObject", add_headers)
    with pytest.raises(ClientError) as e:
        raw.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert error(e)[:2] == (400, code)
    assert e.value.response["Error"]["ArgumentName"] == argument
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="k")          # nothing was written


def test_copies_and_multipart_uploads_carry_the_key(s3, bucket):
    unblock(s3, bucket)
    s3.put_object(Bucket=bucket, Key="src", Body=b"payload", **sse())
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="dst", CopySource=f"{bucket}/src")
    assert error(e)[0] == 400
    s3.copy_object(Bucket=bucket, Key="dst", CopySource=f"{bucket}/src",
                   **sse(prefix="CopySource"), **sse(OTHER))
    assert s3.get_object(Bucket=bucket, Key="dst", **sse(OTHER))["Body"].read() == b"payload"
    s3.copy_object(Bucket=bucket, Key="clear", CopySource=f"{bucket}/src",
                   **sse(prefix="CopySource"))
    assert s3.get_object(Bucket=bucket, Key="clear")["Body"].read() == b"payload"

    upload = s3.create_multipart_upload(Bucket=bucket, Key="big", **sse())["UploadId"]
    with pytest.raises(ClientError) as e:
        s3.upload_part(Bucket=bucket, Key="big", UploadId=upload, PartNumber=1, Body=b"a")
    assert error(e)[:2] == (400, "InvalidRequest")
    with pytest.raises(ClientError) as e:
        s3.upload_part(Bucket=bucket, Key="big", UploadId=upload, PartNumber=1, Body=b"a",
                       **sse(OTHER))
    assert error(e)[:2] == (400, "InvalidRequest")
    part = s3.upload_part(Bucket=bucket, Key="big", UploadId=upload, PartNumber=1, Body=b"a",
                          **sse())
    assert part["SSECustomerAlgorithm"] == "AES256"
    s3.complete_multipart_upload(Bucket=bucket, Key="big", UploadId=upload, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    assert s3.get_object(Bucket=bucket, Key="big", **sse())["Body"].read() == b"a"
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="big")
    assert error(e)[0] == 400


def test_a_bucket_policy_can_require_sse_c(s3, bucket):
    # s3:x-amz-server-side-encryption-customer-algorithm is the request's algorithm
    # (ceph/s3-tests' test_encryption_sse_c_enforced_with_bucket_policy)
    unblock(s3, bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
        "Condition": {"Null": {"s3:x-amz-server-side-encryption-customer-algorithm": "true"}}}]}))
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="plain", Body=b"x")
    assert error(e)[:2] == (403, "AccessDenied")
    s3.put_object(Bucket=bucket, Key="sealed", Body=b"x", **sse())


def test_sse_c_with_another_encryption_is_refused(s3, bucket):
    # (ceph/s3-tests' test_put_obj_enc_conflict_c_s3 and _c_kms; checked before the bucket's
    # SSE-C block)
    for other in ({"ServerSideEncryption": "AES256"},
                  {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": "some-key"}):
        with pytest.raises(ClientError) as e:
            s3.put_object(Bucket=bucket, Key="k", Body=b"x", **other, **sse())
        assert error(e) == (400, "InvalidArgument", "Server Side Encryption with Customer "
                            "provided key is incompatible with the encryption method specified")
