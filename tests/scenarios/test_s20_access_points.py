"""S20: S3 access points with their own policies over one bucket (no data copied); transfer
acceleration on a bucket gives the accelerate endpoint, which works for uploads and downloads.

Real boto3 clients throughout. Hosts botocore builds for access point ARNs
(`<name>-<account>.localhost:<port>`), for S3 Control (`<account>.localhost:<port>`) and for the
accelerate endpoint (`<bucket>.s3-accelerate.localhost:<port>`) do not resolve here, so those
clients connect to 127.0.0.1 and keep the signed Host header (tests/services/s3control/loopback.py).
"""
import json

import pytest
from botocore.exceptions import ClientError

from tests.services.s3control.loopback import s3_client, s3control_client

BUCKET = "s20-shared-datasets"


def error_of(excinfo):
    e = excinfo.value.response
    return e["Error"]["Code"], e["ResponseMetadata"]["HTTPStatusCode"]


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


@pytest.fixture(scope="module")
def world(nuvem):
    port = nuvem.port
    s3, iam = nuvem.client("s3"), nuvem.client("iam")
    account = nuvem.client("sts").get_caller_identity()["Account"]
    control = s3control_client(port)
    s3.create_bucket(Bucket=BUCKET)
    for key in ("finance/q1.csv", "sales/q1.csv"):
        s3.put_object(Bucket=BUCKET, Key=key, Body=key.encode())
    # The bucket delegates access control to the account's access points ("Configuring IAM
    # policies for using access points": delegating access control to access points).
    s3.put_bucket_policy(Bucket=BUCKET, Policy=policy({
        "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "*",
        "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
        "Condition": {"StringEquals": {"s3:DataAccessPointAccount": account}}}))
    users, points = {}, {}
    for user, team in (("alice", "finance"), ("bob", "sales")):
        iam.create_user(UserName=f"s20-{user}")      # no identity policies at all
        key = iam.create_access_key(UserName=f"s20-{user}")["AccessKey"]
        users[user] = s3_client(port, key=key["AccessKeyId"], secret=key["SecretAccessKey"])
        ap = control.create_access_point(AccountId=account, Name=f"{team}-ap", Bucket=BUCKET)
        arn = ap["AccessPointArn"]
        control.put_access_point_policy(AccountId=account, Name=f"{team}-ap", Policy=policy(
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:user/s20-{user}"},
             "Action": ["s3:GetObject", "s3:PutObject"], "Resource": f"{arn}/object/{team}/*"},
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:user/s20-{user}"},
             "Action": "s3:ListBucket", "Resource": arn,
             "Condition": {"StringLike": {"s3:prefix": f"{team}/*"}}}))
        points[team] = ap
    return {"s3": s3, "control": control, "account": account, "users": users,
            "points": points, "port": port}


def test_each_team_reads_its_data_through_its_access_point(world):
    alice, bob = world["users"]["alice"], world["users"]["bob"]
    finance, sales = world["points"]["finance"], world["points"]["sales"]
    for name in (finance["AccessPointArn"], finance["Alias"]):
        body = alice.get_object(Bucket=name, Key="finance/q1.csv")["Body"].read()
        assert body == b"finance/q1.csv"
    assert bob.get_object(Bucket=sales["AccessPointArn"],
                          Key="sales/q1.csv")["Body"].read() == b"sales/q1.csv"
    listed = alice.list_objects_v2(Bucket=finance["AccessPointArn"], Prefix="finance/")
    assert [o["Key"] for o in listed["Contents"]] == ["finance/q1.csv"]


@pytest.mark.parametrize("who,point,key", [
    ("alice", "finance", "sales/q1.csv"),     # outside the prefix its access point allows
    ("alice", "sales", "sales/q1.csv"),       # another team's access point
    ("bob", "finance", "finance/q1.csv"),
])
def test_access_point_policies_decide(world, who, point, key):
    with pytest.raises(ClientError) as e:
        world["users"][who].get_object(Bucket=world["points"][point]["AccessPointArn"], Key=key)
    assert error_of(e) == ("AccessDenied", 403)


def test_the_bucket_itself_stays_closed(world):
    with pytest.raises(ClientError) as e:   # the delegation only covers access point requests
        world["users"]["alice"].get_object(Bucket=BUCKET, Key="finance/q1.csv")
    assert error_of(e) == ("AccessDenied", 403)


def test_writes_through_an_access_point_land_in_the_bucket(world):
    alice, s3 = world["users"]["alice"], world["s3"]
    put = alice.put_object(Bucket=world["points"]["finance"]["Alias"], Key="finance/q2.csv",
                           Body=b"q2 numbers")
    head = s3.head_object(Bucket=BUCKET, Key="finance/q2.csv")
    assert head["ETag"] == put["ETag"]
    assert s3.get_object(Bucket=BUCKET, Key="finance/q2.csv")["Body"].read() == b"q2 numbers"
    with pytest.raises(ClientError) as e:
        alice.put_object(Bucket=world["points"]["finance"]["Alias"], Key="sales/q2.csv", Body=b"x")
    assert error_of(e) == ("AccessDenied", 403)


def test_both_policies_must_allow(world):
    s3 = world["s3"]
    delegation = s3.get_bucket_policy(Bucket=BUCKET)["Policy"]
    s3.delete_bucket_policy(Bucket=BUCKET)
    try:   # the access point policy alone is not enough
        with pytest.raises(ClientError) as e:
            world["users"]["alice"].get_object(Bucket=world["points"]["finance"]["AccessPointArn"],
                                               Key="finance/q1.csv")
        assert error_of(e) == ("AccessDenied", 403)
    finally:
        s3.put_bucket_policy(Bucket=BUCKET, Policy=delegation)
    # and the bucket's delegation alone is not enough either: no access point policy, no access
    control, account = world["control"], world["account"]
    control.create_access_point(AccountId=account, Name="open-ap", Bucket=BUCKET)
    with pytest.raises(ClientError) as e:
        world["users"]["alice"].get_object(Bucket=f"arn:aws:s3:us-east-1:{account}:accesspoint/"
                                           "open-ap", Key="finance/q1.csv")
    assert error_of(e) == ("AccessDenied", 403)
    control.delete_access_point(AccountId=account, Name="open-ap")


def test_transfer_acceleration(world):
    s3, port = world["s3"], world["port"]
    accelerated = s3_client(port, host="s3-accelerate.localhost")
    with pytest.raises(ClientError) as e:    # not configured yet
        accelerated.put_object(Bucket=BUCKET, Key="big/upload.bin", Body=b"x")
    assert error_of(e) == ("InvalidRequest", 400)
    assert "not configured" in e.value.response["Error"]["Message"]
    s3.put_bucket_accelerate_configuration(Bucket=BUCKET,
                                           AccelerateConfiguration={"Status": "Enabled"})
    body = bytes(range(256)) * 4096
    put = accelerated.put_object(Bucket=BUCKET, Key="big/upload.bin", Body=body)
    got = accelerated.get_object(Bucket=BUCKET, Key="big/upload.bin")
    assert got["Body"].read() == body and got["ETag"] == put["ETag"]
    assert s3.get_object(Bucket=BUCKET, Key="big/upload.bin")["Body"].read() == body
    with pytest.raises(ClientError) as e:    # bucket operations have no accelerate endpoint
        s3_client(port, host="s3-accelerate.localhost").list_buckets()
    assert error_of(e) == ("InvalidRequest", 400)
    s3.put_bucket_accelerate_configuration(Bucket=BUCKET,
                                           AccelerateConfiguration={"Status": "Suspended"})
    with pytest.raises(ClientError) as e:
        accelerated.get_object(Bucket=BUCKET, Key="big/upload.bin")
    assert error_of(e) == ("InvalidRequest", 400)
    s3.create_bucket(Bucket="s20.dotted")
    with pytest.raises(ClientError) as e:   # names with dots cannot be accelerated
        s3.put_bucket_accelerate_configuration(Bucket="s20.dotted",
                                               AccelerateConfiguration={"Status": "Enabled"})
    assert error_of(e) == ("InvalidRequest", 400)


def test_bucket_administration_is_not_served_through_an_access_point(world):
    from botocore.exceptions import ClientError
    alias = world["points"]["finance"]["Alias"]
    with pytest.raises(ClientError) as e:
        world["s3"].delete_bucket(Bucket=alias)
    assert e.value.response["Error"]["Code"] == "InvalidRequest"
    with pytest.raises(ClientError) as e:
        world["s3"].put_bucket_versioning(Bucket=alias,
                                          VersioningConfiguration={"Status": "Enabled"})
    assert e.value.response["Error"]["Code"] == "InvalidRequest"
