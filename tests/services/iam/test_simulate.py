"""SimulatePrincipalPolicy / SimulateCustomPolicy / GetContextKeysFor*: the enforcing evaluator."""
import json

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.services.iam.helpers import error

ACCOUNT = "123456789012"
POWER = "arn:aws:iam::aws:policy/PowerUserAccess"


def pol(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action, resource="*", **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


@pytest.fixture
def acct(nuvem):
    return nuvem.client("iam", key=ACCOUNT)


@pytest.fixture
def power_user(acct, name):
    user = acct.create_user(UserName=name("sim"))["User"]
    acct.attach_user_policy(UserName=user["UserName"], PolicyArn=POWER)
    return user


def decisions(result):
    return {(r["EvalActionName"], r["EvalResourceName"]): r["EvalDecision"]
            for r in result["EvaluationResults"]}


def test_power_user_simulated(acct, power_user):
    out = acct.simulate_principal_policy(
        PolicySourceArn=power_user["Arn"],
        ActionNames=["iam:CreateUser", "iam:ListRoles", "s3:GetObject"])
    assert decisions(out) == {("iam:CreateUser", "*"): "implicitDeny",
                              ("iam:ListRoles", "*"): "allowed",
                              ("s3:GetObject", "*"): "allowed"}
    by_action = {r["EvalActionName"]: r for r in out["EvaluationResults"]}
    assert by_action["iam:CreateUser"]["MatchedStatements"] == []
    assert [(m["SourcePolicyId"], m["SourcePolicyType"])
            for m in by_action["s3:GetObject"]["MatchedStatements"]] == [
        ("PowerUserAccess", "aws-managed")]
    assert by_action["s3:GetObject"]["MissingContextValues"] == []
    assert out["IsTruncated"] is False


def test_explicit_deny_inline_and_group(acct, power_user, name):
    group = name("g")
    acct.create_group(GroupName=group)
    acct.add_user_to_group(GroupName=group, UserName=power_user["UserName"])
    acct.put_group_policy(GroupName=group, PolicyName="nos3",
                          PolicyDocument=pol({"Effect": "Deny", "Action": "s3:*", "Resource": "*"}))
    out = acct.simulate_principal_policy(PolicySourceArn=power_user["Arn"],
                                         ActionNames=["s3:GetObject", "ec2:DescribeRegions"])
    res = {r["EvalActionName"]: r for r in out["EvaluationResults"]}
    assert res["s3:GetObject"]["EvalDecision"] == "explicitDeny"
    assert ("nos3", "group") in [(m["SourcePolicyId"], m["SourcePolicyType"])
                                 for m in res["s3:GetObject"]["MatchedStatements"]]
    assert res["ec2:DescribeRegions"]["EvalDecision"] == "allowed"


def test_policy_input_list_adds_identity_policies(acct, name):
    user = acct.create_user(UserName=name("bare"))["User"]
    out = acct.simulate_principal_policy(PolicySourceArn=user["Arn"], ActionNames=["sqs:SendMessage"])
    assert out["EvaluationResults"][0]["EvalDecision"] == "implicitDeny"
    out = acct.simulate_principal_policy(PolicySourceArn=user["Arn"], ActionNames=["sqs:SendMessage"],
                                         PolicyInputList=[pol(allow("sqs:*"))])
    r = out["EvaluationResults"][0]
    assert r["EvalDecision"] == "allowed"
    assert [(m["SourcePolicyId"], m["SourcePolicyType"]) for m in r["MatchedStatements"]] == [
        ("PolicyInputList.1", "none")]


def test_matched_statement_positions(acct):
    document = ('{\n  "Version": "2012-10-17",\n  "Statement": [\n'
                '    {"Effect": "Allow", "Action": "sqs:*", "Resource": "*"},\n'
                '    {\n      "Effect": "Deny",\n      "Action": "sqs:DeleteQueue",\n'
                '      "Resource": "*"\n    }\n  ]\n}')
    out = acct.simulate_custom_policy(PolicyInputList=[document],
                                      ActionNames=["sqs:SendMessage", "sqs:DeleteQueue"])
    send, delete = out["EvaluationResults"]
    assert send["MatchedStatements"] == [{
        "SourcePolicyId": "PolicyInputList.1", "SourcePolicyType": "none",
        "StartPosition": {"Line": 4, "Column": 5}, "EndPosition": {"Line": 4, "Column": 59}}]
    assert delete["EvalDecision"] == "explicitDeny"
    assert delete["MatchedStatements"] == [{
        "SourcePolicyId": "PolicyInputList.1", "SourcePolicyType": "none",
        "StartPosition": {"Line": 5, "Column": 5}, "EndPosition": {"Line": 9, "Column": 5}}]


def test_permissions_boundary(acct, power_user, name):
    boundary = acct.create_policy(PolicyName=name("b"), PolicyDocument=pol(allow("s3:*")))["Policy"]
    acct.put_user_permissions_boundary(UserName=power_user["UserName"],
                                       PermissionsBoundary=boundary["Arn"])
    out = acct.simulate_principal_policy(PolicySourceArn=power_user["Arn"],
                                         ActionNames=["s3:GetObject", "ec2:DescribeRegions"])
    res = {r["EvalActionName"]: r for r in out["EvaluationResults"]}
    assert res["s3:GetObject"]["EvalDecision"] == "allowed"
    assert res["s3:GetObject"]["PermissionsBoundaryDecisionDetail"] == {
        "AllowedByPermissionsBoundary": True}
    assert res["ec2:DescribeRegions"]["EvalDecision"] == "implicitDeny"
    assert res["ec2:DescribeRegions"]["PermissionsBoundaryDecisionDetail"] == {
        "AllowedByPermissionsBoundary": False}
    # a boundary given as input replaces the entity's own
    out = acct.simulate_principal_policy(PolicySourceArn=power_user["Arn"],
                                         PermissionsBoundaryPolicyInputList=[pol(allow("ec2:*"))],
                                         ActionNames=["s3:GetObject", "ec2:DescribeRegions"])
    assert decisions(out) == {("s3:GetObject", "*"): "implicitDeny",
                              ("ec2:DescribeRegions", "*"): "allowed"}
    # a boundary given as input to a custom simulation
    out = acct.simulate_custom_policy(PolicyInputList=[pol(allow("*"))],
                                      PermissionsBoundaryPolicyInputList=[pol(allow("sqs:*"))],
                                      ActionNames=["sqs:SendMessage", "sns:Publish"])
    assert decisions(out) == {("sqs:SendMessage", "*"): "allowed", ("sns:Publish", "*"): "implicitDeny"}


def test_context_keys_source_ip(acct):
    policy = pol(allow("s3:GetObject", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))
    out = acct.simulate_custom_policy(PolicyInputList=[policy], ActionNames=["s3:GetObject"])
    r = out["EvaluationResults"][0]
    assert r["EvalDecision"] == "implicitDeny"
    assert r["MissingContextValues"] == ["aws:SourceIp"]
    for ip, expected in (("10.1.2.3", "allowed"), ("192.168.0.1", "implicitDeny")):
        out = acct.simulate_custom_policy(
            PolicyInputList=[policy], ActionNames=["s3:GetObject"],
            ContextEntries=[{"ContextKeyName": "aws:SourceIp", "ContextKeyValues": [ip],
                             "ContextKeyType": "ip"}])
        r = out["EvaluationResults"][0]
        assert r["EvalDecision"] == expected
        assert r["MissingContextValues"] == []


def test_context_list_types(acct):
    policy = pol(allow("ec2:CreateTags", Condition={
        "ForAllValues:StringEquals": {"aws:TagKeys": ["env", "team"]}}),
        {"Effect": "Deny", "Action": "ec2:CreateTags", "Resource": "*",
         "Condition": {"NumericGreaterThan": {"ec2:count": "5"}}})
    def run(*entries):
        return acct.simulate_custom_policy(
            PolicyInputList=[policy], ActionNames=["ec2:CreateTags"],
            ContextEntries=list(entries))["EvaluationResults"][0]
    tags_ok = {"ContextKeyName": "aws:TagKeys", "ContextKeyValues": ["env"],
               "ContextKeyType": "stringList"}
    tags_bad = {"ContextKeyName": "aws:TagKeys", "ContextKeyValues": ["env", "owner"],
                "ContextKeyType": "stringList"}
    r = run(tags_ok)
    assert r["EvalDecision"] == "allowed" and r["MissingContextValues"] == ["ec2:count"]
    assert run(tags_bad)["EvalDecision"] == "implicitDeny"
    many = {"ContextKeyName": "ec2:count", "ContextKeyValues": ["9"], "ContextKeyType": "numeric"}
    assert run(tags_ok, many)["EvalDecision"] == "explicitDeny"
    assert error(acct.simulate_custom_policy, PolicyInputList=[policy], ActionNames=["ec2:CreateTags"],
                 ContextEntries=[{"ContextKeyName": "ec2:count", "ContextKeyValues": ["x"],
                                  "ContextKeyType": "numeric"}])[0] == "InvalidInput"


def test_resource_policy_cross_account(acct):
    other = "210987654399"
    bucket = "arn:aws:s3:::shared-bucket/key"
    caller = f"arn:aws:iam::{ACCOUNT}:user/alice"
    resource_policy = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": caller}, "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::shared-bucket/*"}]})
    identity = pol(allow("s3:*"))
    def run(**kw):
        return acct.simulate_custom_policy(ActionNames=["s3:GetObject", "s3:PutObject"],
                                           ResourceArns=[bucket], CallerArn=caller,
                                           ResourceOwner=f"arn:aws:iam::{other}:root", **kw)
    out = run(PolicyInputList=[identity], ResourcePolicy=resource_policy)
    assert decisions(out) == {("s3:GetObject", bucket): "allowed", ("s3:PutObject", bucket): "implicitDeny"}
    get = out["EvaluationResults"][0]
    assert ("ResourcePolicy", "resource") in [(m["SourcePolicyId"], m["SourcePolicyType"])
                                              for m in get["MatchedStatements"]]
    assert get["EvalDecisionDetails"] == {"IAM Policy": "allowed", "Resource Policy": "allowed"}
    # across accounts both sides must allow: the resource policy alone is not enough
    out = run(PolicyInputList=[pol(allow("sqs:*"))], ResourcePolicy=resource_policy)
    assert decisions(out)[("s3:GetObject", bucket)] == "implicitDeny"
    # within one account the resource policy alone grants
    out = acct.simulate_custom_policy(ActionNames=["s3:GetObject"], ResourceArns=[bucket],
                                      CallerArn=caller, ResourceOwner=ACCOUNT,
                                      PolicyInputList=[pol(allow("sqs:*"))],
                                      ResourcePolicy=resource_policy)
    assert out["EvaluationResults"][0]["EvalDecision"] == "allowed"
    # a resource policy without a caller is refused
    assert error(acct.simulate_custom_policy, ActionNames=["s3:GetObject"],
                 PolicyInputList=[identity], ResourcePolicy=resource_policy)[0] == "InvalidInput"


def test_several_resources_and_paging(acct):
    policy = pol(allow("s3:GetObject", "arn:aws:s3:::a/*"))
    resources = ["arn:aws:s3:::a/1", "arn:aws:s3:::b/1"]
    out = acct.simulate_custom_policy(PolicyInputList=[policy], ResourceArns=resources,
                                      ActionNames=["s3:GetObject", "s3:PutObject"])
    assert decisions(out) == {("s3:GetObject", resources[0]): "allowed",
                              ("s3:GetObject", resources[1]): "implicitDeny",
                              ("s3:PutObject", resources[0]): "implicitDeny",
                              ("s3:PutObject", resources[1]): "implicitDeny"}
    for r in out["EvaluationResults"]:
        assert r["ResourceSpecificResults"][0]["EvalResourceName"] == r["EvalResourceName"]
        assert r["ResourceSpecificResults"][0]["EvalResourceDecision"] == r["EvalDecision"]
    seen, marker = [], None
    while True:
        page = acct.simulate_custom_policy(PolicyInputList=[policy], ResourceArns=resources,
                                           ActionNames=["s3:GetObject", "s3:PutObject"], MaxItems=3,
                                           **({"Marker": marker} if marker else {}))
        seen += page["EvaluationResults"]
        if not page["IsTruncated"]:
            break
        marker = page["Marker"]
    assert len(seen) == 4 and seen == out["EvaluationResults"]


def test_roles_and_groups_as_source(acct, name):
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    role = acct.create_role(RoleName=name("r"), AssumeRolePolicyDocument=trust)["Role"]
    acct.put_role_policy(RoleName=role["RoleName"], PolicyName="q", PolicyDocument=pol(allow("sqs:*")))
    out = acct.simulate_principal_policy(PolicySourceArn=role["Arn"], ActionNames=["sqs:SendMessage"])
    assert out["EvaluationResults"][0]["EvalDecision"] == "allowed"
    assert [(m["SourcePolicyId"], m["SourcePolicyType"])
            for m in out["EvaluationResults"][0]["MatchedStatements"]] == [("q", "role")]
    group = acct.create_group(GroupName=name("g"))["Group"]
    acct.attach_group_policy(GroupName=group["GroupName"],
                             PolicyArn="arn:aws:iam::aws:policy/AmazonSQSFullAccess")
    out = acct.simulate_principal_policy(PolicySourceArn=group["Arn"],
                                         ActionNames=["sqs:SendMessage", "sns:Publish"])
    assert decisions(out) == {("sqs:SendMessage", "*"): "allowed", ("sns:Publish", "*"): "implicitDeny"}


def test_errors(acct):
    code, status, _ = error(acct.simulate_principal_policy,
                            PolicySourceArn=f"arn:aws:iam::{ACCOUNT}:user/nobody",
                            ActionNames=["s3:GetObject"])
    assert (code, status) == ("NoSuchEntity", 404)
    assert error(acct.simulate_principal_policy, PolicySourceArn="arn:aws:s3:::not-an-iam-entity",
                 ActionNames=["s3:GetObject"])[0] == "InvalidInput"
    assert error(acct.simulate_custom_policy, PolicyInputList=[pol(allow("s3:*"))],
                 ActionNames=["s3:GetObject"], ResourceArns=["bucket"])[0] == "InvalidInput"
    assert error(acct.simulate_custom_policy, PolicyInputList=["{not json"],
                 ActionNames=["s3:GetObject"])[0] == "InvalidInput"
    assert error(acct.simulate_custom_policy, PolicyInputList=[pol(allow("s3:*"))],
                 ActionNames=["GetObject"])[0] == "InvalidInput"


def test_context_keys(acct, name):
    policy = pol(allow("s3:*", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"},
                                          "StringEquals": {"s3:prefix": "home/"}}),
                 allow("ec2:*", Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"},
                                           "IpAddress": {"aws:sourceip": "10.0.0.0/8"}}))
    out = acct.get_context_keys_for_custom_policy(PolicyInputList=[policy])
    assert sorted(out["ContextKeyNames"]) == ["aws:MultiFactorAuthPresent", "aws:SourceIp", "s3:prefix"]
    user = acct.create_user(UserName=name("ck"))["User"]
    acct.put_user_policy(UserName=user["UserName"], PolicyName="p", PolicyDocument=policy)
    out = acct.get_context_keys_for_principal_policy(
        PolicySourceArn=user["Arn"],
        PolicyInputList=[pol(allow("sqs:*", Condition={"StringLike": {"aws:userid": "A*"}}))])
    assert sorted(out["ContextKeyNames"]) == ["aws:MultiFactorAuthPresent", "aws:SourceIp",
                                              "aws:userid", "s3:prefix"]
    assert error(acct.get_context_keys_for_principal_policy,
                 PolicySourceArn=f"arn:aws:iam::{ACCOUNT}:user/ghost")[0] == "NoSuchEntity"


def _as(nuvem, key, service):
    return boto3.client(service, endpoint_url=nuvem.endpoint, region_name="us-east-1",
                        aws_access_key_id=key["AccessKeyId"],
                        aws_secret_access_key=key["SecretAccessKey"],
                        config=Config(retries={"max_attempts": 1}))


def test_simulation_agrees_with_enforcement(nuvem, acct, power_user, name):
    """For the same user and action, the simulator's decision is what a real call gets."""
    other = acct.create_user(UserName=name("deny"))["User"]
    acct.attach_user_policy(UserName=other["UserName"], PolicyArn=POWER)
    acct.put_user_policy(UserName=other["UserName"], PolicyName="noec2",
                         PolicyDocument=pol({"Effect": "Deny", "Action": "ec2:Describe*",
                                             "Resource": "*"}))
    calls = {
        "ec2:DescribeRegions": lambda k: _as(nuvem, k, "ec2").describe_regions(),
        "iam:ListRoles": lambda k: _as(nuvem, k, "iam").list_roles(),
        "iam:CreateUser": lambda k: _as(nuvem, k, "iam").create_user(UserName=name("intruder")),
    }
    for user in (power_user, other):
        key = acct.create_access_key(UserName=user["UserName"])["AccessKey"]
        simulated = decisions(acct.simulate_principal_policy(PolicySourceArn=user["Arn"],
                                                             ActionNames=list(calls)))
        for action, call in calls.items():
            try:
                call(key)
                real = "allowed"
            except ClientError as e:
                assert e.response["Error"]["Code"] in ("AccessDenied", "UnauthorizedOperation")
                real = "denied"
            sim = simulated[(action, "*")]
            assert (sim == "allowed") == (real == "allowed"), (user["UserName"], action, sim, real)
    assert decisions(acct.simulate_principal_policy(
        PolicySourceArn=other["Arn"], ActionNames=["ec2:DescribeRegions"])) == {
        ("ec2:DescribeRegions", "*"): "explicitDeny"}
