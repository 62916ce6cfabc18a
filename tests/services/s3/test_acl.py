"""S3 ACLs over the wire with boto3 (buckets with Object Ownership ObjectWriter and no Block Public
Access): what grants read back as, which grantees are refused, and what they let others do."""
import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError


def error_of(call, **kwargs):
    with pytest.raises(ClientError) as e:
        call(**kwargs)
    return e.value.response["Error"]["Code"], e.value.response["ResponseMetadata"]["HTTPStatusCode"]


@pytest.fixture
def acl_bucket(s3, bucket):
    s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={
        "Rules": [{"ObjectOwnership": "ObjectWriter"}]})
    s3.delete_public_access_block(Bucket=bucket)
    return bucket


@pytest.fixture
def anonymous(nuvem):
    return boto3.client("s3", endpoint_url=nuvem.endpoint, region_name="us-east-1",
                        config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}))


def test_grantees_must_name_a_canonical_user(s3, acl_bucket):
    acl = s3.get_bucket_acl(Bucket=acl_bucket)
    policy = {"Owner": acl["Owner"], "Grants": acl["Grants"] + [
        {"Grantee": {"ID": "_foo", "Type": "CanonicalUser"}, "Permission": "FULL_CONTROL"}]}
    with pytest.raises(ClientError) as e:
        s3.put_bucket_acl(Bucket=acl_bucket, AccessControlPolicy=policy)
    err = e.value.response["Error"]
    assert (err["Code"], err["Message"], err["ArgumentName"], err["ArgumentValue"]) == \
        ("InvalidArgument", "Invalid id", "CanonicalUser/ID", "_foo")
    assert error_of(s3.put_bucket_acl, Bucket=acl_bucket, GrantRead="id=nobody") == \
        ("InvalidArgument", 400)


def test_grant_headers_are_the_whole_acl(s3, acl_bucket):
    # (ceph/s3-tests' test_bucket_header_acl_grants: no FULL_CONTROL for the owner unless named)
    other = s3.get_bucket_acl(Bucket=acl_bucket)["Owner"]["ID"][::-1]
    s3.put_bucket_acl(Bucket=acl_bucket, GrantRead=f"id={other}", GrantWriteACP=f"id={other}")
    assert [(g["Grantee"]["ID"], g["Permission"])
            for g in s3.get_bucket_acl(Bucket=acl_bucket)["Grants"]] == [
        (other, "READ"), (other, "WRITE_ACP")]
    s3.put_object(Bucket=acl_bucket, Key="k", Body=b"x", GrantFullControl=f"id={other}")
    assert [(g["Grantee"]["ID"], g["Permission"])
            for g in s3.get_object_acl(Bucket=acl_bucket, Key="k")["Grants"]] == [
        (other, "FULL_CONTROL")]


def test_an_acl_with_no_grants_reads_back_empty(s3, acl_bucket):
    s3.put_object(Bucket=acl_bucket, Key="k", Body=b"x")
    owner = s3.get_bucket_acl(Bucket=acl_bucket)["Owner"]
    s3.put_bucket_acl(Bucket=acl_bucket, AccessControlPolicy={"Owner": owner, "Grants": []})
    assert s3.get_bucket_acl(Bucket=acl_bucket)["Grants"] == []
    s3.put_object_acl(Bucket=acl_bucket, Key="k", AccessControlPolicy={"Owner": owner, "Grants": []})
    assert s3.get_object_acl(Bucket=acl_bucket, Key="k")["Grants"] == []
    assert s3.get_object(Bucket=acl_bucket, Key="k")["Body"].read() == b"x"   # the owner's IAM


def test_public_read_write_bucket_takes_anonymous_writes(s3, acl_bucket, anonymous):
    assert error_of(anonymous.put_object, Bucket=acl_bucket, Key="k", Body=b"x") == \
        ("AccessDenied", 403)
    s3.put_bucket_acl(Bucket=acl_bucket, ACL="public-read-write")
    anonymous.put_object(Bucket=acl_bucket, Key="k", Body=b"x")
    anonymous.delete_object(Bucket=acl_bucket, Key="k")
    assert "Contents" not in s3.list_objects_v2(Bucket=acl_bucket)


def test_a_missing_key_is_404_to_whoever_may_list_the_bucket(s3, acl_bucket, anonymous):
    assert error_of(anonymous.get_object, Bucket=acl_bucket, Key="gone") == ("AccessDenied", 403)
    s3.put_bucket_acl(Bucket=acl_bucket, ACL="public-read")
    assert error_of(anonymous.get_object, Bucket=acl_bucket, Key="gone") == ("NoSuchKey", 404)
    s3.put_object(Bucket=acl_bucket, Key="private", Body=b"x")
    assert error_of(anonymous.get_object, Bucket=acl_bucket, Key="private") == ("AccessDenied", 403)


def test_acl_request_errors(s3, acl_bucket):
    # test_s3_bucket_acl_exceptions: each way of naming grants is checked as S3 checks it
    def refused(**kwargs):
        with pytest.raises(ClientError) as e:
            s3.put_bucket_acl(Bucket=acl_bucket, **kwargs)
        error = e.value.response["Error"]
        return {k: v for k, v in error.items() if k != "Message"}, error["Message"]

    fake_group = "http://acs.amazonaws.com/groups/s3/FakeGroup"
    assert refused(GrantWrite=f'uri="{fake_group}"') == ({
        "Code": "InvalidArgument", "ArgumentName": "uri", "ArgumentValue": fake_group},
        "Invalid group uri")
    assert refused(GrantWrite='fakekey="1234"') == ({
        "Code": "InvalidArgument", "ArgumentName": "x-amz-grant-write",
        "ArgumentValue": 'fakekey="1234"'}, "Argument format not recognized")
    assert refused(GrantWrite='id="wrong-id"') == ({
        "Code": "InvalidArgument", "ArgumentName": "id", "ArgumentValue": "wrong-id"},
        "Invalid id")
    owner = s3.get_bucket_acl(Bucket=acl_bucket)["Owner"]
    grant = {"Grantee": {"URI": "http://acs.amazonaws.com/groups/s3/LogDelivery",
                         "Type": "Group"}, "Permission": "WRITE"}
    malformed = ({"Code": "MalformedACLError"}, "The XML you provided was not well-formed or "
                 "did not validate against our published schema")
    assert refused(AccessControlPolicy={"Grants": [grant]}) == malformed       # no Owner
    assert refused(AccessControlPolicy={}) == malformed
    assert refused(AccessControlPolicy={"Owner": owner, "Grants": [
        {**grant, "Permission": "WRONG-PERMISSION"}]}) == malformed
    assert refused(AccessControlPolicy={"Owner": {"ID": "wrong-id"}, "Grants": [grant]}) == ({
        "Code": "InvalidArgument", "ArgumentName": "CanonicalUser/ID",
        "ArgumentValue": "wrong-id"}, "Invalid id")
    assert refused(AccessControlPolicy={"Owner": owner, "Grants": [
        {**grant, "Grantee": {"URI": fake_group, "Type": "Group"}}]}) == ({
            "Code": "InvalidArgument", "ArgumentName": "Group/URI", "ArgumentValue": fake_group},
        "Invalid group uri")
    assert refused() == ({"Code": "MissingSecurityHeader", "MissingHeaderName": "x-amz-acl"},
                         "Your request was missing a required header")
    assert refused(ACL="public-read", AccessControlPolicy={"Owner": owner, "Grants": [grant]}) \
        == ({"Code": "UnexpectedContent"}, "This request does not support content")


def test_a_delete_marker_has_no_acl(s3, acl_bucket):
    # test_put_object_acl_on_delete_marker: 405 for a marker, but reading the current one's ACL
    # is NoSuchKey
    s3.put_bucket_versioning(Bucket=acl_bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=acl_bucket, Key="k", Body=b"x")
    marker = s3.delete_object(Bucket=acl_bucket, Key="k")["VersionId"]

    def error(call, **kwargs):
        with pytest.raises(ClientError) as e:
            call(Bucket=acl_bucket, Key="k", **kwargs)
        return e.value.response["Error"]["Code"], e.value.response["Error"].get("Method")

    assert error(s3.put_object_acl, ACL="private") == ("MethodNotAllowed", "PUT")
    assert error(s3.put_object_acl, ACL="private", VersionId=marker) == ("MethodNotAllowed", "PUT")
    assert error(s3.get_object_acl) == ("NoSuchKey", None)
    assert error(s3.get_object_acl, VersionId=marker) == ("MethodNotAllowed", "GET")


def test_create_bucket_refuses_an_acl_that_does_not_parse_before_ownership(s3, bucket):
    # versitygw's CreateBucket_invalid_canned_acl, issues 1379 and 1384: under the default
    # BucketOwnerEnforced an unknown canned ACL or a malformed grant is InvalidArgument naming it
    for kwargs, argument in (({"ACL": "privatee"}, "x-amz-acl"),
                             ({"GrantFullControl": "fdjklasaj"}, "x-amz-grant-full-control")):
        with pytest.raises(ClientError) as e:
            s3.create_bucket(Bucket=f"{bucket[:50]}-acl", **kwargs)
        assert (e.value.response["Error"]["Code"], e.value.response["Error"]["ArgumentName"]) == \
            ("InvalidArgument", argument)
    assert error_of(s3.create_bucket, Bucket=f"{bucket[:50]}-acl", ACL="public-read") == \
        ("InvalidBucketAclWithObjectOwnership", 400)


@pytest.mark.parametrize("grantee", [{"Type": "invalid_type", "ID": "grt1"}, {"Type": "CanonicalUser"},
                                     {"Type": "Group"}])
def test_a_grantee_of_no_known_type_or_without_its_member_is_malformed(s3, acl_bucket, grantee):
    # versitygw's PutBucketAcl_invalid_grantee_type_in_body and _empty_grantee_ID_in_body
    owner = s3.get_bucket_acl(Bucket=acl_bucket)["Owner"]
    assert error_of(s3.put_bucket_acl, Bucket=acl_bucket, AccessControlPolicy={
        "Owner": owner, "Grants": [{"Grantee": grantee, "Permission": "READ"}]}) == \
        ("MalformedACLError", 400)


def test_a_refused_head_bucket_still_names_the_region(nuvem):
    # "regardless of the permissions on the bucket, you will receive a response header with the
    # correct bucket location" (HeadBucket's API reference); a missing bucket has no Region
    nuvem.client("s3", region="eu-west-2").create_bucket(
        Bucket="region-told", CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
    anonymous = boto3.client("s3", endpoint_url=nuvem.endpoint, region_name="eu-west-2",
                             config=Config(signature_version=UNSIGNED,
                                           retries={"max_attempts": 1}))
    with pytest.raises(ClientError) as e:
        anonymous.head_bucket(Bucket="region-told")
    meta = e.value.response["ResponseMetadata"]
    assert meta["HTTPStatusCode"] == 403
    assert meta["HTTPHeaders"]["x-amz-bucket-region"] == "eu-west-2"
    with pytest.raises(ClientError) as e:
        anonymous.head_bucket(Bucket="region-told-missing")
    assert "x-amz-bucket-region" not in e.value.response["ResponseMetadata"]["HTTPHeaders"]
    # allowed, as S3 answers it (moto issue 6042 quotes the headers)
    out = nuvem.client("s3", region="eu-west-2").head_bucket(Bucket="region-told")
    headers = out["ResponseMetadata"]["HTTPHeaders"]
    assert (headers["x-amz-bucket-region"], headers["x-amz-access-point-alias"],
            headers["content-type"]) == ("eu-west-2", "false", "application/xml")


def test_an_unknown_canned_acl_has_an_empty_message(nuvem, acl_bucket):
    # versitygw's PutBucketAcl_invalid_canned_acl: S3 sends <Message></Message>, no reason
    client = nuvem.client("s3")
    bodies = []
    client.meta.events.register("before-parse.s3.PutBucketAcl", lambda response_dict, **_:
                                bodies.append(response_dict["body"]))
    with pytest.raises(ClientError) as e:
        client.put_bucket_acl(Bucket=acl_bucket, ACL="invalid_acl")
    assert (e.value.response["Error"]["Code"], e.value.response["Error"]["ArgumentName"]) == \
        ("InvalidArgument", "x-amz-acl")
    assert b"<Code>InvalidArgument</Code><Message></Message><ArgumentName>" in bodies[0]


def test_response_overrides_need_a_signed_request(s3, acl_bucket, anonymous):
    # GetObject's reference and versitygw's HeadObject_overrides_fail_public: an anonymous read
    # of a public object may not ask for response-* overrides
    s3.put_object(Bucket=acl_bucket, Key="k", Body=b"x", ACL="public-read")
    assert anonymous.get_object(Bucket=acl_bucket, Key="k")["Body"].read() == b"x"
    with pytest.raises(ClientError) as e:
        anonymous.get_object(Bucket=acl_bucket, Key="k", ResponseContentType="text/html")
    assert (e.value.response["Error"]["Code"], e.value.response["Error"]["Message"]) == (
        "InvalidRequest",
        "Request specific response headers cannot be used for anonymous GET requests.")
    assert error_of(anonymous.head_object, Bucket=acl_bucket, Key="k",
                    ResponseCacheControl="max-age=90") == ("400", 400)
    got = s3.get_object(Bucket=acl_bucket, Key="k", ResponseContentType="text/html")
    assert got["ContentType"] == "text/html"


def test_an_email_grantee_never_resolves(s3, acl_bucket):
    # (ceph/s3-tests' test_bucket_acl_grant_email_not_exist: no account has this address on record)
    owner = s3.get_bucket_acl(Bucket=acl_bucket)["Owner"]
    by_email = {"Type": "AmazonCustomerByEmail", "EmailAddress": "nobody@example.invalid"}
    calls = [(s3.put_bucket_acl, {"AccessControlPolicy": {"Owner": owner, "Grants": [
                 {"Grantee": by_email, "Permission": "FULL_CONTROL"}]}}),
             (s3.put_bucket_acl, {"GrantRead": 'emailAddress="nobody@example.invalid"'})]
    for call, kwargs in calls:
        with pytest.raises(ClientError) as e:
            call(Bucket=acl_bucket, **kwargs)
        err = e.value.response["Error"]
        assert (err["Code"], err["Message"], e.value.response["ResponseMetadata"]["HTTPStatusCode"]) == (
            "UnresolvableGrantByEmailAddress",
            "The e-mail address you provided does not match any account on record.", 400)


def test_creating_a_bucket_needs_s3_create_bucket(nuvem, s3, anonymous, request):
    # ceph/s3-tests' test_bucket_create_bad_authorization_none (fails only on RGW): S3 refuses an
    # unsigned CreateBucket, and a user needs s3:CreateBucket (both created the bucket)
    name = f"t-create-auth-{abs(hash(request.node.name)) % 10**8}"
    iam = nuvem.client("iam")
    iam.create_user(UserName=name)
    access = iam.create_access_key(UserName=name)["AccessKey"]
    user = nuvem.client("s3", key=access["AccessKeyId"], secret=access["SecretAccessKey"])
    for client in (anonymous, user):
        with pytest.raises(ClientError) as e:
            client.create_bucket(Bucket=name)
        assert (e.value.response["Error"]["Code"],
                e.value.response["ResponseMetadata"]["HTTPStatusCode"]) == ("AccessDenied", 403)
        assert error_of(s3.head_bucket, Bucket=name) == ("404", 404)
    iam.put_user_policy(UserName=name, PolicyName="create", PolicyDocument=(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
        '"Action": "s3:CreateBucket", "Resource": "*"}]}'))
    user.create_bucket(Bucket=name)
    s3.head_bucket(Bucket=name)
