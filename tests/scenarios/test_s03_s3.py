"""S3: a bucket made public step by step, a static website, and the everyday S3 features, with
boto3, raw HTTP (what a browser or curl does) and the AWS CLI."""
import hashlib
import json
import os
import urllib.error
import urllib.request

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

BUCKET = "studies-s3"
PUBLIC_READ = {"Version": "2012-10-17", "Statement": [{
    "Sid": "PublicRead", "Effect": "Allow", "Principal": "*",
    "Action": ["s3:GetObject", "s3:GetObjectVersion"],
    "Resource": [f"arn:aws:s3:::{BUCKET}/*"]}]}


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None     # let the test see the 301/302 itself


_opener = urllib.request.build_opener(_NoRedirects)


def http(url, *, method="GET", host=None, headers=None, data=None):
    """An unsigned request to 127.0.0.1, optionally with another Host header."""
    request = urllib.request.Request(url, method=method, data=data,
                                     headers={**({"Host": host} if host else {}), **(headers or {})})
    try:
        with _opener.open(request, timeout=10) as response:
            return response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers


@pytest.fixture(scope="module")
def site(nuvem):
    s3 = nuvem.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="corinthians.jpeg", Body=b"\xff\xd8\xff\xe0JPEG",
                  ContentType="image/jpeg")
    return s3


def test_public_access_step_by_step(nuvem, site):
    url = f"{nuvem.endpoint}/{BUCKET}/corinthians.jpeg"
    status, body, _ = http(url)
    assert status == 403 and b"<Code>AccessDenied</Code>" in body
    site.put_public_access_block(Bucket=BUCKET, PublicAccessBlockConfiguration={
        "BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": False,
        "RestrictPublicBuckets": False})
    assert http(url)[0] == 403                  # no policy grants anything yet
    site.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(PUBLIC_READ))
    status, body, headers = http(url)
    assert (status, body) == (200, b"\xff\xd8\xff\xe0JPEG")
    assert headers["Content-Type"] == "image/jpeg"
    # virtual-host style, as a browser would send it
    port = nuvem.endpoint.rsplit(":", 1)[1]
    status, body, _ = http(f"http://127.0.0.1:{port}/corinthians.jpeg",
                           host=f"{BUCKET}.s3.us-east-1.localhost:{port}")
    assert (status, body) == (200, b"\xff\xd8\xff\xe0JPEG")
    # the bucket root is a list request, which the policy does not allow
    status, body, _ = http(f"{nuvem.endpoint}/{BUCKET}")
    assert status == 403 and b"AccessDenied" in body
    # without s3:ListBucket a missing key is 403, not 404 (keys cannot be probed)
    assert http(f"{nuvem.endpoint}/{BUCKET}/nothing-here")[0] == 403
    assert site.get_bucket_policy_status(Bucket=BUCKET)["PolicyStatus"]["IsPublic"] is True


def test_block_public_policy_refuses_a_public_policy(nuvem):
    s3 = nuvem.client("s3")
    s3.create_bucket(Bucket="guarded-bucket")
    s3.put_public_access_block(Bucket="guarded-bucket", PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True})
    policy = json.dumps({**PUBLIC_READ, "Statement": [{**PUBLIC_READ["Statement"][0],
                                                      "Resource": "arn:aws:s3:::guarded-bucket/*"}]})
    with pytest.raises(ClientError) as e:
        s3.put_bucket_policy(Bucket="guarded-bucket", Policy=policy)
    assert e.value.response["Error"]["Code"] == "AccessDenied"


def test_static_website(nuvem, site):
    site.put_object(Bucket=BUCKET, Key="index.html", Body=b"<h1>home</h1>", ContentType="text/html")
    site.put_object(Bucket=BUCKET, Key="docs/index.html", Body=b"<h1>docs</h1>",
                    ContentType="text/html")
    site.put_object(Bucket=BUCKET, Key="error.html", Body=b"<h1>oops</h1>", ContentType="text/html")
    site.put_object(Bucket=BUCKET, Key="moved.html", Body=b"", WebsiteRedirectLocation="/index.html")
    site.put_bucket_website(Bucket=BUCKET, WebsiteConfiguration={
        "IndexDocument": {"Suffix": "index.html"}, "ErrorDocument": {"Key": "error.html"},
        "RoutingRules": [{"Condition": {"KeyPrefixEquals": "old/"},
                          "Redirect": {"ReplaceKeyPrefixWith": "docs/"}}]})
    site.delete_public_access_block(Bucket=BUCKET)
    site.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(PUBLIC_READ))
    port = nuvem.endpoint.rsplit(":", 1)[1]
    base = f"http://127.0.0.1:{port}"
    for host in (f"{BUCKET}.s3-website.us-east-1.localhost:{port}",
                 f"{BUCKET}.s3-website-us-east-1.localhost:{port}"):
        status, body, headers = http(base + "/", host=host)
        assert (status, body) == (200, b"<h1>home</h1>")
        assert headers["Content-Type"] == "text/html"
    host = f"{BUCKET}.s3-website.us-east-1.localhost:{port}"
    assert http(base + "/docs/", host=host)[:2] == (200, b"<h1>docs</h1>")
    status, _, headers = http(base + "/docs", host=host)
    assert status == 302 and headers["Location"] == "/docs/"
    status, body, _ = http(base + "/missing.html", host=host)
    assert (status, body) == (403, b"<h1>oops</h1>")   # no s3:ListBucket: 403, error document
    status, _, headers = http(base + "/old/page.html", host=host)
    assert status == 301 and headers["Location"].endswith("/docs/page.html")
    status, _, headers = http(base + "/moved.html", host=host)
    assert status == 301 and headers["Location"] == "/index.html"
    assert http(base + "/", host=host, method="POST", data=b"x")[0] == 405


def test_website_without_configuration_is_404(nuvem):
    s3 = nuvem.client("s3")
    s3.create_bucket(Bucket="no-website-here")
    port = nuvem.endpoint.rsplit(":", 1)[1]
    status, body, _ = http(f"http://127.0.0.1:{port}/",
                           host=f"no-website-here.s3-website-us-east-1.localhost:{port}")
    assert status == 404 and b"NoSuchWebsiteConfiguration" in body


@pytest.fixture(scope="module")
def s3_user(nuvem):
    """An IAM user with AmazonS3FullAccess: its presigned URLs are really verified."""
    iam = nuvem.client("iam")
    iam.create_user(UserName="presigner")
    iam.attach_user_policy(UserName="presigner",
                           PolicyArn="arn:aws:iam::aws:policy/AmazonS3FullAccess")
    key = iam.create_access_key(UserName="presigner")["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


@pytest.mark.parametrize("version", ["s3v4", None])      # None: botocore's default (SigV2)
def test_presigned_urls(nuvem, site, s3_user, version):
    import boto3
    s3 = boto3.client("s3", endpoint_url=nuvem.endpoint, region_name="us-east-1",
                      aws_access_key_id=s3_user[0], aws_secret_access_key=s3_user[1],
                      config=Config(signature_version=version) if version else None)
    put = s3.generate_presigned_url("put_object", Params={"Bucket": BUCKET, "Key": "up.bin"})
    # like `curl -T`: no Content-Type (SigV2 signs it; urllib would add a form type)
    assert http(put, method="PUT", data=b"uploaded", headers={"Content-Type": ""})[0] == 200
    get = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "up.bin"},
                                    ExpiresIn=60)
    assert http(get)[:2] == (200, b"uploaded")
    status, body, _ = http(get.replace("up.bin", "corinthians.jpeg"))
    assert status == 403 and b"SignatureDoesNotMatch" in body


def test_cors_preflight_and_headers(nuvem, site):
    site.put_bucket_cors(Bucket=BUCKET, CORSConfiguration={"CORSRules": [{
        "AllowedOrigins": ["https://studies.example"], "AllowedMethods": ["GET", "PUT"],
        "AllowedHeaders": ["*"], "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 600}]})
    url = f"{nuvem.endpoint}/{BUCKET}/corinthians.jpeg"
    status, _, headers = http(url, method="OPTIONS", headers={
        "Origin": "https://studies.example", "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "content-type"})
    assert status == 200
    assert headers["Access-Control-Allow-Origin"] == "https://studies.example"
    assert "PUT" in headers["Access-Control-Allow-Methods"]
    assert headers["Access-Control-Max-Age"] == "600"
    status, body, _ = http(url, method="OPTIONS", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "PUT"})
    assert status == 403 and b"AccessForbidden" in body
    status, _, headers = http(url, headers={"Origin": "https://studies.example"})
    assert headers["Access-Control-Allow-Origin"] == "https://studies.example"


def test_aws_cli_s3_commands(nuvem, tmp_path):
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_bytes(b"alpha")
    (src / "sub" / "b.txt").write_bytes(b"beta")
    big = src / "big.bin"
    big.write_bytes(os.urandom(9 * 1024 * 1024))      # the CLI uploads this in parts
    assert nuvem.aws_cli("s3", "mb", "s3://cli-studies").returncode == 0
    nuvem.aws_cli("s3", "sync", str(src), "s3://cli-studies/site")
    listing = nuvem.aws_cli("s3", "ls", "--recursive", "s3://cli-studies").stdout
    assert "site/a.txt" in listing and "site/sub/b.txt" in listing and "site/big.bin" in listing
    out = tmp_path / "out"
    nuvem.aws_cli("s3", "cp", "--recursive", "s3://cli-studies/site", str(out))
    assert (out / "sub" / "b.txt").read_bytes() == b"beta"
    assert hashlib.md5((out / "big.bin").read_bytes()).digest() == hashlib.md5(big.read_bytes()).digest()
    etag = nuvem.client("s3").head_object(Bucket="cli-studies", Key="site/big.bin")["ETag"]
    assert etag.endswith('-2"')                         # multipart: md5 of md5s, 2 parts
    url = nuvem.aws_cli("s3", "presign", "s3://cli-studies/site/a.txt").stdout.strip()
    assert http(url)[:2] == (200, b"alpha")
    nuvem.aws_cli("s3", "rm", "--recursive", "s3://cli-studies/site")
    assert nuvem.aws_cli("s3", "rb", "s3://cli-studies").returncode == 0


def curl(*args: str) -> tuple[int, bytes]:
    """Plain curl, as a user types it: returns (HTTP status, body)."""
    import shutil
    import subprocess
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    out = subprocess.run(["curl", "-s", "-o", "-", "-w", "\n%{http_code}", *args],
                         capture_output=True, timeout=30, check=True).stdout
    body, _, status = out.rpartition(b"\n")
    return int(status), body


def test_curl_anonymous_presigned_and_website(nuvem, site, s3_user):
    import boto3
    port = nuvem.endpoint.rsplit(":", 1)[1]
    site.delete_public_access_block(Bucket=BUCKET)
    site.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(PUBLIC_READ))
    assert curl(f"{nuvem.endpoint}/{BUCKET}/corinthians.jpeg") == (200, b"\xff\xd8\xff\xe0JPEG")
    # virtual-host style with curl's own name resolution pinned to loopback
    assert curl("--resolve", f"{BUCKET}.s3.us-east-1.localhost:{port}:127.0.0.1",
                f"http://{BUCKET}.s3.us-east-1.localhost:{port}/corinthians.jpeg")[0] == 200
    s3 = boto3.client("s3", endpoint_url=nuvem.endpoint, region_name="us-east-1",
                      aws_access_key_id=s3_user[0], aws_secret_access_key=s3_user[1],
                      config=Config(signature_version="s3v4"))
    url = s3.generate_presigned_url("put_object", Params={"Bucket": BUCKET, "Key": "curl.txt"})
    assert curl("-X", "PUT", "--data-binary", "from curl", "-H", "Content-Type:", url)[0] == 200
    assert curl(f"{nuvem.endpoint}/{BUCKET}/curl.txt") == (200, b"from curl")
    site.put_bucket_website(Bucket=BUCKET, WebsiteConfiguration={
        "IndexDocument": {"Suffix": "curl.txt"}})
    host = f"{BUCKET}.s3-website-us-east-1.localhost"
    assert curl("--resolve", f"{host}:{port}:127.0.0.1", f"http://{host}:{port}/") == \
        (200, b"from curl")
