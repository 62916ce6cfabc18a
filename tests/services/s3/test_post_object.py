"""S3 browser-based uploads (POST Object) over the wire: forms signed by boto3's
generate_presigned_post (SigV4 and SigV2), sent as hand-built multipart/form-data."""
import base64
import hashlib
import hmac
import http.client
import itertools
import json
import uuid
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

_accounts = itertools.count(1)


def form_body(fields, file=b"hello", filename="hello.txt", with_file=True, extra_after=None):
    boundary = "----nuvem" + uuid.uuid4().hex
    out = bytearray()
    for name, value in (fields.items() if isinstance(fields, dict) else fields):
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
                ).encode() + value.encode() + b"\r\n"
    if with_file:
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                f"filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                ).encode() + file + b"\r\n"
    for name, value in (extra_after or {}).items():
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
                ).encode() + value.encode() + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def post(url, fields, host=None, origin=None, **kw):
    """POSTs the form without following redirects: (status, headers, body)."""
    body, content_type = form_body(fields, **kw)
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    headers = {"Content-Type": content_type}
    if host:
        headers["Host"] = host
    if origin:
        headers["Origin"] = origin
    conn.request("POST", parts.path or "/", body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, data


def error(body):
    root = ET.fromstring(body)
    return root.findtext("Code"), root.findtext("Message")


@pytest.fixture
def v4(nuvem):
    return nuvem.client("s3", signature_version="s3v4")


def test_sigv4_form_uploads_with_204_by_default(s3, v4, bucket):
    post_form = v4.generate_presigned_post(bucket, "docs/a.txt")
    assert post_form["fields"]["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    status, headers, body = post(post_form["url"], post_form["fields"], file=b"form bytes")
    assert (status, body) == (204, b"")
    assert headers["etag"] == f'"{hashlib.md5(b"form bytes").hexdigest()}"'
    assert headers["location"].endswith(f"/{bucket}/docs/a.txt")
    got = s3.get_object(Bucket=bucket, Key="docs/a.txt")
    assert got["Body"].read() == b"form bytes" and got["ETag"] == headers["etag"]


def test_default_signature_form_uploads(s3, bucket):
    post_form = s3.generate_presigned_post(bucket, "v2.txt")
    assert "signature" in post_form["fields"] or "x-amz-signature" in post_form["fields"]
    status, _, _ = post(post_form["url"], post_form["fields"], file=b"v2")
    assert status == 204
    assert s3.get_object(Bucket=bucket, Key="v2.txt")["Body"].read() == b"v2"


def test_sigv2_form_uploads(nuvem, s3, bucket):
    v2 = nuvem.client("s3", signature_version="s3")
    post_form = v2.generate_presigned_post(bucket, "v2b.txt")
    assert "AWSAccessKeyId" in post_form["fields"] and "signature" in post_form["fields"]
    assert post(post_form["url"], post_form["fields"], file=b"v2b")[0] == 204
    assert s3.get_object(Bucket=bucket, Key="v2b.txt")["Body"].read() == b"v2b"


def test_201_returns_post_response_document(s3, v4, bucket):
    post_form = v4.generate_presigned_post(
        bucket, "x/${filename}", Fields={"success_action_status": "201"},
        Conditions=[{"success_action_status": "201"}])
    status, headers, body = post(post_form["url"], post_form["fields"], filename="r&d.txt")
    assert status == 201 and headers["content-type"] == "application/xml"
    root = ET.fromstring(body)
    assert root.tag == "PostResponse"
    assert root.findtext("Bucket") == bucket and root.findtext("Key") == "x/r&d.txt"
    assert root.findtext("ETag") == f'"{hashlib.md5(b"hello").hexdigest()}"'
    assert root.findtext("Location").endswith(f"/{bucket}/x/r%26d.txt")
    s3.head_object(Bucket=bucket, Key="x/r&d.txt")


def test_200_status_and_invalid_status_falls_back_to_204(v4, bucket):
    post_form = v4.generate_presigned_post(bucket, "s", Fields={"success_action_status": "200"},
                                           Conditions=[{"success_action_status": "200"}])
    assert post(post_form["url"], post_form["fields"])[:3:2] == (200, b"")
    post_form = v4.generate_presigned_post(bucket, "s", Fields={"success_action_status": "999"},
                                           Conditions=[{"success_action_status": "999"}])
    assert post(post_form["url"], post_form["fields"])[0] == 204


def test_success_action_redirect_is_303_with_bucket_key_and_etag(v4, bucket):
    post_form = v4.generate_presigned_post(
        bucket, "r.txt", Fields={"success_action_redirect": "https://example.com/done?from=form"},
        Conditions=[["starts-with", "$success_action_redirect", "https://example.com/"]])
    status, headers, _ = post(post_form["url"], post_form["fields"])
    assert status == 303
    target = urlsplit(headers["location"])
    assert (target.scheme, target.netloc, target.path) == ("https", "example.com", "/done")
    query = parse_qs(target.query)
    assert query == {"from": ["form"], "bucket": [bucket], "key": ["r.txt"],
                     "etag": [f'"{hashlib.md5(b"hello").hexdigest()}"']}


def test_filename_substitution_keeps_only_the_base_name(s3, v4, bucket):
    post_form = v4.generate_presigned_post(bucket, "uploads/${filename}")
    status, _, _ = post(post_form["url"], post_form["fields"], filename="C:\\dir\\photo.jpg")
    assert status == 204
    assert s3.get_object(Bucket=bucket, Key="uploads/photo.jpg")["Body"].read() == b"hello"


def test_condition_failure_is_access_denied(v4, bucket):
    post_form = v4.generate_presigned_post(bucket, "allowed/${filename}")
    fields = {**post_form["fields"], "key": "elsewhere/file"}
    status, _, body = post(post_form["url"], fields)
    assert status == 403
    assert error(body) == ("AccessDenied", 'Invalid according to Policy: Policy Condition '
                                           'failed: ["starts-with", "$key", "allowed/"]')


def test_field_not_in_policy_is_an_extra_input_field(v4, bucket):
    post_form = v4.generate_presigned_post(bucket, "k")
    fields = {**post_form["fields"], "x-amz-meta-note": "hi", "x-ignore-me": "fine"}
    status, _, body = post(post_form["url"], fields)
    assert status == 403
    assert error(body) == ("AccessDenied",
                           "Invalid according to Policy: Extra input fields: x-amz-meta-note")


def test_a_policy_must_name_the_bucket(s3, bucket):
    # ceph/s3-tests' test_post_object_missing_policy_condition: the bucket posted to is a field
    credentials = s3._request_signer._credentials
    expires = (datetime.now(timezone.utc) + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    policy = base64.b64encode(json.dumps(
        {"expiration": expires, "conditions": [["starts-with", "$key", "foo"]]}).encode())
    signature = hmac.new(credentials.secret_key.encode(), policy, hashlib.sha1).digest()
    fields = {"key": "foo.txt", "AWSAccessKeyId": credentials.access_key,
              "policy": policy.decode(), "signature": base64.b64encode(signature).decode()}
    status, _, body = post(f"{s3.meta.endpoint_url}/{bucket}", fields)
    assert (status, error(body)) == (
        403, ("AccessDenied", "Invalid according to Policy: Extra input fields: bucket"))


def test_expired_policy_is_access_denied(v4, bucket):
    post_form = v4.generate_presigned_post(bucket, "late", ExpiresIn=-60)
    status, _, body = post(post_form["url"], post_form["fields"])
    assert status == 403
    assert error(body) == ("AccessDenied", "Invalid according to Policy: Policy expired.")


def test_expired_policy_with_the_manual_clock(manual_nuvem):
    s3 = manual_nuvem.client("s3", signature_version="s3v4")
    name = f"clock-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    post_form = s3.generate_presigned_post(name, "k", ExpiresIn=60)
    assert post(post_form["url"], post_form["fields"])[0] == 204
    server_now = datetime.fromisoformat(
        manual_nuvem.admin("GET", "/_nuvem/clock")["now"].replace("Z", "+00:00"))
    behind = (datetime.now(timezone.utc) + timedelta(seconds=120) - server_now).total_seconds()
    manual_nuvem.admin("POST", "/_nuvem/clock", {"advance": max(behind, 1)})
    status, _, body = post(post_form["url"], post_form["fields"])
    assert (status, error(body)[1]) == (403, "Invalid according to Policy: Policy expired.")


def test_content_length_range(s3, v4, bucket):
    post_form = v4.generate_presigned_post(bucket, "sized",
                                           Conditions=[["content-length-range", 5, 10]])
    status, _, body = post(post_form["url"], post_form["fields"], file=b"abc")
    assert status == 400 and error(body)[0] == "EntityTooSmall"
    assert ET.fromstring(body).findtext("MinSizeAllowed") == "5"
    status, _, body = post(post_form["url"], post_form["fields"], file=b"x" * 20)
    assert status == 400 and error(body)[0] == "EntityTooLarge"
    assert ET.fromstring(body).findtext("ProposedSize") == "20"
    assert post(post_form["url"], post_form["fields"], file=b"1234567")[0] == 204
    assert s3.get_object(Bucket=bucket, Key="sized")["ContentLength"] == 7


def test_large_file_streams_intact(s3, v4, bucket):
    data = (bytes(range(256)) * 4096 * 3) + b"\r\n--not-the-boundary\r\n" + b"tail"
    post_form = v4.generate_presigned_post(bucket, "big.bin")
    status, headers, _ = post(post_form["url"], post_form["fields"], file=data)
    assert status == 204 and headers["etag"] == f'"{hashlib.md5(data).hexdigest()}"'
    assert s3.get_object(Bucket=bucket, Key="big.bin")["Body"].read() == data


def test_fields_become_object_headers_metadata_and_tags(s3, v4, bucket):
    tagging = "<Tagging><TagSet><Tag><Key>team</Key><Value>web</Value></Tag></TagSet></Tagging>"
    fields = {"Content-Type": "text/plain", "x-amz-meta-origin": "browser", "tagging": tagging,
              "Cache-Control": "max-age=5"}
    post_form = v4.generate_presigned_post(
        bucket, "meta.txt", Fields=fields,
        Conditions=[["starts-with", "$Content-Type", "text/"], {"x-amz-meta-origin": "browser"},
                    {"tagging": tagging}, ["eq", "$cache-control", "max-age=5"]])
    assert post(post_form["url"], post_form["fields"])[0] == 204
    got = s3.get_object(Bucket=bucket, Key="meta.txt")
    assert (got["ContentType"], got["Metadata"], got["CacheControl"]) == \
        ("text/plain", {"origin": "browser"}, "max-age=5")
    assert s3.get_object_tagging(Bucket=bucket, Key="meta.txt")["TagSet"] == \
        [{"Key": "team", "Value": "web"}]


def test_sse_c_fields_encrypt_with_the_customer_key(s3, v4, bucket):
    key = base64.b64encode(b"k" * 32).decode()
    sse = {"x-amz-server-side-encryption-customer-algorithm": "AES256",
           "x-amz-server-side-encryption-customer-key": key,
           "x-amz-server-side-encryption-customer-key-MD5":
               base64.b64encode(hashlib.md5(b"k" * 32).digest()).decode()}
    post_form = v4.generate_presigned_post(bucket, "sealed.txt", Fields=sse,
                                           Conditions=[{name: value} for name, value in sse.items()])
    status, _, body = post(post_form["url"], post_form["fields"])
    assert (status, error(body)[0]) == (403, "AccessDenied")      # new buckets block SSE-C
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [{
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
        "BlockedEncryptionTypes": {"EncryptionType": ["NONE"]}}]})
    status, headers, _ = post(post_form["url"], post_form["fields"])
    assert status == 204
    assert headers["x-amz-server-side-encryption-customer-algorithm"] == "AES256"
    with pytest.raises(ClientError):
        s3.get_object(Bucket=bucket, Key="sealed.txt")
    assert s3.get_object(Bucket=bucket, Key="sealed.txt", SSECustomerAlgorithm="AES256",
                         SSECustomerKey=b"k" * 32)["Body"].read() == b"hello"


def test_missing_file_and_missing_key(v4, bucket):
    post_form = v4.generate_presigned_post(bucket, "k")
    status, _, body = post(post_form["url"], post_form["fields"], with_file=False)
    assert (status, error(body)) == (400, ("InvalidArgument", "POST requires exactly one file "
                                                             "upload per request."))
    fields = {k: v for k, v in post_form["fields"].items() if k != "key"}
    status, _, body = post(post_form["url"], fields)
    assert status == 400 and error(body)[0] == "InvalidArgument"
    assert error(body)[1].startswith("Bucket POST must contain a field named 'key'.")


def test_fields_after_the_file_are_ignored(s3, v4, bucket):
    post_form = v4.generate_presigned_post(bucket, "order")
    assert post(post_form["url"], post_form["fields"],
                extra_after={"x-amz-meta-late": "ignored"})[0] == 204
    assert s3.head_object(Bucket=bucket, Key="order")["Metadata"] == {}


def test_policy_without_signature_fields(v4, bucket):
    post_form = v4.generate_presigned_post(bucket, "k")
    fields = {"key": "k", "policy": post_form["fields"]["policy"]}
    status, _, body = post(post_form["url"], fields)
    assert status == 400 and error(body)[0] == "InvalidArgument"


def test_anonymous_form_needs_a_bucket_policy(s3, nuvem, bucket):
    url = f"{nuvem.endpoint}/{bucket}"
    status, _, body = post(url, {"key": "anon.txt"})
    assert (status, error(body)[0]) == (403, "AccessDenied")
    s3.delete_public_access_block(Bucket=bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": "*", "Action": "s3:PutObject",
            "Resource": f"arn:aws:s3:::{bucket}/public/*"}]}))
    assert post(url, {"key": "public/anon.txt"})[0] == 204
    assert s3.get_object(Bucket=bucket, Key="public/anon.txt")["Body"].read() == b"hello"
    assert post(url, {"key": "private/anon.txt"})[0] == 403


def test_virtual_host_style_form(s3, v4, nuvem, bucket):
    post_form = v4.generate_presigned_post(bucket, "vh.txt")
    status, headers, _ = post(f"{nuvem.endpoint}/", post_form["fields"],
                              host=f"{bucket}.localhost:{nuvem.port}")
    assert status == 204
    assert headers["location"] == f"http://{bucket}.localhost:{nuvem.port}/vh.txt"
    assert s3.get_object(Bucket=bucket, Key="vh.txt")["Body"].read() == b"hello"


@pytest.fixture
def iam_user(nuvem):
    """An account of its own, a bucket its root made, and a user with AmazonS3FullAccess."""
    account = f"{900000000000 + next(_accounts) * 7919 + uuid.uuid4().int % 7000:012d}"
    iam = nuvem.client("iam", key=account)
    root_s3 = nuvem.client("s3", key=account)
    bucket = f"post-iam-{uuid.uuid4().hex[:12]}"
    root_s3.create_bucket(Bucket=bucket)
    iam.create_user(UserName="uploader")
    iam.attach_user_policy(UserName="uploader",
                           PolicyArn="arn:aws:iam::aws:policy/AmazonS3FullAccess")
    key = iam.create_access_key(UserName="uploader")["AccessKey"]
    iam.create_user(UserName="nobody")
    weak = iam.create_access_key(UserName="nobody")["AccessKey"]

    def client(access, **config):
        return boto3.client("s3", endpoint_url=nuvem.endpoint, region_name="us-east-1",
                            aws_access_key_id=access["AccessKeyId"],
                            aws_secret_access_key=access["SecretAccessKey"],
                            config=Config(retries={"max_attempts": 1}, **config))
    return bucket, root_s3, client(key, signature_version="s3v4"), \
        client(key, signature_version="s3"), client(weak, signature_version="s3v4")


def test_iam_key_signature_is_verified(iam_user):
    bucket, root_s3, v4, v2, _ = iam_user
    post_form = v4.generate_presigned_post(bucket, "signed.txt")
    assert post(post_form["url"], post_form["fields"])[0] == 204
    assert root_s3.get_object(Bucket=bucket, Key="signed.txt")["Body"].read() == b"hello"
    tampered = {**post_form["fields"], "x-amz-signature": "0" * 64}
    status, _, body = post(post_form["url"], tampered)
    assert (status, error(body)[0]) == (403, "SignatureDoesNotMatch")
    policy = json.loads(base64.b64decode(post_form["fields"]["policy"]))
    policy["expiration"] = "2099-01-01T00:00:00Z"
    forged = {**post_form["fields"],
              "policy": base64.b64encode(json.dumps(policy).encode()).decode()}
    status, _, body = post(post_form["url"], forged)
    assert (status, error(body)[0]) == (403, "SignatureDoesNotMatch")
    v2_form = v2.generate_presigned_post(bucket, "signed-v2.txt")
    assert post(v2_form["url"], v2_form["fields"])[0] == 204
    bad = {**v2_form["fields"], "signature": base64.b64encode(
        hmac.new(b"wrong", v2_form["fields"]["policy"].encode(), hashlib.sha1).digest()).decode()}
    status, _, body = post(v2_form["url"], bad)
    assert (status, error(body)[0]) == (403, "SignatureDoesNotMatch")


def test_iam_user_without_permission_is_denied(iam_user):
    bucket, _, _, _, weak = iam_user
    post_form = weak.generate_presigned_post(bucket, "nope.txt")
    status, _, body = post(post_form["url"], post_form["fields"])
    code, message = error(body)
    assert (status, code) == (403, "AccessDenied")
    assert "is not authorized to perform: s3:PutObject" in message   # as a PutObject would


def test_session_credentials_sign_forms_with_their_token(iam_user, nuvem):
    bucket, root_s3, v4, _, _ = iam_user
    creds = v4._request_signer._credentials
    sts = boto3.client("sts", endpoint_url=nuvem.endpoint, region_name="us-east-1",
                       aws_access_key_id=creds.access_key, aws_secret_access_key=creds.secret_key)
    session = sts.get_session_token()["Credentials"]
    temp = boto3.client("s3", endpoint_url=nuvem.endpoint, region_name="us-east-1",
                        aws_access_key_id=session["AccessKeyId"],
                        aws_secret_access_key=session["SecretAccessKey"],
                        aws_session_token=session["SessionToken"],
                        config=Config(signature_version="s3v4"))
    post_form = temp.generate_presigned_post(bucket, "temp.txt")
    assert post_form["fields"]["x-amz-security-token"] == session["SessionToken"]
    assert post(post_form["url"], post_form["fields"])[0] == 204
    wrong = {**post_form["fields"], "x-amz-security-token": "bogus"}
    status, _, body = post(post_form["url"], wrong)
    assert (status, error(body)[0]) == (403, "InvalidAccessKeyId")


@pytest.mark.parametrize("body, content_type", [
    (b"garbage", "multipart/form-data; boundary=xyz"),
    (b"--xyz\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nk", "multipart/form-data; boundary=xyz"),
    (b"--xyz--\r\n", "multipart/form-data"),
])
def test_malformed_forms_are_s3_errors(nuvem, bucket, body, content_type):
    conn = http.client.HTTPConnection("127.0.0.1", nuvem.port, timeout=30)
    conn.request("POST", f"/{bucket}", body=body, headers={"Content-Type": content_type})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    assert response.status == 400 and error(data)[0] == "MalformedPOSTRequest"


def test_fields_before_the_file_are_limited_to_20_kb(v4, bucket):
    post_form = v4.generate_presigned_post(bucket, "k")
    status, _, body = post(post_form["url"], {**post_form["fields"], "x-ignore-pad": "p" * 30000})
    assert (status, error(body)[0]) == (400, "MaxPostPreDataLengthExceededError")


def test_form_to_a_missing_bucket(v4, nuvem):
    post_form = v4.generate_presigned_post("no-such-bucket-for-post", "k")
    status, _, body = post(post_form["url"], post_form["fields"])
    assert (status, error(body)[0]) == (404, "NoSuchBucket")


def test_a_file_part_that_never_closes_stores_nothing(s3, v4, bucket):
    post_form = v4.generate_presigned_post(bucket, "open")
    body, content_type = form_body(post_form["fields"], with_file=False)
    boundary = content_type.split("boundary=")[1]
    body = body[:body.rindex(f"--{boundary}--".encode())] + (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n").encode() \
        + b"x" * 3_000_000
    conn = http.client.HTTPConnection("127.0.0.1", urlsplit(post_form["url"]).port, timeout=30)
    conn.request("POST", f"/{bucket}", body=body, headers={"Content-Type": content_type})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    assert (response.status, error(data)[0]) == (400, "MalformedPOSTRequest")
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0


def test_a_cross_origin_form_upload_gets_cors_headers(s3, v4, bucket):
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [{
        "AllowedOrigins": ["https://app.example"], "AllowedMethods": ["POST"]}]})
    form = v4.generate_presigned_post(bucket, "cors.txt")
    status, headers, _ = post(form["url"], form["fields"], origin="https://app.example")
    assert status == 204
    assert headers["access-control-allow-origin"] == "https://app.example"
