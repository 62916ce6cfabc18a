"""Versioning, delete markers, null versions, ListObjectVersions, and lifecycle with the manual
clock."""
import itertools

import pytest
from botocore.exceptions import ClientError

_n = itertools.count()


def versioned(s3, bucket):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})


def test_versions_and_delete_markers(s3, bucket):
    versioned(s3, bucket)
    v1 = s3.put_object(Bucket=bucket, Key="k", Body=b"one")["VersionId"]
    v2 = s3.put_object(Bucket=bucket, Key="k", Body=b"two")["VersionId"]
    assert v1 != v2 and len(v1) == 32
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"two"
    assert s3.get_object(Bucket=bucket, Key="k", VersionId=v1)["Body"].read() == b"one"
    deleted = s3.delete_object(Bucket=bucket, Key="k")
    assert deleted["DeleteMarker"] is True
    marker = deleted["VersionId"]
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="k")
    assert e.value.response["Error"]["Code"] == "NoSuchKey"
    assert e.value.response["ResponseMetadata"]["HTTPHeaders"]["x-amz-delete-marker"] == "true"
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="k", VersionId=marker)
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 405
    listed = s3.list_object_versions(Bucket=bucket)
    assert [(v["VersionId"], v["IsLatest"]) for v in listed["Versions"]] == [(v2, False), (v1, False)]
    assert [(m["VersionId"], m["IsLatest"]) for m in listed["DeleteMarkers"]] == [(marker, True)]
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)
    # removing the marker brings the object back
    s3.delete_object(Bucket=bucket, Key="k", VersionId=marker)
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"two"
    s3.delete_object(Bucket=bucket, Key="k", VersionId=v2)
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"one"


def test_null_version_and_suspension(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"before")       # the null version
    versioned(s3, bucket)
    v1 = s3.put_object(Bucket=bucket, Key="k", Body=b"v1")["VersionId"]
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    assert "VersionId" not in s3.put_object(Bucket=bucket, Key="k", Body=b"after")
    versions = s3.list_object_versions(Bucket=bucket)["Versions"]
    assert [v["VersionId"] for v in versions] == ["null", v1]     # the null version replaced
    assert s3.get_object(Bucket=bucket, Key="k", VersionId="null")["Body"].read() == b"after"
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Suspended"


def test_list_object_versions_paging(s3, bucket):
    versioned(s3, bucket)
    for key in ("a", "b"):
        for i in range(3):
            s3.put_object(Bucket=bucket, Key=key, Body=str(i).encode())
    seen, kwargs = [], {}
    while True:
        page = s3.list_object_versions(Bucket=bucket, MaxKeys=2, **kwargs)
        seen += [(v["Key"], v["VersionId"]) for v in page.get("Versions", [])]
        if not page["IsTruncated"]:
            break
        kwargs = {"KeyMarker": page["NextKeyMarker"], "VersionIdMarker": page["NextVersionIdMarker"]}
    assert len(seen) == 6 and len(set(seen)) == 6
    assert [k for k, _ in seen] == ["a"] * 3 + ["b"] * 3


def test_bucket_with_versions_is_not_empty(s3, bucket):
    versioned(s3, bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    s3.delete_object(Bucket=bucket, Key="k")
    with pytest.raises(ClientError) as e:
        s3.delete_bucket(Bucket=bucket)
    assert e.value.response["Error"]["Code"] == "BucketNotEmpty"


@pytest.fixture
def clocked(manual_nuvem):
    s3 = manual_nuvem.client("s3")
    name = f"lifecycle-{next(_n)}"
    s3.create_bucket(Bucket=name)
    return manual_nuvem, s3, name


def test_lifecycle_expiration_runs_on_the_clock(clocked):
    server, s3, bucket = clocked
    s3.put_object(Bucket=bucket, Key="logs/old.txt", Body=b"x")
    s3.put_object(Bucket=bucket, Key="keep/me.txt", Body=b"x")
    s3.create_multipart_upload(Bucket=bucket, Key="logs/partial")
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [
        {"ID": "expire-logs", "Status": "Enabled", "Filter": {"Prefix": "logs/"},
         "Expiration": {"Days": 1}, "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}}]})
    server.admin("POST", "/_nuvem/clock", {"advance": 3600 * 6})
    assert len(s3.list_objects_v2(Bucket=bucket)["Contents"]) == 2       # not yet
    server.admin("POST", "/_nuvem/clock", {"advance": 3600 * 48})
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == ["keep/me.txt"]
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=bucket)


def test_lifecycle_noncurrent_versions(clocked):
    server, s3, bucket = clocked
    versioned(s3, bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"1")
    s3.put_object(Bucket=bucket, Key="k", Body=b"2")
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [
        {"ID": "old-versions", "Status": "Enabled", "Filter": {},
         "NoncurrentVersionExpiration": {"NoncurrentDays": 2}}]})
    server.admin("POST", "/_nuvem/clock", {"advance": 3600 * 24 * 4})
    versions = s3.list_object_versions(Bucket=bucket)["Versions"]
    assert len(versions) == 1 and versions[0]["IsLatest"]
