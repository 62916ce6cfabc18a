"""S3 through a second SDK that is not botocore: the AWS SDK for JavaScript v3 (Node).

botocore ignores XML root element names; so does this SDK (its XML deserializer takes whatever
the first element is), so the script also records each response's root element on the wire and
checks it against AWS's name. The SDK is installed once with `npm ci` from
tests/sdk/js/package-lock.json (an exact, pinned version) into .cache/js-sdk/<lock hash>/,
reused across runs, under a file lock so that xdist workers install it once. Skipped only when Node is not installed at all; any other failure (npm missing, no
network, a failing step) fails the test.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
JS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "js")
CACHE = os.path.join(REPO, ".cache", "js-sdk")
MIN_NODE = 20   # the pinned SDK's engines field

STEPS = ["CreateBucket", "PutObject+GetObject", "DefaultChecksums", "ListObjectsV2", "ListBuckets",
         "HeadObject", "MultipartUpload", "GetBucketLocation", "BucketTagging", "BucketVersioning",
         "DeleteObjects", "ListObjectVersions", "GetObjectAttributes", "CopyObject", "Errors",
         "XmlRootElements"]

pytestmark = pytest.mark.slow


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the JavaScript SDK smoke test needs Node.js")
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True).stdout
    major = int(version.strip().lstrip("v").split(".")[0])
    assert major >= MIN_NODE, f"node {version.strip()} is too old for the pinned SDK (needs >= {MIN_NODE})"
    return node


@pytest.fixture(scope="session")
def js_sdk() -> tuple[str, str]:
    """(node, directory holding node_modules with the pinned @aws-sdk/client-s3)."""
    node = _node()
    npm = shutil.which("npm")
    assert npm is not None, "node is installed but npm is not: cannot install the JavaScript SDK"
    with open(os.path.join(JS, "package-lock.json"), "rb") as f:
        lock = f.read()
    target = os.path.join(CACHE, hashlib.sha256(lock).hexdigest()[:16])
    stamp = os.path.join(target, ".installed")
    os.makedirs(CACHE, exist_ok=True)
    with open(os.path.join(CACHE, ".lock"), "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)   # released when the file closes
        if not os.path.exists(stamp):
            shutil.rmtree(target, ignore_errors=True)
            os.makedirs(target)
            for name in ("package.json", "package-lock.json"):
                shutil.copy(os.path.join(JS, name), target)
            env = {**os.environ, "npm_config_cache": os.path.join(REPO, ".cache", "npm"),
                   "npm_config_update_notifier": "false", "npm_config_fund": "false",
                   "npm_config_audit": "false"}
            result = subprocess.run([npm, "ci", "--ignore-scripts", "--prefer-offline", "--no-progress"],
                                    cwd=target, env=env, capture_output=True, text=True, timeout=600)
            if result.returncode != 0:
                pytest.fail(f"npm ci failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
            open(stamp, "w").close()
    return node, target


def test_js_sdk_s3(js_sdk, nuvem):
    node, sdk_dir = js_sdk
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
           "AWS_REGION": "us-east-1", "NUVEM_JS_SDK_DIR": sdk_dir,
           # Nothing from the developer's own AWS setup may leak in.
           "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull}
    for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        env.pop(name, None)
    result = subprocess.run([node, os.path.join(JS, "s3_smoke.mjs"), nuvem.endpoint], env=env,
                            capture_output=True, text=True, timeout=300)
    try:
        report = json.loads(result.stdout)
    except ValueError:
        pytest.fail(f"s3_smoke.mjs exited {result.returncode} without a JSON report:\n"
                    f"stdout: {result.stdout[-4000:]}\nstderr: {result.stderr[-4000:]}")
    failed = {s["name"]: s.get("error") for s in report["steps"] if not s["ok"]}
    assert not failed, f"JavaScript SDK {report['sdk']['version']} steps failed:\n" + \
        "\n".join(f"  {name}: {error}" for name, error in failed.items()) + f"\nstderr: {result.stderr[-2000:]}"
    assert result.returncode == 0 and report["ok"], result.stderr
    assert [s["name"] for s in report["steps"]] == STEPS

    steps = {s["name"]: s for s in report["steps"]}
    with open(os.path.join(JS, "package.json")) as f:
        assert report["sdk"]["version"] == json.load(f)["dependencies"]["@aws-sdk/client-s3"]
    # The SDK's default checksums: a CRC32 header for buffers, aws-chunked with a trailer for streams.
    checksums = steps["DefaultChecksums"]
    assert checksums["headerMode"]["x-amz-checksum-crc32"]
    assert "aws-chunked" in checksums["trailerMode"]["content-encoding"]
    assert checksums["trailerMode"]["x-amz-trailer"] == "x-amz-checksum-crc32"
    assert checksums["trailerMode"]["x-amz-content-sha256"].startswith("STREAMING-")
    assert steps["MultipartUpload"]["etag"].endswith('-3"')
    assert steps["MultipartUpload"]["size"] == 10 * 1024 * 1024 + 1234
    assert steps["ListObjectsV2"]["prefixes"] == ["checksum/", "dir1/", "dir2/"]
    # The SDK ignores XML root element names, so the script checks them on the wire.
    roots = steps["XmlRootElements"]["roots"]
    assert roots["ListObjectsV2Command 200"] == "ListBucketResult"
    assert roots["GetObjectCommand 404"] == "Error"
    errors = steps["Errors"]
    assert (errors["noKey"]["name"], errors["noKey"]["status"]) == ("NoSuchKey", 404)
    assert (errors["noBucket"]["name"], errors["noBucket"]["status"]) == ("NoSuchBucket", 404)
