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
    # reads name the null version once the bucket has had versioning
    assert s3.get_object(Bucket=bucket, Key="k")["VersionId"] == "null"
    assert s3.head_object(Bucket=bucket, Key="k")["VersionId"] == "null"


def test_a_copy_to_itself_in_a_versioned_bucket_must_change_something(s3, bucket):
    # LocalStack's AWS-validated test_s3_copy_object_in_place_versioned and _suspended_only
    versioned(s3, bucket)
    v1 = s3.put_object(Bucket=bucket, Key="k", Body=b"x")["VersionId"]
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="k", CopySource=f"{bucket}/k")
    assert e.value.response["Error"]["Code"] == "InvalidRequest"
    restored = s3.copy_object(Bucket=bucket, Key="k", CopySource=f"{bucket}/k?versionId={v1}")
    assert restored["CopySourceVersionId"] == v1 and restored["VersionId"] != v1
    # once suspended, the copy names the null version it writes; a put does not
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    copied = s3.copy_object(Bucket=bucket, Key="k", CopySource=f"{bucket}/k",
                            MetadataDirective="REPLACE")
    assert copied["VersionId"] == "null"
    assert "VersionId" not in s3.put_object(Bucket=bucket, Key="k", Body=b"y")


def test_a_never_versioned_bucket_names_no_version(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert "VersionId" not in s3.get_object(Bucket=bucket, Key="k")
    assert "VersionId" not in s3.head_object(Bucket=bucket, Key="k")


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


def test_a_listing_goes_on_from_a_version_deleted_since(s3, bucket):
    # S3 lists from where a version-id-marker's version was, though it is gone (LocalStack's
    # AWS-validated test_list_object_versions snapshots); a made-up id is still refused
    versioned(s3, bucket)
    ids = [s3.put_object(Bucket=bucket, Key="k", Body=str(i).encode())["VersionId"]
           for i in range(4)]
    ids.append(s3.delete_object(Bucket=bucket, Key="k")["VersionId"])      # a delete marker
    s3.put_object(Bucket=bucket, Key="l", Body=b"l")

    def after(marker):      # what follows the marker: k's older versions, then l's
        page = s3.list_object_versions(Bucket=bucket, KeyMarker="k", VersionIdMarker=marker)
        assert "DeleteMarkers" not in page
        return [(v["Key"], v["VersionId"]) for v in page["Versions"]]
    listed = after(ids[2])
    assert [v for k, v in listed if k == "k"] == [ids[1], ids[0]] and listed[-1][0] == "l"
    for gone in (ids[2], ids[4]):
        s3.delete_object(Bucket=bucket, Key="k", VersionId=gone)
    assert after(ids[2]) == listed
    assert [v for k, v in after(ids[4]) if k == "k"] == [ids[3], ids[1], ids[0]]
    with pytest.raises(ClientError) as e:
        after(ids[2][:-1] + ("A" if ids[2][-1] != "A" else "B"))
    assert e.value.response["Error"]["Code"] == "InvalidArgument"


def test_bucket_with_versions_is_not_empty(s3, bucket):
    versioned(s3, bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    s3.delete_object(Bucket=bucket, Key="k")
    with pytest.raises(ClientError) as e:
        s3.delete_bucket(Bucket=bucket)
    assert e.value.response["Error"]["Code"] == "BucketNotEmpty"
    # test_delete_versioned_bucket_with_objects: a versioned bucket's message names the versions
    assert e.value.response["Error"]["Message"] == (
        "The bucket you tried to delete is not empty. You must delete all versions in the bucket.")
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409


def test_unversioned_bucket_not_empty_message(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    with pytest.raises(ClientError) as e:
        s3.delete_bucket(Bucket=bucket)
    assert e.value.response["Error"]["Message"] == "The bucket you tried to delete is not empty"


def test_empty_versioning_configuration_is_refused(s3, bucket):
    # test_bucket_versioning_crud: no Status at all is its own error, a wrong one MalformedXML
    with pytest.raises(ClientError) as e:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={})
    assert e.value.response["Error"] == {
        "Code": "IllegalVersioningConfigurationException",
        "Message": "The Versioning element must be specified"}
    with pytest.raises(ClientError) as e:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "enabled"})
    assert e.value.response["Error"]["Code"] == "MalformedXML"


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


def _midnight_after(moment, days):
    from datetime import datetime, time, timedelta, timezone
    later = moment.astimezone(timezone.utc) + timedelta(days=days)
    midnight = datetime.combine(later.date(), time(0), tzinfo=timezone.utc)
    return midnight if midnight == later else midnight + timedelta(days=1)


def _expiry(response) -> str | None:
    return response["ResponseMetadata"]["HTTPHeaders"].get("x-amz-expiration")


def test_lifecycle_expiration_is_announced_on_writes_and_reads(clocked):
    from email.utils import format_datetime
    server, s3, bucket = clocked
    versioned(s3, bucket)
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [
        {"ID": "expire logs", "Status": "Enabled", "Filter": {"Prefix": "logs/"},
         "Expiration": {"Days": 3}},
        {"ID": "sooner", "Status": "Enabled",
         "Filter": {"And": {"Prefix": "logs/", "Tags": [{"Key": "tmp", "Value": "1"}]}},
         "Expiration": {"Days": 1}},
        {"ID": "markers", "Status": "Enabled", "Filter": {"Prefix": ""},
         "Expiration": {"ExpiredObjectDeleteMarker": True}},
        {"ID": "uploads", "Status": "Enabled", "Filter": {"Prefix": "logs/"},
         "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 2}}]})

    def expected(key, days, rule):
        when = s3.head_object(Bucket=bucket, Key=key)["LastModified"]
        return (f'expiry-date="{format_datetime(_midnight_after(when, days), usegmt=True)}", '
                f'rule-id="{rule}"')

    first = s3.put_object(Bucket=bucket, Key="logs/a", Body=b"1")
    assert _expiry(first) == expected("logs/a", 3, "expire%20logs")    # the rule ID URL-encoded
    assert first["Expiration"] == _expiry(first)
    assert _expiry(s3.get_object(Bucket=bucket, Key="logs/a")) == expected("logs/a", 3,
                                                                           "expire%20logs")
    tagged = s3.put_object(Bucket=bucket, Key="logs/t", Body=b"1", Tagging="tmp=1")
    assert _expiry(tagged) == expected("logs/t", 1, "sooner")        # the earliest rule wins
    assert _expiry(s3.put_object(Bucket=bucket, Key="other", Body=b"1")) is None
    # a version read by its id says nothing, the current one too (LocalStack's AWS-validated
    # test_bucket_lifecycle_configuration_object_expiry_versioned)
    old = first["VersionId"]
    latest = s3.put_object(Bucket=bucket, Key="logs/a", Body=b"2")["VersionId"]
    assert _expiry(s3.head_object(Bucket=bucket, Key="logs/a", VersionId=old)) is None
    assert _expiry(s3.head_object(Bucket=bucket, Key="logs/a", VersionId=latest)) is None
    assert _expiry(s3.head_object(Bucket=bucket, Key="logs/a")) is not None
    copied = s3.copy_object(Bucket=bucket, Key="logs/c", CopySource=f"{bucket}/other")
    assert _expiry(copied) == expected("logs/c", 3, "expire%20logs")
    upload = s3.create_multipart_upload(Bucket=bucket, Key="logs/m")
    started = s3.list_multipart_uploads(Bucket=bucket)["Uploads"][0]["Initiated"]
    assert upload["AbortRuleId"] == "uploads"
    assert upload["AbortDate"] == _midnight_after(started, 2)
    parts = s3.list_parts(Bucket=bucket, Key="logs/m", UploadId=upload["UploadId"])
    assert parts["AbortRuleId"] == "uploads" and parts["AbortDate"] == upload["AbortDate"]
    etag = s3.upload_part(Bucket=bucket, Key="logs/m", UploadId=upload["UploadId"],
                          PartNumber=1, Body=b"x")["ETag"]
    done = s3.complete_multipart_upload(Bucket=bucket, Key="logs/m", UploadId=upload["UploadId"],
                                        MultipartUpload={"Parts": [{"PartNumber": 1,
                                                                    "ETag": etag}]})
    assert _expiry(done) == expected("logs/m", 3, "expire%20logs")
    # a disabled rule announces nothing
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [
        {"ID": "off", "Status": "Disabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 1}}]})
    assert _expiry(s3.get_object(Bucket=bucket, Key="logs/a")) is None


def test_made_up_version_id_is_invalid(s3, bucket):
    # test_delete_object, test_get_object_with_version_unversioned_bucket, test_delete_objects:
    # S3 knows a version id it could not have issued (here a real one's tail altered)
    made_up = "HPniJFCxqTsMuIH9KX8K8wEjNUgmABCD"
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    for call in (s3.get_object, s3.head_object, s3.delete_object):
        with pytest.raises(ClientError) as e:
            call(Bucket=bucket, Key="k", VersionId=made_up)
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="k", VersionId=made_up)
    assert e.value.response["Error"] == {
        "Code": "InvalidArgument", "Message": "Invalid version id specified",
        "ArgumentName": "versionId", "ArgumentValue": made_up}
    out = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "k", "VersionId": made_up}]})
    assert out["Errors"] == [{"Key": "k", "VersionId": made_up, "Code": "NoSuchVersion",
                              "Message": "The specified version does not exist."}]
    assert "Deleted" not in out
    # one S3 issued, once gone, is simply not there
    versioned(s3, bucket)
    gone = s3.put_object(Bucket=bucket, Key="k", Body=b"y")["VersionId"]
    assert s3.delete_object(Bucket=bucket, Key="k", VersionId=gone)["VersionId"] == gone
    assert s3.delete_object(Bucket=bucket, Key="k", VersionId=gone)["VersionId"] == gone
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="k", VersionId=gone)
    assert e.value.response["Error"]["Code"] == "NoSuchVersion"
    # ids of the form made before they carried their rank (a state directory of then) stay valid
    from nuvem.services.s3.common import _version_check
    older = "HPniJFCxqTsMuIH9KX8K8wEjNUgmAB"
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="k", VersionId=older + _version_check(older))
    assert e.value.response["Error"]["Code"] == "NoSuchVersion"


def test_an_empty_version_id_is_refused_in_its_own_words(s3, bucket):
    # versitygw's GetObject_empty_version_id, PutObjectTagging_empty_version_id: `?versionId=`
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    calls = [(s3.get_object, {}), (s3.delete_object, {}), (s3.get_object_tagging, {}),
             (s3.put_object_tagging, {"Tagging": {"TagSet": []}}), (s3.get_object_acl, {})]
    for call, more in calls:
        with pytest.raises(ClientError) as e:
            call(Bucket=bucket, Key="k", VersionId="", **more)
        assert e.value.response["Error"]["Message"] == "Version id cannot be the empty string"
        assert e.value.response["Error"]["ArgumentName"] == "versionId"
    with pytest.raises(ClientError) as e:
        s3.copy_object(Bucket=bucket, Key="copy",
                       CopySource={"Bucket": bucket, "Key": "k", "VersionId": ""})
    assert (e.value.response["Error"]["Code"], e.value.response["Error"]["ArgumentName"]) == \
        ("InvalidArgument", "x-amz-copy-source")
