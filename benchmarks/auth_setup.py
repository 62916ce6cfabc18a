"""The IAM principal the authentication + authorization benchmarks call as.

A user in account 210987654321 (created by that account's root: a 12-digit access key acts as
the root of that account) with 10 attached customer-managed policies, each a few statements with
Action lists, resource ARNs with policy variables and conditions (aws:SourceIp, aws:username,
aws:RequestedRegion, aws:ResourceTag/...), as a real account's developer role would have. Two of
them deny with a condition that does not hold for the benchmark's requests (so every call
evaluates those conditions); the last one allows the benchmarked actions.

Used by benchmarks/run.py (over sockets) and benchmarks/profile_auth.py (in process).
"""
from __future__ import annotations

import json
from typing import Callable

ACCOUNT = "210987654321"              # root-style key: no signature check, no policy evaluation
USER = "bench-auth"
NETWORKS = ["127.0.0.0/8", "10.0.0.0/8", "192.168.0.0/16"]
REGIONS = ["us-east-1", "us-west-2", "eu-west-1"]


def _doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=2)


def policies() -> list[tuple[str, str]]:
    """(name, document) of the 10 policies, in attachment order (the allowing one last)."""
    a = ACCOUNT
    return [
        ("bench-deny-outside-network", _doc(
            {"Sid": "DenyOutsideCorporateNetwork", "Effect": "Deny", "Action": "*",
             "Resource": "*",
             "Condition": {"NotIpAddress": {"aws:SourceIp": NETWORKS},
                           "Bool": {"aws:ViaAWSService": "false"}}})),
        ("bench-region-guard", _doc(
            {"Sid": "DenyOtherRegions", "Effect": "Deny",
             "NotAction": ["iam:*", "sts:*", "organizations:*", "route53:*", "cloudfront:*",
                           "support:*", "budgets:*"],
             "Resource": "*",
             "Condition": {"StringNotEquals": {"aws:RequestedRegion": REGIONS}}})),
        ("bench-s3-home", _doc(
            {"Sid": "ListOwnPrefix", "Effect": "Allow", "Action": ["s3:ListBucket"],
             "Resource": "arn:aws:s3:::company-home",
             "Condition": {"StringLike": {"s3:prefix": ["", "home/", "home/${aws:username}/*"]}}},
            {"Sid": "OwnObjects", "Effect": "Allow",
             "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:GetObjectTagging"],
             "Resource": "arn:aws:s3:::company-home/home/${aws:username}/*"},
            {"Sid": "ListBuckets", "Effect": "Allow",
             "Action": ["s3:ListAllMyBuckets", "s3:GetBucketLocation"], "Resource": "*"})),
        ("bench-dynamodb-own-items", _doc(
            {"Sid": "OwnItems", "Effect": "Allow",
             "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
                        "dynamodb:DeleteItem", "dynamodb:Query", "dynamodb:BatchGetItem"],
             "Resource": [f"arn:aws:dynamodb:*:{a}:table/app-sessions",
                          f"arn:aws:dynamodb:*:{a}:table/app-sessions/index/*"],
             "Condition": {"ForAllValues:StringEquals": {
                 "dynamodb:LeadingKeys": ["${aws:username}"]}}},
            {"Sid": "DescribeTables", "Effect": "Allow",
             "Action": ["dynamodb:DescribeTable", "dynamodb:ListTables"], "Resource": "*"})),
        ("bench-ec2-tag-based", _doc(
            {"Sid": "ManageOwnInstances", "Effect": "Allow",
             "Action": ["ec2:StartInstances", "ec2:StopInstances", "ec2:RebootInstances"],
             "Resource": f"arn:aws:ec2:*:{a}:instance/*",
             "Condition": {"StringEquals": {"aws:ResourceTag/Owner": "${aws:username}"}}},
            {"Sid": "NoTerminateOutsideDev", "Effect": "Deny",
             "Action": ["ec2:TerminateInstances", "ec2:DeleteVolume"],
             "Resource": "*",
             "Condition": {"StringNotLike": {"aws:ResourceTag/Environment": ["dev", "dev-*"]}}})),
        ("bench-sqs-sns", _doc(
            {"Sid": "AppQueues", "Effect": "Allow",
             "Action": ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage",
                        "sqs:GetQueueAttributes", "sqs:GetQueueUrl"],
             "Resource": f"arn:aws:sqs:*:{a}:app-*"},
            {"Sid": "AppTopics", "Effect": "Allow", "Action": ["sns:Publish", "sns:ListTopics"],
             "Resource": f"arn:aws:sns:*:{a}:app-*",
             "Condition": {"StringEquals": {"aws:RequestedRegion": REGIONS}}})),
        ("bench-iam-self-service", _doc(
            {"Sid": "OwnUser", "Effect": "Allow",
             "Action": ["iam:GetUser", "iam:ChangePassword", "iam:ListAccessKeys",
                        "iam:CreateAccessKey", "iam:UpdateAccessKey", "iam:DeleteAccessKey",
                        "iam:ListMFADevices", "iam:EnableMFADevice"],
             "Resource": f"arn:aws:iam::{a}:user/${{aws:username}}"},
            {"Sid": "ReadAccount", "Effect": "Allow",
             "Action": ["iam:GetAccountPasswordPolicy", "iam:ListUsers", "iam:ListPolicies"],
             "Resource": "*"})),
        ("bench-logs-lambda", _doc(
            {"Sid": "AppLogs", "Effect": "Allow",
             "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents",
                        "logs:DescribeLogStreams"],
             "Resource": f"arn:aws:logs:*:{a}:log-group:/app/*"},
            {"Sid": "InvokeDevFunctions", "Effect": "Allow",
             "Action": ["lambda:InvokeFunction", "lambda:GetFunction"],
             "Resource": f"arn:aws:lambda:*:{a}:function:dev-*",
             "Condition": {"StringLike": {"aws:username": ["bench-*", "dev-*"]}}})),
        ("bench-kms-secrets", _doc(
            {"Sid": "AppSecrets", "Effect": "Allow",
             "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
             "Resource": f"arn:aws:secretsmanager:*:{a}:secret:app/${{aws:username}}/*"},
            {"Sid": "DecryptWithAppKey", "Effect": "Allow",
             "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
             "Resource": f"arn:aws:kms:*:{a}:key/*",
             "Condition": {"StringEquals": {"kms:ViaService": [
                 "secretsmanager.us-east-1.amazonaws.com"]}}})),
        ("bench-ec2-read", _doc(
            {"Sid": "DescribeFromCorporateNetwork", "Effect": "Allow",
             "Action": ["ec2:DescribeRegions", "ec2:DescribeAvailabilityZones",
                        "ec2:DescribeInstances", "ec2:DescribeImages", "ec2:DescribeKeyPairs",
                        "ec2:DescribeSecurityGroups", "ec2:DescribeVpcs", "ec2:DescribeSubnets",
                        "sts:GetCallerIdentity"],
             "Resource": "*",
             "Condition": {"IpAddress": {"aws:SourceIp": NETWORKS},
                           "StringLike": {"aws:username": "bench-*"}}},
            {"Sid": "DescribeTags", "Effect": "Allow", "Action": ["ec2:DescribeTags"],
             "Resource": "*",
             "Condition": {"StringEquals": {"aws:RequestedRegion": REGIONS}}})),
    ]


def create_user(make_client: Callable[[str, str, str], object]) -> dict:
    """Create the user, its 10 policies and an access key (idempotent within one server).

    `make_client(service, access_key, secret)` returns a boto3 client for Nuvem. Returns the
    access key as IAM's CreateAccessKey answers it."""
    iam = make_client("iam", ACCOUNT, "test")
    iam.create_user(UserName=USER)
    for name, document in policies():
        arn = iam.create_policy(PolicyName=name, PolicyDocument=document)["Policy"]["Arn"]
        iam.attach_user_policy(UserName=USER, PolicyArn=arn)
    attached = iam.list_attached_user_policies(UserName=USER)["AttachedPolicies"]
    assert len(attached) == 10, attached
    return iam.create_access_key(UserName=USER)["AccessKey"]
