import json

from tests.services.iam.helpers import TRUST, drain, error


def test_role_lifecycle_trust_policy_round_trips(iam, name):
    n = name("role")
    role = iam.create_role(RoleName=n, Path="/app/", AssumeRolePolicyDocument=TRUST,
                           Description="web", MaxSessionDuration=7200,
                           Tags=[{"Key": "k", "Value": "v"}])["Role"]
    assert role["RoleId"].startswith("AROA") and role["Arn"].endswith(f":role/app/{n}")
    # botocore URL-decodes and parses the document IAM sends URL-encoded
    assert role["AssumeRolePolicyDocument"] == json.loads(TRUST)
    got = iam.get_role(RoleName=n)["Role"]
    assert got["MaxSessionDuration"] == 7200 and got["Description"] == "web"
    assert got["Tags"] == [{"Key": "k", "Value": "v"}]
    assert error(iam.create_role, RoleName=n.upper(), AssumeRolePolicyDocument=TRUST)[:2] == (
        "EntityAlreadyExists", 409)

    new_trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
        "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": "a b&c=%"}}}]}
    iam.update_assume_role_policy(RoleName=n, PolicyDocument=json.dumps(new_trust))
    assert iam.get_role(RoleName=n)["Role"]["AssumeRolePolicyDocument"] == new_trust
    iam.update_role(RoleName=n, MaxSessionDuration=43200, Description="api")
    assert iam.get_role(RoleName=n)["Role"]["MaxSessionDuration"] == 43200
    assert iam.list_role_tags(RoleName=n)["Tags"] == [{"Key": "k", "Value": "v"}]
    iam.untag_role(RoleName=n, TagKeys=["k"])
    iam.delete_role(RoleName=n)
    assert error(iam.get_role, RoleName=n) == (
        "NoSuchEntity", 404, f"The role with name {n} cannot be found.")


def test_role_validation(nuvem, iam, name):
    n = name("bad")
    unchecked = nuvem.client("iam", parameter_validation=False)
    code, status, _ = error(unchecked.create_role, RoleName=n, AssumeRolePolicyDocument=TRUST,
                            MaxSessionDuration=60)
    assert (code, status) == ("ValidationError", 400)
    assert error(unchecked.create_role, RoleName=n, AssumeRolePolicyDocument=TRUST,
                 MaxSessionDuration=43201)[0] == "ValidationError"
    assert error(iam.create_role, RoleName=n, AssumeRolePolicyDocument="{not json") == (
        "MalformedPolicyDocument", 400, "This policy contains invalid Json")


def test_trust_policy_errors(iam, name):
    """AWS's answers recorded for test_iam_roles.py::test_update_assume_role_policy_errors."""
    n = name("trust")
    iam.create_role(RoleName=n, AssumeRolePolicyDocument=TRUST)

    def update(statement):
        return error(iam.update_assume_role_policy, RoleName=n, PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, **statement}]}))
    assert error(iam.update_assume_role_policy, RoleName=n, PolicyDocument="not valid json") == (
        "MalformedPolicyDocument", 400, "This policy contains invalid Json")
    for action in ("sts:InvalidAction", "s3:GetObject", ["sts:AssumeRole", "sts:GetCallerIdentity"]):
        assert update({"Action": action}) == (
            "MalformedPolicyDocument", 400,
            "AssumeRole policy may only specify STS AssumeRole actions.")
    assert update({"Action": "sts:AssumeRole", "Resource": "arn:aws:s3:::example_bucket"}) == (
        "MalformedPolicyDocument", 400, "Has prohibited field Resource")
    for action in ("sts:AssumeRole", ["sts:TagSession", "sts:SetSourceIdentity"], "sts:Assume*",
                   "sts:*", "*", "STS:ASSUMEROLEWITHWEBIDENTITY"):
        iam.update_assume_role_policy(RoleName=n, PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": action}]}))
    iam.delete_role(RoleName=n)


def test_create_role_answers_without_defaults(iam, name):
    """test_iam_roles.py's create and update snapshots: CreateRole answers neither the description
    nor MaxSessionDuration and RoleLastUsed, UpdateRoleDescription the description only; GetRole
    has them all."""
    n, boundary = name("shape"), name("boundary")
    arn = iam.create_policy(PolicyName=boundary, PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket",
                                                "Resource": "*"}]}))["Policy"]["Arn"]
    role = iam.create_role(RoleName=n, AssumeRolePolicyDocument=TRUST, Description="first",
                           PermissionsBoundary=arn, Tags=[{"Key": "k", "Value": ""}])["Role"]
    assert set(role) == {"Path", "RoleName", "RoleId", "Arn", "CreateDate",
                         "AssumeRolePolicyDocument", "PermissionsBoundary", "Tags"}
    described = iam.update_role_description(RoleName=n, Description="second")["Role"]
    assert described["Description"] == "second"
    assert "MaxSessionDuration" not in described and "RoleLastUsed" not in described
    got = iam.get_role(RoleName=n)["Role"]
    assert got["MaxSessionDuration"] == 3600 and got["RoleLastUsed"] == {}
    assert got["Description"] == "second"
    iam.delete_role_permissions_boundary(RoleName=n)
    iam.delete_role(RoleName=n)
    iam.delete_policy(PolicyArn=arn)



def test_permissions_boundary_errors(iam, name):
    """test_iam_roles.py::test_role_permissions_boundary_errors: an ARN that is not a policy's is
    InvalidInput, a policy that does not exist 'Scope ARN: ...' (users likewise)."""
    role, user = name("pb"), name("pb")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=TRUST)
    iam.create_user(UserName=user)
    account = iam.get_role(RoleName=role)["Role"]["Arn"].split(":")[4]
    invalid = f"arn:aws:iam::{account}:not_a_policy/invalid"
    missing = f"arn:aws:iam::{account}:policy/nonexistent-policy"
    for call in (lambda arn: iam.put_role_permissions_boundary(RoleName=role,
                                                               PermissionsBoundary=arn),
                 lambda arn: iam.create_role(RoleName=name("pb"), AssumeRolePolicyDocument=TRUST,
                                             PermissionsBoundary=arn),
                 lambda arn: iam.put_user_permissions_boundary(UserName=user,
                                                               PermissionsBoundary=arn)):
        assert error(call, invalid) == ("InvalidInput", 400, f"ARN {invalid} is not valid.")
        assert error(call, missing) == (
            "NoSuchEntity", 404, f"Scope ARN: {missing} does not exist or is not attachable.")
    iam.delete_role(RoleName=role)
    iam.delete_user(UserName=user)

def test_raw_response_is_url_encoded(nuvem, iam, name):
    n = name("raw")
    iam.create_role(RoleName=n, AssumeRolePolicyDocument=TRUST)
    raw = nuvem.aws_cli("iam", "get-role", "--role-name", n, "--output", "json")
    assert json.loads(raw.stdout)["Role"]["AssumeRolePolicyDocument"] == json.loads(TRUST)
    import botocore.session
    session = botocore.session.get_session()
    client = session.create_client("iam", endpoint_url=nuvem.endpoint, region_name="us-east-1",
                                   aws_access_key_id="test", aws_secret_access_key="test")
    client.meta.events.unregister("after-call.iam", unique_id=None,
                                  handler=__import__("botocore.handlers").handlers.json_decode_policies)
    text = client.get_role(RoleName=n)["Role"]["AssumeRolePolicyDocument"]
    assert text.startswith("%7B%22Version%22") and " " not in text
    iam.delete_role(RoleName=n)


def test_list_roles_pagination(iam, name):
    prefix = f"/{name('rp')}/"
    names = sorted(name("lr") for _ in range(4))
    for n in names:
        iam.create_role(RoleName=n, Path=prefix, AssumeRolePolicyDocument=TRUST)
    roles, pages = drain(iam.list_roles, "Roles", PathPrefix=prefix, MaxItems=3)
    assert [r["RoleName"] for r in roles] == names and pages == 2
    for n in names:
        iam.delete_role(RoleName=n)


def test_instance_profiles(iam, name):
    p, r, r2 = name("prof"), name("prole"), name("prole")
    for role in (r, r2):
        iam.create_role(RoleName=role, AssumeRolePolicyDocument=TRUST)
    profile = iam.create_instance_profile(InstanceProfileName=p, Path="/x/")["InstanceProfile"]
    assert profile["InstanceProfileId"].startswith("AIPA") and profile["Roles"] == []
    iam.add_role_to_instance_profile(InstanceProfileName=p, RoleName=r)
    code, status, _ = error(iam.add_role_to_instance_profile, InstanceProfileName=p, RoleName=r2)
    assert (code, status) == ("LimitExceeded", 409)
    got = iam.get_instance_profile(InstanceProfileName=p)["InstanceProfile"]
    assert [x["RoleName"] for x in got["Roles"]] == [r]
    assert got["Roles"][0]["AssumeRolePolicyDocument"] == json.loads(TRUST)
    # test_iam_instance_profiles.py: GetInstanceProfile answers Tags, [] when none, and embeds
    # its roles without MaxSessionDuration; CreateInstanceProfile has no Tags unless given
    assert got["Tags"] == [] and "Tags" not in profile
    assert "MaxSessionDuration" not in got["Roles"][0]
    assert error(iam.remove_role_from_instance_profile, InstanceProfileName=p, RoleName=r2) == (
        "NoSuchEntity", 404, f"Role {r2} in Instance Profile {p} cannot be found.")
    listed = iam.list_instance_profiles_for_role(RoleName=r)["InstanceProfiles"]
    assert [x["InstanceProfileName"] for x in listed] == [p]
    assert p in [x["InstanceProfileName"] for x in iam.list_instance_profiles(PathPrefix="/x/")[
        "InstanceProfiles"]]
    assert error(iam.delete_role, RoleName=r)[:2] == ("DeleteConflict", 409)
    assert error(iam.delete_instance_profile, InstanceProfileName=p)[:2] == ("DeleteConflict", 409)
    iam.remove_role_from_instance_profile(InstanceProfileName=p, RoleName=r)
    iam.delete_instance_profile(InstanceProfileName=p)
    assert error(iam.get_instance_profile, InstanceProfileName=p)[:2] == ("NoSuchEntity", 404)
    for role in (r, r2):
        iam.delete_role(RoleName=role)


def test_service_linked_role(iam):
    role = iam.create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com",
                                          CustomSuffix="t1")["Role"]
    assert role["RoleName"] == "AWSServiceRoleForAutoScaling_t1"
    assert role["Path"] == "/aws-service-role/autoscaling.amazonaws.com/"
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": ["autoscaling.amazonaws.com"]}
    assert error(iam.delete_role, RoleName=role["RoleName"])[0] == "UnmodifiableEntity"
    assert error(iam.create_service_linked_role, AWSServiceName="autoscaling.amazonaws.com",
                 CustomSuffix="t1")[0] == "InvalidInput"
    task = iam.delete_service_linked_role(RoleName=role["RoleName"])["DeletionTaskId"]
    assert iam.get_service_linked_role_deletion_status(DeletionTaskId=task)["Status"] == "SUCCEEDED"
    assert error(iam.get_role, RoleName=role["RoleName"])[0] == "NoSuchEntity"


def test_service_linked_role_names(nuvem):
    """AWS's own names, not the capitalised service (test_iam.py::
    test_service_linked_role_name_should_match_aws: ECS, AmazonEKS; the others as IAM lists them)."""
    iam = nuvem.client("iam", key="555566661111")
    for service, name in (("ecs.amazonaws.com", "AWSServiceRoleForECS"),
                          ("eks.amazonaws.com", "AWSServiceRoleForAmazonEKS"),
                          ("elasticbeanstalk.amazonaws.com", "AWSServiceRoleForElasticBeanstalk"),
                          ("ssm.amazonaws.com", "AWSServiceRoleForAmazonSSM"),
                          ("acm.amazonaws.com", "AWSServiceRoleForCertificateManager"),
                          ("lexv2.amazonaws.com", "AWSServiceRoleForLexV2Bots"),
                          ("batch.amazonaws.com", "AWSServiceRoleForBatch")):
        role = iam.create_service_linked_role(AWSServiceName=service)["Role"]
        assert role["RoleName"] == name
        assert role["Arn"].endswith(f":role/aws-service-role/{service}/{name}")
    # the path is the service's: IAM refuses it to CreateRole (InvalidInput, as the SDKs report it)
    for path in ("/aws-service-role/", "/aws-service-role/ecs.amazonaws.com/"):
        assert error(iam.create_role, RoleName="mine", AssumeRolePolicyDocument=TRUST,
                     Path=path) == ("InvalidInput", 400, "Path prefix '/aws-service-role/' can "
                                    "only be used for AWS Service linked Roles")


def test_url_encoded_trust_policy_is_decoded_and_names_are_checked(iam, name):
    from urllib.parse import quote
    n = name("enc")
    iam.create_role(RoleName=n, AssumeRolePolicyDocument=quote(TRUST, safe=""))
    assert iam.get_role(RoleName=n)["Role"]["AssumeRolePolicyDocument"] == json.loads(TRUST)
    iam.delete_role(RoleName=n)
    code, status, message = error(iam.create_role, RoleName="has space",
                                  AssumeRolePolicyDocument=TRUST)
    assert (code, status) == ("ValidationError", 400)
    assert "Value at 'roleName'" in message
    assert error(iam.create_user, UserName="sl/ash")[0] == "ValidationError"
    assert error(iam.create_role, RoleName=n, Path="no-slash",
                 AssumeRolePolicyDocument=TRUST)[0] == "ValidationError"


def test_trust_policy_principals_must_exist(iam, name):
    """A user or role named in a trust policy must exist (IAM keeps their unique ids): the path
    is part of the ARN; accounts, roots, services and assumed-role sessions are not looked up."""
    user, role = name("u"), name("r")
    iam.create_user(UserName=user, Path="/eng/")
    account = iam.get_user(UserName=user)["User"]["Arn"].split(":")[4]

    def trusting(*arns):
        return json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": list(arns)}, "Action": "sts:AssumeRole"}]})

    for missing in (f"arn:aws:iam::{account}:user/{user}",          # the path is /eng/
                    f"arn:aws:iam::{account}:role/{role}",            # itself, not created yet
                    f"arn:aws:iam::{account}:user/eng/*"):
        assert error(iam.create_role, RoleName=role, AssumeRolePolicyDocument=trusting(
            f"arn:aws:iam::{account}:root", missing)) == (
            "MalformedPolicyDocument", 400, f'Invalid principal in policy: "AWS":"{missing}"')
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=trusting(
        f"arn:aws:iam::{account}:user/eng/{user}", "111122223333",
        f"arn:aws:sts::{account}:assumed-role/other/session"))
    iam.update_assume_role_policy(RoleName=role, PolicyDocument=trusting(
        f"arn:aws:iam::{account}:role/{role}"))
    assert error(iam.update_assume_role_policy, RoleName=role, PolicyDocument=trusting(
        f"arn:aws:iam::{account}:role/nope"))[:2] == ("MalformedPolicyDocument", 400)
