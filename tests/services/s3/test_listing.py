"""ListObjectsV2, ListObjects and ListObjectVersions pages, read through boto3: what each entry
carries, prefixes and delimiters, paging and url encoding."""
from __future__ import annotations

import contextlib
import json
import sqlite3
from datetime import timedelta

import pytest
from botocore.exceptions import ClientError

from tests.conftest import NuvemServer

KEYS = ["a/1", "a/2", "b/1", "c", "d/e/f", "d/g"]


@pytest.fixture
def filled(s3, bucket):
    for key in KEYS:
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    return bucket


def _all_pages(call, **kwargs):
    """Every page of a ListObjectsV2 walk, following NextContinuationToken."""
    pages, token = [], None
    while True:
        page = call(**kwargs, **({"ContinuationToken": token} if token else {}))
        pages.append(page)
        if not page["IsTruncated"]:
            assert "NextContinuationToken" not in page
            return pages
        token = page["NextContinuationToken"]
        assert page.get("ContinuationToken") == (pages[-2]["NextContinuationToken"]
                                                 if len(pages) > 1 else None)


def test_entries_carry_what_the_object_has(s3, bucket):
    put = s3.put_object(Bucket=bucket, Key="k", Body=b"hello", ChecksumAlgorithm="SHA256")
    head = s3.head_object(Bucket=bucket, Key="k")
    page = s3.list_objects_v2(Bucket=bucket)
    assert page["KeyCount"] == 1 and page["MaxKeys"] == 1000 and page["IsTruncated"] is False
    (entry,) = page["Contents"]
    assert entry["Key"] == "k" and entry["Size"] == 5 and entry["ETag"] == put["ETag"]
    assert entry["StorageClass"] == "STANDARD"
    assert entry["ChecksumAlgorithm"] == ["SHA256"] and entry["ChecksumType"] == "FULL_OBJECT"
    # the listing has milliseconds, the Last-Modified header whole seconds
    assert timedelta(0) <= entry["LastModified"] - head["LastModified"] < timedelta(seconds=1)
    assert "Owner" not in entry
    owner = s3.list_objects_v2(Bucket=bucket, FetchOwner=True)["Contents"][0]["Owner"]
    assert owner["ID"] == s3.list_buckets()["Owner"]["ID"]
    assert s3.list_objects(Bucket=bucket)["Contents"][0]["Owner"]["ID"] == owner["ID"]


def test_prefix_and_delimiter(s3, filled):
    page = s3.list_objects_v2(Bucket=filled, Delimiter="/")
    assert [p["Prefix"] for p in page["CommonPrefixes"]] == ["a/", "b/", "d/"]
    assert [o["Key"] for o in page["Contents"]] == ["c"]
    assert page["KeyCount"] == 4 and page["Delimiter"] == "/"
    page = s3.list_objects_v2(Bucket=filled, Prefix="d/", Delimiter="/")
    assert [p["Prefix"] for p in page["CommonPrefixes"]] == ["d/e/"]
    assert [o["Key"] for o in page["Contents"]] == ["d/g"] and page["Prefix"] == "d/"
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=filled, Prefix="a")["Contents"]] == \
        ["a/1", "a/2"]
    assert "Contents" not in s3.list_objects_v2(Bucket=filled, Prefix="x")


@pytest.mark.parametrize("delimiter", [None, "/"])
def test_pages_of_two_cover_the_listing_once(s3, filled, delimiter):
    extra = {"Delimiter": delimiter} if delimiter else {}
    whole = s3.list_objects_v2(Bucket=filled, **extra)
    expected = ([o["Key"] for o in whole.get("Contents", [])]
                + [p["Prefix"] for p in whole.get("CommonPrefixes", [])])
    pages = _all_pages(s3.list_objects_v2, Bucket=filled, MaxKeys=2, **extra)
    got = [name for page in pages
           for name in [o["Key"] for o in page.get("Contents", [])]
           + [p["Prefix"] for p in page.get("CommonPrefixes", [])]]
    assert sorted(got) == sorted(expected) and len(got) == len(expected)
    assert all(page["KeyCount"] <= 2 for page in pages)
    assert all(page["IsTruncated"] for page in pages[:-1])


def test_start_after(s3, filled):
    page = s3.list_objects_v2(Bucket=filled, StartAfter="b/1")
    assert [o["Key"] for o in page["Contents"]] == ["c", "d/e/f", "d/g"]
    assert page["StartAfter"] == "b/1"
    page = s3.list_objects_v2(Bucket=filled, StartAfter="a", Delimiter="/", MaxKeys=1)
    assert [p["Prefix"] for p in page["CommonPrefixes"]] == ["a/"] and page["IsTruncated"]


def test_a_bad_or_empty_continuation_token_is_refused(s3, filled):
    with pytest.raises(ClientError) as caught:
        s3.list_objects_v2(Bucket=filled, ContinuationToken="not-a-token")
    assert caught.value.response["Error"]["Code"] == "InvalidArgument"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    # an empty token too, named without a value (LocalStack's AWS-validated
    # test_list_objects_v2_continuation_start_after; ceph's upstream s3-tests expect a listing,
    # their AWS-run forks the 400)
    with pytest.raises(ClientError) as caught:
        s3.list_objects_v2(Bucket=filled, ContinuationToken="")
    assert caught.value.response["Error"] == {
        "Code": "InvalidArgument", "Message": "The continuation token provided is incorrect",
        "ArgumentName": "continuation-token"}


def test_url_encoding(s3, bucket):
    key = "dir one/ü&<x>.txt"
    s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    s3.put_object(Bucket=bucket, Key="plain/key-1.txt", Body=b"x")
    # boto3 asks for url encoding itself and decodes what it asked for
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == \
        [key, "plain/key-1.txt"]
    # asked for explicitly, the page is left as sent
    page = s3.list_objects_v2(Bucket=bucket, EncodingType="url", Prefix="dir one/")
    assert page["EncodingType"] == "url" and page["Prefix"] == "dir%20one/"
    assert [o["Key"] for o in page["Contents"]] == ["dir%20one/%C3%BC%26%3Cx%3E.txt"]
    page = s3.list_objects_v2(Bucket=bucket, EncodingType="url", Delimiter=" ")
    assert [p["Prefix"] for p in page["CommonPrefixes"]] == ["dir%20"]
    assert [o["Key"] for o in page["Contents"]] == ["plain/key-1.txt"]


def test_list_objects_v1_echoes_its_prefix_unencoded(s3, bucket):
    # ceph/s3-tests' test_bucket_list_prefix_unreadable: boto3 asks for url encoding and
    # decodes v1's Delimiter and Marker, not its Prefix
    s3.put_object(Bucket=bucket, Key="a b", Body=b"x")
    assert s3.list_objects(Bucket=bucket, Prefix="\n")["Prefix"] == "\n"
    page = s3.list_objects(Bucket=bucket, Prefix="a b", EncodingType="url")
    assert page["Prefix"] == "a b" and [o["Key"] for o in page["Contents"]] == ["a%20b"]
    assert s3.list_objects_v2(Bucket=bucket, Prefix="\n")["Prefix"] == "\n"


def test_list_objects_v1_markers(s3, filled):
    page = s3.list_objects(Bucket=filled, MaxKeys=2)
    assert [o["Key"] for o in page["Contents"]] == ["a/1", "a/2"] and page["IsTruncated"]
    assert "NextMarker" not in page            # only with a delimiter
    page = s3.list_objects(Bucket=filled, Marker="a/2", MaxKeys=2, Delimiter="/")
    assert [o["Key"] for o in page.get("Contents", [])] == ["c"]
    assert [p["Prefix"] for p in page["CommonPrefixes"]] == ["b/"]
    assert page["Marker"] == "a/2" and page["NextMarker"] == "c" and page["IsTruncated"]


def test_versions_and_delete_markers(s3, bucket):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    first = s3.put_object(Bucket=bucket, Key="k", Body=b"1", ChecksumAlgorithm="CRC32")
    second = s3.put_object(Bucket=bucket, Key="k", Body=b"22")
    marker = s3.delete_object(Bucket=bucket, Key="k")
    s3.put_object(Bucket=bucket, Key="z", Body=b"z")
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["z"]
    listed = s3.list_object_versions(Bucket=bucket)
    (deleted,) = listed["DeleteMarkers"]
    assert deleted["Key"] == "k" and deleted["IsLatest"] is True
    assert deleted["VersionId"] == marker["VersionId"] and "ETag" not in deleted
    versions = listed["Versions"]
    assert [(v["Key"], v["VersionId"], v["IsLatest"]) for v in versions] == [
        ("k", second["VersionId"], False), ("k", first["VersionId"], False),
        ("z", versions[2]["VersionId"], True)]
    assert [v["Size"] for v in versions] == [2, 1, 1]
    assert versions[1]["ChecksumAlgorithm"] == ["CRC32"]
    assert versions[1]["ChecksumType"] == "FULL_OBJECT"
    assert all(v["Owner"]["ID"] for v in versions + [deleted])


def test_objects_stored_by_an_older_nuvem_list_as_ever(tmp_path):
    """Objects stored before the listing summary took the checksum's listing form (S3Object
    version 1, its summary holding the checksum's dict) list with the same entries."""
    server = NuvemServer(str(tmp_path)).start()
    try:
        s3 = server.client("s3")
        s3.create_bucket(Bucket="older")
        s3.put_object(Bucket="older", Key="crc", Body=b"a")
        s3.put_object(Bucket="older", Key="sha", Body=b"b", ChecksumAlgorithm="SHA256")
        expected = s3.list_objects_v2(Bucket="older")["Contents"]
    finally:
        server.stop()
    # the server opens its state directory only when no other process has the file open
    with contextlib.closing(sqlite3.connect(tmp_path / "nuvem.db")) as db, db:
        for pk, doc in db.execute("SELECT pk, doc FROM records WHERE kind = 's3.Object'"):
            obj = json.loads(doc)
            summary = [obj[name] for name in ("key", "delete_marker", "last_modified", "etag",
                                              "size", "storage_class", "checksum", "owner",
                                              "version_id")]
            db.execute("UPDATE records SET version = 1, summary = ? "
                       "WHERE kind = 's3.Object' AND pk = ?", (json.dumps(summary), pk))
    server = NuvemServer(str(tmp_path)).start()
    try:
        got = server.client("s3").list_objects_v2(Bucket="older")["Contents"]
    finally:
        server.stop()
    assert got == expected and [c["ChecksumAlgorithm"] for c in got] == [["CRC32"], ["SHA256"]]


def test_list_buckets_by_region_refuses_a_region_that_is_none(s3, bucket):
    # LocalStack's AWS-validated test_list_buckets_region_validation (it listed nothing)
    with pytest.raises(ClientError) as caught:
        s3.list_buckets(BucketRegion="eu-east-1")
    assert caught.value.response["Error"] == {
        "Code": "InvalidArgument", "Message": "Argument value eu-east-1 is not a valid AWS Region",
        "ArgumentName": "bucket-region"}
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert [b["Name"] for b in s3.list_buckets(BucketRegion="us-east-1", Prefix=bucket)[
        "Buckets"]] == [bucket]
    assert s3.list_buckets(BucketRegion="eu-west-1", Prefix=bucket)["Buckets"] == []


def test_a_listing_names_its_bucket_region(nuvem, filled):
    # S3 sends x-amz-bucket-region on every successful ListObjects(V2) (versitygw issue 1814
    # quotes its response), though no model declares it
    s3 = nuvem.client("s3", region="eu-west-1")
    s3.create_bucket(Bucket=f"{filled}-eu",
                     CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    for name, region in ((filled, "us-east-1"), (f"{filled}-eu", "eu-west-1")):
        for call in (s3.list_objects_v2, s3.list_objects):
            headers = call(Bucket=name)["ResponseMetadata"]["HTTPHeaders"]
            assert headers["x-amz-bucket-region"] == region
    with pytest.raises(ClientError) as e:
        s3.list_objects_v2(Bucket=f"{filled}-missing")
    assert "x-amz-bucket-region" not in e.value.response["ResponseMetadata"]["HTTPHeaders"]
