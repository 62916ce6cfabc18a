"""The read API authentication and authorization use, against a store in this process."""
from datetime import datetime, timezone

from nuvem.services.iam import lookup
from nuvem.services.iam.managed import aws_policies
from nuvem.services.iam.models import AccessKey, Group, Policy, PolicyVersion, User
from nuvem.store import SqliteStore

NOW = datetime(2026, 1, 1, tzinfo=timezone.utc)
ACCOUNT = "123456789012"


def test_access_key_principal_and_policies():
    store = SqliteStore(None)
    try:
        local = f"arn:aws:iam::{ACCOUNT}:policy/local"
        with store.tx() as tx:
            tx.put(Group(account=ACCOUNT, key="devs", GroupName="Devs", Path="/", GroupId="AGPA1",
                         CreateDate=NOW, InlinePolicies={"g": '{"Statement": []}'},
                         AttachedPolicies=["arn:aws:iam::aws:policy/IAMFullAccess"]))
            tx.put(Policy(account=ACCOUNT, key="local", PolicyName="local", Path="/",
                          PolicyId="ANPA1", CreateDate=NOW, UpdateDate=NOW, DefaultVersionId="v2",
                          Versions=[PolicyVersion("v1", "old", NOW), PolicyVersion("v2", "new", NOW)]))
            tx.put(User(account=ACCOUNT, key="ann", UserName="Ann", Path="/", UserId="AIDA1",
                        CreateDate=NOW, Groups=["devs"], InlinePolicies={"mine": "{}"},
                        AttachedPolicies=["arn:aws:iam::aws:policy/PowerUserAccess", local],
                        PermissionsBoundary="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"))
            tx.put(AccessKey(AccessKeyId="AKIAEXAMPLE0000000001", account=ACCOUNT, user_key="ann",
                             UserName="Ann", SecretAccessKey="s" * 40, Status="Active",
                             CreateDate=NOW))
        with store.read() as view:
            account, user, secret, status = lookup.access_key_principal(view, "AKIAEXAMPLE0000000001")
            assert (account, user.UserName, secret, status) == (ACCOUNT, "Ann", "s" * 40, "Active")
            assert lookup.access_key_principal(view, "AKIANOPE") is None
            policies = dict(lookup.principal_policies(view, ACCOUNT, "ann"))
            power = aws_policies()["arn:aws:iam::aws:policy/PowerUserAccess"].Document
            assert policies["arn:aws:iam::aws:policy/PowerUserAccess"] == power
            assert policies[local] == "new"
            assert policies["user/Ann:mine"] == "{}"
            assert policies["group/Devs:g"] == '{"Statement": []}'
            assert "arn:aws:iam::aws:policy/IAMFullAccess" in policies
            arn, boundary = lookup.permissions_boundary(view, ACCOUNT, "Ann")
            assert arn.endswith("AmazonS3ReadOnlyAccess") and "s3:Get*" in boundary
            assert lookup.principal_policies(view, "999999999999", "ann") == []
    finally:
        store.close()


def test_role_and_provider_lookups():
    from nuvem.services.iam.models import OIDCProvider, Role
    store = SqliteStore(None)
    try:
        with store.tx() as tx:
            tx.put(Role(account=ACCOUNT, key="deploy", RoleName="Deploy", Path="/", RoleId="AROA1",
                        CreateDate=NOW, AssumeRolePolicyDocument='{"Statement": []}',
                        MaxSessionDuration=7200, InlinePolicies={"p": "{}"},
                        AttachedPolicies=["arn:aws:iam::aws:policy/AdministratorAccess"],
                        PermissionsBoundary="arn:aws:iam::aws:policy/PowerUserAccess"))
            tx.put(OIDCProvider(account=ACCOUNT, Url="token.example.com", CreateDate=NOW,
                                ClientIDList=["sts.amazonaws.com"]))
        with store.read() as view:
            found = lookup.role(view, ACCOUNT, "DEPLOY")
            assert found.MaxSessionDuration == 7200 and found.arn.endswith(":role/Deploy")
            names = [n for n, _ in lookup.role_policies(view, ACCOUNT, "deploy")]
            assert names == ["arn:aws:iam::aws:policy/AdministratorAccess", "role/Deploy:p"]
            assert lookup.role_permissions_boundary(view, ACCOUNT, "deploy")[0].endswith("PowerUserAccess")
            assert lookup.role(view, ACCOUNT, "nope") is None
            provider = lookup.oidc_provider(view, ACCOUNT, "https://token.example.com/")
            assert provider.ClientIDList == ["sts.amazonaws.com"]
    finally:
        store.close()
