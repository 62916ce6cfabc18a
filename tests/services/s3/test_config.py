"""Bucket configurations over the wire: for each family a put/get/delete round trip, the missing
configuration's error code and status, and S3's validation errors."""
import itertools
import json

import pytest
from botocore.exceptions import ClientError

from nuvem.services.s3.policy import policy_is_public

_n = itertools.count()


def error(call, *args, **kwargs):
    with pytest.raises(ClientError) as e:
        call(*args, **kwargs)
    r = e.value.response
    return r["Error"]["Code"], r["ResponseMetadata"]["HTTPStatusCode"], r["Error"].get("Message")


def new_bucket(s3, name=None, **kwargs):
    name = name or f"cfg-{next(_n)}-{id(s3) % 100000}"
    s3.create_bucket(Bucket=name, **kwargs)
    return name


# --- CORS ------------------------------------------------------------------------------------

CORS = {"CORSRules": [{"AllowedOrigins": ["https://example.com"], "AllowedMethods": ["GET", "PUT"],
                       "AllowedHeaders": ["*"], "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 300,
                       "ID": "r1"}]}


def test_cors_round_trip(s3, bucket):
    assert error(s3.get_bucket_cors, Bucket=bucket)[:2] == ("NoSuchCORSConfiguration", 404)
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=CORS)
    got = s3.get_bucket_cors(Bucket=bucket)
    assert got["CORSRules"] == CORS["CORSRules"]
    assert s3.delete_bucket_cors(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert error(s3.get_bucket_cors, Bucket=bucket)[:2] == ("NoSuchCORSConfiguration", 404)


def preflight(nuvem, path, **headers):
    """An OPTIONS request as a browser sends it: (status, error code, message, method)."""
    import http.client
    import urllib.parse
    import xml.etree.ElementTree as ET
    url = urllib.parse.urlsplit(nuvem.endpoint)
    connection = http.client.HTTPConnection(url.hostname, url.port)
    connection.request("OPTIONS", path,
                       headers={k.replace("_", "-"): v for k, v in headers.items()})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    if not body:
        return response.status, None, None, None
    error_ = ET.fromstring(body)
    return (response.status, error_.findtext("Code"), error_.findtext("Message"),
            error_.findtext("Method"))


def test_cors_preflight_refusals(nuvem, s3, bucket):
    # test_cors_http_options_no_config, test_cors_http_options_non_existent_bucket,
    # test_cors_match_origins: the Origin first, then the bucket and its configuration, then
    # the rules; the error names the method asked for, OPTIONS when none is
    origin = "https://localhost:4200"
    assert preflight(nuvem, f"/{bucket}/k") == (
        400, "BadRequest", "Insufficient information. Origin request header needed.", None)
    assert preflight(nuvem, "/no-such-bucket-cors/k", Origin=origin) == (
        403, "AccessForbidden", "CORSResponse: Bucket not found", "OPTIONS")
    assert preflight(nuvem, "/no-such-bucket-cors/k")[:2] == (400, "BadRequest")
    not_enabled = "CORSResponse: CORS is not enabled for this bucket."
    assert preflight(nuvem, f"/{bucket}/k", Origin=origin) == (
        403, "AccessForbidden", not_enabled, "OPTIONS")
    assert preflight(nuvem, f"/{bucket}/k", Origin=origin, Access_Control_Request_Method="PUT") \
        == (403, "AccessForbidden", not_enabled, "PUT")
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [{
        "AllowedOrigins": [origin], "AllowedMethods": ["GET"]}]})
    assert preflight(nuvem, f"/{bucket}/k", Origin="https://other.example",
                     Access_Control_Request_Method="GET") == (
        403, "AccessForbidden", "CORSResponse: This CORS request is not allowed. This is usually "
        "because the evalution of Origin, request method / Access-Control-Request-Method or "
        "Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.", "GET")
    assert preflight(nuvem, f"/{bucket}/k", Origin=origin, Access_Control_Request_Method="GET")[0] \
        == 200


def test_cors_preflight_refused_names_the_resource_asked_about(nuvem, s3, bucket):
    # LocalStack's AWS-validated test_cors_options_fails_partial_origin (the bucket) and
    # test_cors_match_origins (an object)
    import urllib.error
    import urllib.request
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [{
        "AllowedOrigins": ["http://*.origin.com"], "AllowedMethods": ["GET"]}]})
    for path, kind in ((f"/{bucket}", "BUCKET"), (f"/{bucket}/k", "OBJECT")):
        request = urllib.request.Request(f"{nuvem.endpoint}{path}", method="OPTIONS", headers={
            "Origin": "http://test.origin.com.evil", "Access-Control-Request-Method": "GET"})
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(request)
        assert e.value.code == 403
        assert f"<ResourceType>{kind}</ResourceType>".encode() in e.value.read()


def test_cors_preflight_checks_the_method_and_headers_asked_for(nuvem, s3, bucket):
    # versitygw's PreflightOPTIONS_invalid_request_method and _invalid_request_headers: a
    # method CORS rules cannot name (case counts) or a header that is no HTTP token is BadRequest
    origin = "https://localhost:4200"
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [{
        "AllowedOrigins": [origin], "AllowedMethods": ["GET"], "AllowedHeaders": ["*"]}]})
    for method in ("get", "Put", "PATCH", "OPTIONS", "something"):
        assert preflight(nuvem, f"/{bucket}/k", Origin=origin,
                         Access_Control_Request_Method=method)[:3] == (
            400, "BadRequest", f"Invalid Access-Control-Request-Method: {method}")
    for headers, bad in (("X-Amz-Date,invalid header", "invalid header"),
                         ("Authorization,X-Custom:Header", "X-Custom:Header"),
                         ("Date,X[Key]", "X[Key]")):
        assert preflight(nuvem, f"/{bucket}/k", Origin=origin, Access_Control_Request_Method="GET",
                         Access_Control_Request_Headers=headers)[:3] == (
            400, "BadRequest", f'Access-Control-Request-Headers "{bad}" contains invalid character.')
    assert preflight(nuvem, f"/{bucket}/k", Origin=origin, Access_Control_Request_Method="GET",
                     Access_Control_Request_Headers="X-Amz-Date, X-Amz-Content-Sha256")[0] == 200


def test_cors_validation(s3, bucket):
    bad = {"CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["GET", "PATCH"]}]}
    assert error(s3.put_bucket_cors, Bucket=bucket, CORSConfiguration=bad) == (
        "InvalidRequest", 400, "Found unsupported HTTP method in CORS config. Unsupported method "
        "is PATCH")
    many = {"CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}] * 101}
    assert error(s3.put_bucket_cors, Bucket=bucket, CORSConfiguration=many)[0] == "MalformedXML"
    two = {"CORSRules": [{"AllowedOrigins": ["https://*.a.*"], "AllowedMethods": ["GET"]}]}
    assert error(s3.put_bucket_cors, Bucket=bucket, CORSConfiguration=two)[0] == "InvalidRequest"


@pytest.mark.parametrize("header", ["invalid header", "X-Custom:Header", "X(Custom)", "Bad/Header",
                                    "X[Key]", "Bad=Name", 'X"Quote"'])
@pytest.mark.parametrize("kind", ["AllowedHeaders", "ExposeHeaders"])
def test_cors_header_names_must_be_tokens(s3, bucket, kind, header):
    # versitygw's PutBucketCors_invalid_header: both lists, named AllowedHeader by S3
    rule = {"AllowedOrigins": ["http://origin.com"], "AllowedMethods": ["POST"],
            kind: ["X-Amz-Date", header]}
    assert error(s3.put_bucket_cors, Bucket=bucket, CORSConfiguration={"CORSRules": [rule]}) == (
        "InvalidRequest", 400, f'AllowedHeader "{header}" contains invalid character.')
    rule[kind] = ["X-Amz-Date", "X-Amz-Meta-Something", "Content-Type"]
    if kind == "AllowedHeaders":
        rule[kind].append("*")
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [rule]})


# --- website ---------------------------------------------------------------------------------

def test_website_round_trip(s3, bucket):
    assert error(s3.get_bucket_website, Bucket=bucket)[:2] == ("NoSuchWebsiteConfiguration", 404)
    cfg = {"IndexDocument": {"Suffix": "index.html"}, "ErrorDocument": {"Key": "error.html"},
           "RoutingRules": [{"Condition": {"KeyPrefixEquals": "docs/"},
                             "Redirect": {"ReplaceKeyPrefixWith": "documents/"}}]}
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration=cfg)
    got = s3.get_bucket_website(Bucket=bucket)
    assert got["IndexDocument"] == {"Suffix": "index.html"}
    assert got["ErrorDocument"] == {"Key": "error.html"}
    assert got["RoutingRules"] == cfg["RoutingRules"]
    s3.delete_bucket_website(Bucket=bucket)
    assert error(s3.get_bucket_website, Bucket=bucket)[0] == "NoSuchWebsiteConfiguration"
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration={
        "RedirectAllRequestsTo": {"HostName": "example.com", "Protocol": "https"}})
    got = s3.get_bucket_website(Bucket=bucket)
    assert got["RedirectAllRequestsTo"]["HostName"] == "example.com"


def test_website_validation(nuvem, s3, bucket):
    code, status, message = error(s3.put_bucket_website, Bucket=bucket,
                                  WebsiteConfiguration={"ErrorDocument": {"Key": "e.html"}})
    assert (code, status) == ("InvalidArgument", 400)
    assert "IndexDocument Suffix must be provided" in message
    assert error(s3.put_bucket_website, Bucket=bucket,
                 WebsiteConfiguration={"IndexDocument": {"Suffix": "a/index.html"}})[:2] == (
        "InvalidArgument", 400)
    assert error(s3.put_bucket_website, Bucket=bucket, WebsiteConfiguration={
        "RedirectAllRequestsTo": {"HostName": "x.com"},
        "IndexDocument": {"Suffix": "index.html"}})[0] == "InvalidArgument"
    # versitygw's PutBucketWebsite_empty_error_document_key (it was MalformedXML)
    unchecked = nuvem.client("s3", parameter_validation=False)
    assert error(unchecked.put_bucket_website, Bucket=bucket, WebsiteConfiguration={
        "IndexDocument": {"Suffix": "index.html"}, "ErrorDocument": {"Key": ""}}) == (
        "InvalidArgument", 400, "The ErrorDocument Key is not well formed")


def test_website_routing_rules_are_checked_in_s3s_words(s3, bucket):
    # versitygw's PutBucketWebsite_invalid_http_redirect_code, _invalid_http_error_code,
    # _too_many_routing_rules, _invalid_redirect_protocol, _empty_routing_rule_redirect
    def put(*rules, **redirect_all):
        cfg = ({"RedirectAllRequestsTo": redirect_all} if redirect_all else
               {"IndexDocument": {"Suffix": "index.html"}, "RoutingRules": list(rules)})
        return error(s3.put_bucket_website, Bucket=bucket, WebsiteConfiguration=cfg)
    to = {"HostName": "example.com"}
    for code in ("306", "309", "399"):
        assert put({"Redirect": {**to, "HttpRedirectCode": code}}) == (
            "InvalidRequest", 400, f"The provided HTTP redirect code ({code}) is not valid. "
                                   "Valid codes are 3XX except 300.")
    for code in ("399", "418", "499", "506"):
        assert put({"Condition": {"HttpErrorCodeReturnedEquals": code}, "Redirect": to}) == (
            "InvalidRequest", 400, f"The provided HTTP error code ({code}) is not valid. "
                                   "Valid codes are 4XX or 5XX.")
    assert put({"Redirect": {**to, "HttpRedirectCode": "3xx"}})[:2] == ("MalformedXML", 400)
    assert put({"Condition": {"HttpErrorCodeReturnedEquals": "4xx"}, "Redirect": to})[:2] == \
        ("MalformedXML", 400)
    assert put({"Condition": {"KeyPrefixEquals": "docs/"}, "Redirect": {}})[:2] == \
        ("MalformedXML", 400)
    assert put(*[{"Condition": {"KeyPrefixEquals": f"p{i}/"}, "Redirect": to}
                 for i in range(51)]) == (
        "InvalidRequest", 400, "51 routing rules provided, the number of routing rules in a "
                               "website configuration is limited to 50.")
    protocol = ("InvalidRequest", 400, "Invalid protocol, protocol can be http or https. If not "
                                       "defined the protocol will be selected automatically.")
    assert put({"Redirect": {**to, "Protocol": "ftp"}}) == protocol
    assert put(HostName="example.com", Protocol="ftp") == protocol
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration={
        "IndexDocument": {"Suffix": "index.html"},
        "RoutingRules": [{"Condition": {"HttpErrorCodeReturnedEquals": "404"},
                          "Redirect": {**to, "HttpRedirectCode": "308"}}]})


# --- lifecycle -------------------------------------------------------------------------------

RULE = {"ID": "expire-logs", "Filter": {"Prefix": "logs/"}, "Status": "Enabled",
        "Expiration": {"Days": 30},
        "Transitions": [{"Days": 30, "StorageClass": "STANDARD_IA"}]}


def test_lifecycle_round_trip(s3, bucket):
    assert error(s3.get_bucket_lifecycle_configuration, Bucket=bucket)[:2] == (
        "NoSuchLifecycleConfiguration", 404)
    out = s3.put_bucket_lifecycle_configuration(Bucket=bucket,
                                                LifecycleConfiguration={"Rules": [RULE]})
    assert out["TransitionDefaultMinimumObjectSize"] == "all_storage_classes_128K"
    got = s3.get_bucket_lifecycle_configuration(Bucket=bucket)
    assert got["Rules"] == [RULE]
    assert got["TransitionDefaultMinimumObjectSize"] == "all_storage_classes_128K"
    s3.delete_bucket_lifecycle(Bucket=bucket)
    assert error(s3.get_bucket_lifecycle_configuration, Bucket=bucket)[0] == \
        "NoSuchLifecycleConfiguration"


def test_lifecycle_generates_ids_and_old_api(s3, bucket):
    rule = {"Filter": {}, "Status": "Disabled", "AbortIncompleteMultipartUpload":
            {"DaysAfterInitiation": 7}}
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [rule]})
    assert s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"][0]["ID"]
    s3.put_bucket_lifecycle(Bucket=bucket, LifecycleConfiguration={"Rules": [
        {"ID": "old", "Prefix": "tmp/", "Status": "Enabled", "Expiration": {"Days": 1}}]})
    got = s3.get_bucket_lifecycle(Bucket=bucket)["Rules"]
    assert got[0]["Prefix"] == "tmp/" and got[0]["Expiration"] == {"Days": 1}


@pytest.mark.parametrize("rule,code", [
    ({**RULE, "Status": "On"}, "MalformedXML"),
    ({k: v for k, v in RULE.items() if k != "Filter"}, "MalformedXML"),
    ({**RULE, "Prefix": "x/"}, "MalformedXML"),
    ({"ID": "a", "Filter": {}, "Status": "Enabled"}, "InvalidRequest"),
    # an empty action is malformed, not missing (test_put_bucket_lifecycle_conf_exc)
    ({"ID": "a", "Filter": {}, "Status": "Enabled", "NoncurrentVersionExpiration": {}},
     "MalformedXML"),
    ({**RULE, "ID": "x" * 256}, "InvalidArgument"),
    ({**RULE, "Expiration": {"Days": 0}}, "InvalidArgument"),
    ({**RULE, "Transitions": [{"Days": 10, "StorageClass": "STANDARD_IA"}]}, "InvalidArgument"),
    ({**RULE, "NoncurrentVersionExpiration": {"NoncurrentDays": 0}}, "InvalidArgument"),
])
def test_lifecycle_validation(s3, bucket, rule, code):
    assert error(s3.put_bucket_lifecycle_configuration, Bucket=bucket,
                 LifecycleConfiguration={"Rules": [rule]})[:2] == (code, 400)


def test_lifecycle_duplicate_tag_keys(s3, bucket):
    # test_put_bucket_lifecycle_conf_exc
    rule = {**RULE, "Filter": {"And": {"Tags": [{"Key": "a", "Value": "1"},
                                                {"Key": "a", "Value": "2"}]}}}
    assert error(s3.put_bucket_lifecycle_configuration, Bucket=bucket,
                 LifecycleConfiguration={"Rules": [rule]}) == (
        "InvalidRequest", 400, "Duplicate Tag Keys are not allowed.")


def test_lifecycle_duplicate_ids(s3, bucket):
    code, _, message = error(s3.put_bucket_lifecycle_configuration, Bucket=bucket,
                             LifecycleConfiguration={"Rules": [RULE, RULE]})
    assert code == "InvalidArgument" and "unique" in message


# --- policy ----------------------------------------------------------------------------------

def policy(bucket, **statement):
    st = {"Sid": "s", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
          "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*", **statement}
    return json.dumps({"Version": "2012-10-17", "Statement": [st]})


def test_policy_round_trip_and_status(s3, bucket):
    assert error(s3.get_bucket_policy, Bucket=bucket)[:2] == ("NoSuchBucketPolicy", 404)
    assert error(s3.get_bucket_policy_status, Bucket=bucket)[:2] == ("NoSuchBucketPolicy", 404)
    text = policy(bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=text)
    assert s3.get_bucket_policy(Bucket=bucket)["Policy"] == text
    assert s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]["IsPublic"] is False
    # new buckets block public policies: a public one is refused until that is turned off
    assert error(s3.put_bucket_policy, Bucket=bucket,
                 Policy=policy(bucket, Principal="*"))[:2] == ("AccessDenied", 403)
    s3.delete_public_access_block(Bucket=bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(bucket, Principal="*"))
    assert s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]["IsPublic"] is True
    assert s3.delete_bucket_policy(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert error(s3.get_bucket_policy, Bucket=bucket)[0] == "NoSuchBucketPolicy"


@pytest.mark.parametrize("make,message", [
    (lambda b: "not json", "Policies must be valid JSON and the first byte must be '{'"),
    # test_bucket_policy_exc: an empty body is the policy's error, not MalformedXML (the
    # overlay drops Policy from the required members)
    (lambda b: "", "Policies must be valid JSON and the first byte must be '{'"),
    (lambda b: json.dumps({"Version": "2012-10-17"}), "Missing required field Statement"),
    (lambda b: policy(b, Resource="arn:aws:s3:::some-other-bucket/*"),
     "Policy has invalid resource"),
    (lambda b: policy(b, Action="sqs:SendMessage"), "Policy has invalid action"),
    (lambda b: policy(b, Action="s3:NoSuchThing"), "Policy has invalid action"),
    (lambda b: json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:*",
                                          "Resource": f"arn:aws:s3:::{b}"}]}),
     "Missing required field Principal"),
    (lambda b: policy(b, Effect="Maybe"), "Invalid effect: Maybe"),
    (lambda b: policy(b, Resource=f"arn:aws:s3:::{b}"),
     "Action does not apply to any resource(s) in statement"),
    (lambda b: policy(b, Action=["s3:GetObject", "s3:ListBucket"]),
     "Action does not apply to any resource(s) in statement"),
    (lambda b: policy(b, Sid="x" * 21000), "Policy exceeds the maximum allowed document size."),
    # versitygw's PutBucketPolicy_invalid_json, _invalid_action, _empty_resources_array,
    # _principals_aws_struct_empty_string_slice
    (lambda b: "{true}", "This policy contains invalid Json"),
    (lambda b: '{"Principal": "*" ', "This policy contains invalid Json"),
    (lambda b: '"Statement": []}', "Policies must be valid JSON and the first byte must be '{'"),
    (lambda b: policy(b, Action=[]), "Policy has invalid action"),
    (lambda b: policy(b, Resource=[]), "Policy has invalid resource"),
    (lambda b: policy(b, Principal={"AWS": []}), "Invalid principal in policy"),
])
def test_policy_validation(s3, bucket, make, message):
    assert error(s3.put_bucket_policy, Bucket=bucket, Policy=make(bucket)) == (
        "MalformedPolicy", 400, message)


def test_actions_and_resources_of_either_kind_are_taken(s3, bucket):
    for action, resource in ((["s3:GetObject", "s3:ListBucket"], [f"arn:aws:s3:::{bucket}",
                                                                  f"arn:aws:s3:::{bucket}/*"]),
                             ("s3:Get*", f"arn:aws:s3:::{bucket}"),
                             ("s3:*", f"arn:aws:s3:::{bucket}"),
                             ("s3:ListBucket", ["arn:aws:s3:::*", "arn:aws:s3:::*/*"]),
                             ("s3:GetObject", "arn:aws:s3:::*")):
        s3.put_bucket_policy(Bucket=bucket, Policy=policy(bucket, Action=action,
                                                          Resource=resource))


def test_public_policy_blocked_by_public_access_block(s3, bucket):
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicPolicy": True})
    code, status, message = error(s3.put_bucket_policy, Bucket=bucket,
                                  Policy=policy(bucket, Principal="*"))
    assert (code, status) == ("AccessDenied", 403) and "BlockPublicPolicy" in message
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(bucket))


def test_policy_is_public():
    def doc(**statement):
        st = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
              **statement}
        return json.dumps({"Statement": [st]})
    assert policy_is_public(doc(Principal="*"))
    assert policy_is_public(doc(Principal={"AWS": "*"}))
    assert policy_is_public(doc(Principal={"AWS": ["arn:aws:iam::111122223333:root", "*"]}))
    assert not policy_is_public(doc(Principal={"AWS": "arn:aws:iam::111122223333:root"}))
    assert not policy_is_public(doc(Principal={"Service": "cloudtrail.amazonaws.com"}))
    assert not policy_is_public(doc(Principal="*", Effect="Deny"))
    assert not policy_is_public(doc(Principal="*", Condition={
        "StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}))
    assert not policy_is_public(doc(Principal="*", Condition={
        "IpAddress": {"aws:SourceIp": "192.0.2.0/24"}}))
    assert policy_is_public(doc(Principal="*", Condition={
        "IpAddress": {"aws:SourceIp": "0.0.0.0/1"}}))
    assert policy_is_public(doc(Principal="*", Condition={
        "StringLike": {"aws:SourceArn": "arn:aws:sns:*"}}))
    assert policy_is_public(doc(Principal="*", Condition={
        "StringNotEquals": {"aws:SourceAccount": "111122223333"}}))
    assert policy_is_public(doc(Principal="*", Condition={
        "StringEquals": {"s3:prefix": "home/"}}))
    assert policy_is_public(doc(Principal={"AWS": "arn:aws:iam::*:root"}))
    assert not policy_is_public(doc(Principal="*", Condition={
        "StringLike": {"aws:userid": "AROAEXAMPLEID:*"}}))
    assert not policy_is_public("not json")


# --- tagging ---------------------------------------------------------------------------------

def test_tagging_round_trip(s3, bucket):
    assert error(s3.get_bucket_tagging, Bucket=bucket)[:2] == ("NoSuchTagSet", 404)
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "team", "Value": "a"},
                                                             {"Key": "env", "Value": "dev"}]})
    tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=bucket)["TagSet"]}
    assert tags == {"team": "a", "env": "dev"}
    put = s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "team", "Value": "b"}]})
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 204     # test_bucket_tagging_crud
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == [{"Key": "team", "Value": "b"}]
    assert s3.delete_bucket_tagging(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert error(s3.get_bucket_tagging, Bucket=bucket)[0] == "NoSuchTagSet"


TAG_SET_ERRORS = [
    ([{"Key": f"k{i}", "Value": "v"} for i in range(51)],
     ("BadRequest", 400, "Bucket tag count cannot be greater than 50")),
    ([{"Key": "k", "Value": "a"}, {"Key": "k", "Value": "b"}],
     ("InvalidTag", 400, "Cannot provide multiple Tags with the same key")),
    ([{"Key": "x" * 129, "Value": "v"}], ("InvalidTag", 400, "The TagKey you have provided is invalid")),
    ([{"Key": "user!name", "Value": "v"}], ("InvalidTag", 400, "The TagKey you have provided is invalid")),
    ([{"Key": "k", "Value": "v" * 257}], ("InvalidTag", 400, "The TagValue you have provided is invalid")),
    ([{"Key": "k", "Value": "bad<value>"}], ("InvalidTag", 400, "The TagValue you have provided is invalid")),
]


@pytest.mark.parametrize("tag_set, expected", TAG_SET_ERRORS + [
    ([{"Key": "aws:thing", "Value": "v"}], ("InvalidTag", 400, "System tags cannot be added/updated by requester"))])
def test_tagging_validation(s3, bucket, tag_set, expected):
    # versitygw issue 1232 and its PutBucketTagging cases: a key over 128 is invalid, not too long
    assert error(s3.put_bucket_tagging, Bucket=bucket, Tagging={"TagSet": tag_set}) == expected


@pytest.mark.parametrize("tag_set, expected", TAG_SET_ERRORS)
def test_create_bucket_with_tags(s3, tag_set, expected):
    # versitygw's CreateBucket_long_tags, _invalid_tags, _duplicate_keys, _tag_count_limit: the
    # same checks as PutBucketTagging, and a refused bucket is not created; good tags are kept
    name = f"cfg-tags-{next(_n)}-{id(s3) % 100000}"
    assert error(s3.create_bucket, Bucket=name,
                 CreateBucketConfiguration={"Tags": tag_set}) == expected
    assert error(s3.head_bucket, Bucket=name)[:2] == ("404", 404)
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"Tags": [{"Key": "team", "Value": "a"}]})
    assert s3.get_bucket_tagging(Bucket=name)["TagSet"] == [{"Key": "team", "Value": "a"}]


# --- encryption, public access block ---------------------------------------------------------

def test_encryption_default_and_round_trip(s3, bucket):
    default = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
    assert default["Rules"] == [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
                                 "BucketKeyEnabled": False,
                                 "BlockedEncryptionTypes": {"EncryptionType": ["SSE-C"]}}]
    kms = {"Rules": [{"ApplyServerSideEncryptionByDefault": {
        "SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "arn:aws:kms:us-east-1:000000000000:key/k"},
        "BucketKeyEnabled": True, "BlockedEncryptionTypes": {"EncryptionType": ["NONE"]}}]}
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration=kms)
    assert s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"] == kms
    s3.delete_bucket_encryption(Bucket=bucket)
    assert s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"] == default


def test_bucket_key_is_echoed_on_kms_objects(s3, bucket):
    # test_s3_bucket_encryption_sse_kms(_aws_managed_key): objects written under a KMS default
    # with a Bucket Key say so on put, head and get; without one, or under SSE-S3, they do not
    def kms(bucket_key):
        s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [{
            "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"},
            "BucketKeyEnabled": bucket_key}]})
    kms(True)
    assert s3.put_object(Bucket=bucket, Key="k", Body=b"x")["BucketKeyEnabled"] is True
    assert s3.head_object(Bucket=bucket, Key="k")["BucketKeyEnabled"] is True
    assert s3.get_object(Bucket=bucket, Key="k")["BucketKeyEnabled"] is True
    assert "BucketKeyEnabled" not in s3.put_object(Bucket=bucket, Key="s", Body=b"x",
                                                   ServerSideEncryption="AES256")
    kms(False)
    out = s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert out["ServerSideEncryption"] == "aws:kms" and "BucketKeyEnabled" not in out


def test_encryption_validation(s3, bucket):
    bad = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "DES"}}]}
    assert error(s3.put_bucket_encryption, Bucket=bucket,
                 ServerSideEncryptionConfiguration=bad)[:2] == ("MalformedXML", 400)
    bad = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256",
                                                             "KMSMasterKeyID": "k"}}]}
    assert error(s3.put_bucket_encryption, Bucket=bucket,
                 ServerSideEncryptionConfiguration=bad)[:2] == ("InvalidArgument", 400)


def test_public_access_block(s3, bucket):
    s3.delete_public_access_block(Bucket=bucket)
    assert error(s3.get_public_access_block, Bucket=bucket)[:2] == (
        "NoSuchPublicAccessBlockConfiguration", 404)
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "RestrictPublicBuckets": True})
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "IgnorePublicAcls": False, "BlockPublicPolicy": False,
        "RestrictPublicBuckets": True}
    assert error(s3.put_public_access_block, Bucket=bucket,
                 PublicAccessBlockConfiguration={}) == (
        "InvalidRequest", 400, "Must specify at least one configuration.")
    s3.delete_public_access_block(Bucket=bucket)
    assert error(s3.get_public_access_block, Bucket=bucket)[0] == \
        "NoSuchPublicAccessBlockConfiguration"


# --- versioning, object lock, replication ----------------------------------------------------

def test_versioning(s3, bucket):
    assert {k for k in s3.get_bucket_versioning(Bucket=bucket)
            if k != "ResponseMetadata"} == set()
    assert error(s3.put_bucket_versioning, Bucket=bucket,
                 VersioningConfiguration={"Status": "On"})[:2] == ("MalformedXML", 400)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Suspended"


def test_object_lock(s3):
    plain = new_bucket(s3)
    assert error(s3.get_object_lock_configuration, Bucket=plain)[:2] == (
        "ObjectLockConfigurationNotFoundError", 404)
    cfg = {"ObjectLockEnabled": "Enabled",
           "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}}
    assert error(s3.put_object_lock_configuration, Bucket=plain,
                 ObjectLockConfiguration=cfg)[:2] == ("InvalidBucketState", 409)
    locked = new_bucket(s3, ObjectLockEnabledForBucket=True)
    assert s3.get_object_lock_configuration(Bucket=locked)["ObjectLockConfiguration"] == {
        "ObjectLockEnabled": "Enabled"}
    s3.put_object_lock_configuration(Bucket=locked, ObjectLockConfiguration=cfg)
    assert s3.get_object_lock_configuration(Bucket=locked)["ObjectLockConfiguration"] == cfg
    both = {"ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 1, "Years": 1}}}
    assert error(s3.put_object_lock_configuration, Bucket=locked,
                 ObjectLockConfiguration=both)[:2] == ("MalformedXML", 400)
    bad_mode = {"ObjectLockEnabled": "Enabled",
                "Rule": {"DefaultRetention": {"Mode": "STRICT", "Days": 1}}}
    assert error(s3.put_object_lock_configuration, Bucket=locked,
                 ObjectLockConfiguration=bad_mode)[0] == "MalformedXML"
    zero = {"ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 0}}}
    assert error(s3.put_object_lock_configuration, Bucket=locked, ObjectLockConfiguration=zero) \
        == ("InvalidArgument", 400, "Default retention period must be a positive integer value.")
    assert error(s3.put_bucket_versioning, Bucket=locked,
                 VersioningConfiguration={"Status": "Suspended"})[:2] == ("InvalidBucketState", 409)
    # a versioned bucket may turn object lock on later
    s3.put_bucket_versioning(Bucket=plain, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object_lock_configuration(Bucket=plain, ObjectLockConfiguration=cfg)
    assert s3.get_object_lock_configuration(Bucket=plain)["ObjectLockConfiguration"] == cfg


def test_replication(s3, bucket):
    destination = new_bucket(s3)
    cfg = {"Role": "arn:aws:iam::000000000000:role/replication",
           "Rules": [{"ID": "all", "Priority": 1, "Filter": {}, "Status": "Enabled",
                      "DeleteMarkerReplication": {"Status": "Disabled"},
                      "Destination": {"Bucket": f"arn:aws:s3:::{destination}"}}]}
    assert error(s3.get_bucket_replication, Bucket=bucket)[:2] == (
        "ReplicationConfigurationNotFoundError", 404)
    assert error(s3.put_bucket_replication, Bucket=bucket,
                 ReplicationConfiguration=cfg)[:2] == ("InvalidRequest", 400)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    code, _, message = error(s3.put_bucket_replication, Bucket=bucket, ReplicationConfiguration=cfg)
    assert code == "InvalidRequest" and "Destination bucket must have versioning" in message
    s3.put_bucket_versioning(Bucket=destination, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_replication(Bucket=bucket, ReplicationConfiguration=cfg)
    assert s3.get_bucket_replication(Bucket=bucket)["ReplicationConfiguration"] == cfg
    s3.delete_bucket_replication(Bucket=bucket)
    assert error(s3.get_bucket_replication, Bucket=bucket)[0] == \
        "ReplicationConfigurationNotFoundError"


# --- ownership controls ----------------------------------------------------------------------

def test_ownership_controls(s3, bucket):
    rules = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
    assert rules == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={
        "Rules": [{"ObjectOwnership": "ObjectWriter"}]})
    rules = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"]
    assert rules == [{"ObjectOwnership": "ObjectWriter"}]
    assert error(s3.put_bucket_ownership_controls, Bucket=bucket, OwnershipControls={
        "Rules": [{"ObjectOwnership": "Everyone"}]})[:2] == ("MalformedXML", 400)
    s3.delete_bucket_ownership_controls(Bucket=bucket)
    assert error(s3.get_bucket_ownership_controls, Bucket=bucket)[:2] == (
        "OwnershipControlsNotFoundError", 404)


@pytest.mark.parametrize("value", ["RandomValue", ""])
def test_bad_ownership_at_creation(s3, value):
    # test_bucket_ownership_controls_exc: the message names the value, no ArgumentValue
    with pytest.raises(ClientError) as e:
        s3.create_bucket(Bucket=f"cfg-own-{next(_n)}", ObjectOwnership=value)
    assert e.value.response["Error"] == {
        "Code": "InvalidArgument", "ArgumentName": "x-amz-object-ownership",
        "Message": f"Invalid x-amz-object-ownership header: {value}"}


# --- logging, request payment, accelerate ----------------------------------------------------

def test_logging(s3, bucket):
    out = s3.get_bucket_logging(Bucket=bucket)
    assert "LoggingEnabled" not in out
    target = new_bucket(s3)
    s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={
        "LoggingEnabled": {"TargetBucket": target, "TargetPrefix": "logs/"}})
    assert s3.get_bucket_logging(Bucket=bucket)["LoggingEnabled"] == {
        "TargetBucket": target, "TargetPrefix": "logs/"}
    assert error(s3.put_bucket_logging, Bucket=bucket, BucketLoggingStatus={
        "LoggingEnabled": {"TargetBucket": "no-such-bucket-here-x", "TargetPrefix": ""}})[:2] == (
        "InvalidTargetBucketForLogging", 400)
    s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={})
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=bucket)


def test_logging_to_another_region_names_the_regions_but_us_east_1(nuvem, s3, bucket):
    # LocalStack's AWS-validated test_put_bucket_logging_cross_locations: a us-east-1 source
    # is not named (it was SourceBucketLocation us-east-1)
    west = nuvem.client("s3", region="us-west-2")
    europe = nuvem.client("s3", region="eu-west-1")
    target, source = f"cfg-{next(_n)}-west", f"cfg-{next(_n)}-europe"
    west.create_bucket(Bucket=target, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    europe.create_bucket(Bucket=source,
                         CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    status = {"LoggingEnabled": {"TargetBucket": target, "TargetPrefix": "log"}}
    for client, name, named in ((s3, bucket, {}), (europe, source,
                                                   {"SourceBucketLocation": "eu-west-1"})):
        with pytest.raises(ClientError) as e:
            client.put_bucket_logging(Bucket=name, BucketLoggingStatus=status)
        assert e.value.response["Error"] == {
            "Code": "CrossLocationLoggingProhibitted",
            "Message": "Cross S3 location logging not allowed. ",
            "TargetBucketLocation": "us-west-2", **named}
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_request_payment(s3, bucket):
    assert s3.get_bucket_request_payment(Bucket=bucket)["Payer"] == "BucketOwner"
    s3.put_bucket_request_payment(Bucket=bucket,
                                  RequestPaymentConfiguration={"Payer": "Requester"})
    assert s3.get_bucket_request_payment(Bucket=bucket)["Payer"] == "Requester"
    assert error(s3.put_bucket_request_payment, Bucket=bucket,
                 RequestPaymentConfiguration={"Payer": "Nobody"})[:2] == ("MalformedXML", 400)


def test_accelerate(s3, bucket):
    assert "Status" not in s3.get_bucket_accelerate_configuration(Bucket=bucket)
    s3.put_bucket_accelerate_configuration(Bucket=bucket,
                                           AccelerateConfiguration={"Status": "Enabled"})
    assert s3.get_bucket_accelerate_configuration(Bucket=bucket)["Status"] == "Enabled"
    assert error(s3.put_bucket_accelerate_configuration, Bucket=bucket,
                 AccelerateConfiguration={"Status": "Fast"})[:2] == ("MalformedXML", 400)
    dotted = new_bucket(s3, f"cfg.dotted.{next(_n)}")
    assert error(s3.put_bucket_accelerate_configuration, Bucket=dotted,
                 AccelerateConfiguration={"Status": "Enabled"}) == (
        "InvalidRequest", 400, "S3 Transfer Acceleration is not supported for buckets with "
        "periods (.) in their names")


# --- notifications ---------------------------------------------------------------------------

QUEUE = "arn:aws:sqs:us-east-1:000000000000:events"


def test_notification_round_trip(s3, bucket):
    out = s3.get_bucket_notification_configuration(Bucket=bucket)
    assert not out.get("QueueConfigurations")
    cfg = {"QueueConfigurations": [
        {"QueueArn": QUEUE, "Events": ["s3:ObjectCreated:*"], "Filter": {"Key": {"FilterRules": [
            {"Name": "prefix", "Value": "in/"}, {"Name": "suffix", "Value": ".jpg"}]}}},
        {"Id": "removed", "QueueArn": QUEUE, "Events": ["s3:ObjectRemoved:Delete"]}],
        "EventBridgeConfiguration": {}}
    # the queue does not exist: S3 would refuse it unless told to skip the test event
    assert error(s3.put_bucket_notification_configuration, Bucket=bucket,
                 NotificationConfiguration=cfg)[:2] == ("InvalidArgument", 400)
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=cfg,
                                             SkipDestinationValidation=True)
    got = s3.get_bucket_notification_configuration(Bucket=bucket)
    queues = got["QueueConfigurations"]
    assert queues[0]["Id"] and queues[0]["Events"] == ["s3:ObjectCreated:*"]
    assert queues[0]["Filter"]["Key"]["FilterRules"] == [
        {"Name": "Prefix", "Value": "in/"}, {"Name": "Suffix", "Value": ".jpg"}]
    assert queues[1]["Id"] == "removed"
    assert "EventBridgeConfiguration" in got
    old = s3.get_bucket_notification(Bucket=bucket)
    assert old["QueueConfiguration"]["Queue"] == QUEUE
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={})
    assert not s3.get_bucket_notification_configuration(Bucket=bucket).get("QueueConfigurations")


def test_notification_validation(s3, bucket):
    def put(**cfg):
        return error(s3.put_bucket_notification_configuration, Bucket=bucket,
                     NotificationConfiguration=cfg)
    assert put(QueueConfigurations=[{"QueueArn": QUEUE, "Events": ["s3:ObjectExploded"]}])[:2] == \
        ("InvalidArgument", 400)
    assert put(QueueConfigurations=[{"QueueArn": QUEUE, "Events": ["s3:ObjectCreated:*"],
                                     "Filter": {"Key": {"FilterRules": [
                                         {"Name": "middle", "Value": "x"}]}}}])[0] == \
        "InvalidArgument"
    assert put(QueueConfigurations=[{"QueueArn": "not-an-arn",
                                     "Events": ["s3:ObjectCreated:*"]}])[0] == "InvalidArgument"
    code, _, message = put(QueueConfigurations=[
        {"QueueArn": QUEUE, "Events": ["s3:ObjectCreated:*"]},
        {"QueueArn": QUEUE, "Events": ["s3:ObjectCreated:Put"]}])
    assert code == "InvalidArgument" and "overlap" in message


# --- analytics, metrics, inventory, intelligent-tiering --------------------------------------

def test_metrics_by_id(s3, bucket):
    assert error(s3.get_bucket_metrics_configuration, Bucket=bucket, Id="m1")[:2] == (
        "NoSuchConfiguration", 404)
    for i in range(105):
        out = s3.put_bucket_metrics_configuration(Bucket=bucket, Id=f"m{i:03}",
                                                  MetricsConfiguration={
                                                      "Id": f"m{i:03}", "Filter": {"Prefix": "p/"}})
        # test_put_bucket_metrics_configuration: 204, as for the other families
        assert out["ResponseMetadata"]["HTTPStatusCode"] == 204
    got = s3.get_bucket_metrics_configuration(Bucket=bucket, Id="m001")
    assert got["MetricsConfiguration"] == {"Id": "m001", "Filter": {"Prefix": "p/"}}
    first = s3.list_bucket_metrics_configurations(Bucket=bucket)
    assert first["IsTruncated"] is True and len(first["MetricsConfigurationList"]) == 100
    second = s3.list_bucket_metrics_configurations(
        Bucket=bucket, ContinuationToken=first["NextContinuationToken"])
    assert second["IsTruncated"] is False
    assert [c["Id"] for c in second["MetricsConfigurationList"]] == \
        [f"m{i:03}" for i in range(100, 105)]
    s3.delete_bucket_metrics_configuration(Bucket=bucket, Id="m001")
    assert error(s3.get_bucket_metrics_configuration, Bucket=bucket, Id="m001")[0] == \
        "NoSuchConfiguration"
    assert error(s3.delete_bucket_metrics_configuration, Bucket=bucket, Id="m001")[:2] == (
        "NoSuchConfiguration", 404)
    assert error(s3.put_bucket_metrics_configuration, Bucket=bucket, Id="x",
                 MetricsConfiguration={"Id": "x", "Filter": {"Prefix": "a", "Tag": {
                     "Key": "k", "Value": "v"}}})[:2] == ("MalformedXML", 400)


def test_analytics_inventory_tiering(s3, bucket):
    analytics = {"Id": "a1", "StorageClassAnalysis": {}}
    # test_s3_analytics_configurations, test_s3_inventory_report_crud,
    # test_s3_intelligent_tier_config: every family's Put answers 204
    put = s3.put_bucket_analytics_configuration(Bucket=bucket, Id="a1",
                                                AnalyticsConfiguration=analytics)
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert s3.get_bucket_analytics_configuration(Bucket=bucket, Id="a1")[
        "AnalyticsConfiguration"]["Id"] == "a1"
    assert [c["Id"] for c in s3.list_bucket_analytics_configurations(Bucket=bucket)[
        "AnalyticsConfigurationList"]] == ["a1"]
    s3.delete_bucket_analytics_configuration(Bucket=bucket, Id="a1")
    assert error(s3.get_bucket_analytics_configuration, Bucket=bucket, Id="a1")[0] == \
        "NoSuchConfiguration"

    inventory = {"Id": "i1", "IsEnabled": True, "IncludedObjectVersions": "Current",
                 "Schedule": {"Frequency": "Daily"},
                 "Destination": {"S3BucketDestination": {"Bucket": f"arn:aws:s3:::{bucket}",
                                                         "Format": "CSV"}}}
    put = s3.put_bucket_inventory_configuration(Bucket=bucket, Id="i1",
                                                InventoryConfiguration=inventory)
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert s3.get_bucket_inventory_configuration(Bucket=bucket, Id="i1")[
        "InventoryConfiguration"] == inventory
    bad = {**inventory, "Schedule": {"Frequency": "Hourly"}}
    assert error(s3.put_bucket_inventory_configuration, Bucket=bucket, Id="i1",
                 InventoryConfiguration=bad)[:2] == ("MalformedXML", 400)
    # test_s3_put_inventory_report_exceptions: the inventory API's own errors
    assert error(s3.put_bucket_inventory_configuration, Bucket=bucket, Id="other",
                 InventoryConfiguration=inventory) == (
        "IdMismatch", 400, "Document ID does not match the specified configuration ID.")
    bad = {**inventory, "Destination": {"S3BucketDestination": {"Bucket": "not-an-arn",
                                                                "Format": "CSV"}}}
    assert error(s3.put_bucket_inventory_configuration, Bucket=bucket, Id="i1",
                 InventoryConfiguration=bad) == (
        "InvalidS3DestinationBucket", 400, "Invalid bucket ARN.")
    assert error(s3.put_bucket_inventory_configuration, Bucket=bucket, Id="i1",
                 InventoryConfiguration={**inventory, "OptionalFields": ["TestField"]})[:2] \
        == ("MalformedXML", 400)

    tiering = {"Id": "t1", "Status": "Enabled",
               "Tierings": [{"Days": 90, "AccessTier": "ARCHIVE_ACCESS"}]}
    put = s3.put_bucket_intelligent_tiering_configuration(
        Bucket=bucket, Id="t1", IntelligentTieringConfiguration=tiering)
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert s3.list_bucket_intelligent_tiering_configurations(Bucket=bucket)[
        "IntelligentTieringConfigurationList"] == [tiering]
    bad = {**tiering, "Tierings": [{"Days": 10, "AccessTier": "ARCHIVE_ACCESS"}]}
    assert error(s3.put_bucket_intelligent_tiering_configuration, Bucket=bucket, Id="t1",
                 IntelligentTieringConfiguration=bad)[:2] == ("InvalidArgument", 400)
    # an Id other than the document's: LocalStack's AWS-validated test_s3_intelligent_tier_config
    # and test_s3_analytics_configurations
    assert error(s3.put_bucket_intelligent_tiering_configuration, Bucket=bucket, Id="other",
                 IntelligentTieringConfiguration=tiering)[:2] == ("MalformedXML", 400)
    analytics = {"Id": "a1", "Filter": {"Prefix": "test_ls"}, "StorageClassAnalysis": {}}
    assert error(s3.put_bucket_analytics_configuration, Bucket=bucket, Id="different-id",
                 AnalyticsConfiguration=analytics)[:2] == ("MalformedXML", 400)


def test_missing_bucket(s3):
    assert error(s3.get_bucket_cors, Bucket="no-such-bucket-cfg")[:2] == ("NoSuchBucket", 404)
    assert error(s3.put_bucket_tagging, Bucket="no-such-bucket-cfg",
                 Tagging={"TagSet": []})[:2] == ("NoSuchBucket", 404)


def test_owner_root_can_always_manage_a_policy_that_denies_it(s3, bucket):
    deny_all = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]}]})
    put = s3.put_bucket_policy(Bucket=bucket, Policy=deny_all)
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert error(s3.list_objects_v2, Bucket=bucket)[:2] == ("AccessDenied", 403)
    assert s3.get_bucket_policy(Bucket=bucket)["Policy"] == deny_all
    s3.delete_bucket_policy(Bucket=bucket)
    s3.list_objects_v2(Bucket=bucket)


def _without_integrity_headers(request, **_):
    for name in [h for h in request.headers.keys() if h.lower() == "content-md5"
                 or h.lower().startswith("x-amz-checksum-") or h.lower() == "x-amz-sdk-checksum-algorithm"]:
        del request.headers[name]


def test_operations_that_need_a_body_checksum_refuse_none_and_check_the_one_given(nuvem, bucket):
    # versitygw issue 1301 (S3's words) and PutBucketCors_md5: the model's httpChecksumRequired
    # operations need Content-MD5 or x-amz-checksum-*, and a wrong one is refused
    bare = nuvem.client("s3")
    bare.meta.events.register("before-sign.s3.*", _without_integrity_headers)
    cors = {"CORSRules": [{"AllowedOrigins": ["http://origin.com"], "AllowedMethods": ["GET"]}]}
    for call in (lambda: bare.put_bucket_cors(Bucket=bucket, CORSConfiguration=cors),
                 lambda: bare.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "k"}]}),
                 lambda: bare.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": []})):
        with pytest.raises(ClientError) as e:
            call()
        r = e.value.response
        assert (r["Error"]["Code"], r["ResponseMetadata"]["HTTPStatusCode"], r["Error"]["Message"]) == (
            "InvalidRequest", 400, "Missing required header for this request: Content-MD5 OR "
                                   "x-amz-checksum-*")
    s3 = nuvem.client("s3")
    assert error(s3.put_bucket_cors, Bucket=bucket, CORSConfiguration=cors, ContentMD5="invalid")[:2] == \
        ("InvalidDigest", 400)
    assert error(s3.put_bucket_cors, Bucket=bucket, CORSConfiguration=cors,
                 ContentMD5="uU0nuZNNPgilLlLX2n2r+s==")[:2] == ("BadDigest", 400)
    wrong_crc = nuvem.client("s3")
    wrong_crc.meta.events.register("before-sign.s3.PutBucketCors", lambda request, **_:
                                   request.headers.replace_header("x-amz-checksum-crc32", "AAAAAA=="))
    assert error(wrong_crc.put_bucket_cors, Bucket=bucket, CORSConfiguration=cors) == (
        "BadDigest", 400, "The CRC32 you specified did not match the calculated checksum.")
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=cors)
