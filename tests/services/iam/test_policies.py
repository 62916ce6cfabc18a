import json

from tests.services.iam.helpers import DOC, TRUST, doc, drain, error

POWER = "arn:aws:iam::aws:policy/PowerUserAccess"


def test_managed_policy_versions(iam, name):
    n = name("pol")
    policy = iam.create_policy(PolicyName=n, Path="/team/", PolicyDocument=doc(),
                               Description="reads")["Policy"]
    arn = policy["Arn"]
    assert arn.endswith(f":policy/team/{n}") and policy["DefaultVersionId"] == "v1"
    assert policy["PolicyId"].startswith("ANPA") and policy["AttachmentCount"] == 0
    assert error(iam.create_policy, PolicyName=n, PolicyDocument=doc())[:2] == (
        "EntityAlreadyExists", 409)
    for i in range(2, 6):
        v = iam.create_policy_version(PolicyArn=arn, PolicyDocument=doc(f"s3:Put{i}"),
                                      SetAsDefault=(i == 3))["PolicyVersion"]
        assert v["VersionId"] == f"v{i}" and "Document" not in v
    code, status, message = error(iam.create_policy_version, PolicyArn=arn, PolicyDocument=doc())
    assert (code, status) == ("LimitExceeded", 409) and "up to 5 versions" in message
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v3"
    got = iam.get_policy_version(PolicyArn=arn, VersionId="v3")["PolicyVersion"]
    assert got["IsDefaultVersion"] and got["Document"]["Statement"][0]["Action"] == "s3:Put3"
    assert error(iam.delete_policy_version, PolicyArn=arn, VersionId="v3")[:2] == (
        "DeleteConflict", 409)
    iam.delete_policy_version(PolicyArn=arn, VersionId="v2")
    versions = [v["VersionId"] for v in iam.list_policy_versions(PolicyArn=arn)["Versions"]]
    assert versions == ["v5", "v4", "v3", "v1"]
    iam.set_default_policy_version(PolicyArn=arn, VersionId="v5")
    assert iam.create_policy_version(PolicyArn=arn, PolicyDocument=doc())["PolicyVersion"][
        "VersionId"] == "v6"
    assert error(iam.get_policy_version, PolicyArn=arn, VersionId="v2")[:2] == ("NoSuchEntity", 404)
    assert error(iam.delete_policy, PolicyArn=arn)[:2] == ("DeleteConflict", 409)
    for v in ("v1", "v3", "v4", "v6"):
        iam.delete_policy_version(PolicyArn=arn, VersionId=v)
    iam.delete_policy(PolicyArn=arn)
    assert error(iam.get_policy, PolicyArn=arn) == ("NoSuchEntity", 404, f"Policy {arn} was not found.")


def test_malformed_documents(iam, name):
    n = name("mal")
    assert error(iam.create_policy, PolicyName=n, PolicyDocument="{") == (
        "MalformedPolicyDocument", 400, "Syntax errors in policy.")
    assert error(iam.create_policy, PolicyName=n, PolicyDocument=json.dumps({"Version": "2012-10-17"}))[0] \
        == "MalformedPolicyDocument"
    iam.create_user(UserName=n)
    assert error(iam.put_user_policy, UserName=n, PolicyName="p", PolicyDocument="[]")[0] == \
        "MalformedPolicyDocument"
    iam.delete_user(UserName=n)


def test_attach_power_user_access_and_read_its_document(iam, name):
    n = name("power")
    iam.create_user(UserName=n)
    iam.attach_user_policy(UserName=n, PolicyArn=POWER)
    iam.attach_user_policy(UserName=n, PolicyArn=POWER)          # attaching twice is a no-op
    attached = iam.list_attached_user_policies(UserName=n)["AttachedPolicies"]
    assert attached == [{"PolicyName": "PowerUserAccess", "PolicyArn": POWER}]
    policy = iam.get_policy(PolicyArn=POWER)["Policy"]
    assert policy["AttachmentCount"] >= 1 and policy["Path"] == "/"
    document = iam.get_policy_version(PolicyArn=POWER, VersionId=policy["DefaultVersionId"])[
        "PolicyVersion"]["Document"]
    first, second = document["Statement"]
    assert first == {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"],
                     "Resource": "*"}
    assert {"iam:CreateServiceLinkedRole", "iam:DeleteServiceLinkedRole", "iam:ListRoles",
            "organizations:DescribeOrganization", "account:ListRegions",
            "account:GetAccountInformation"} <= set(second["Action"])
    entities = iam.list_entities_for_policy(PolicyArn=POWER, EntityFilter="User")
    assert {"UserName": n, "UserId": iam.get_user(UserName=n)["User"]["UserId"]} in \
        entities["PolicyUsers"]
    assert error(iam.delete_policy, PolicyArn=POWER)[0] == "InvalidInput"
    iam.detach_user_policy(UserName=n, PolicyArn=POWER)
    assert error(iam.detach_user_policy, UserName=n, PolicyArn=POWER)[:2] == ("NoSuchEntity", 404)
    iam.delete_user(UserName=n)


def test_aws_managed_policies_are_listed_and_scoped(iam):
    aws, pages = drain(iam.list_policies, "Policies", Scope="AWS", MaxItems=2)
    names = {p["PolicyName"] for p in aws}
    assert {"AdministratorAccess", "PowerUserAccess", "IAMFullAccess"} <= names and pages > 1
    assert all(p["Arn"].startswith("arn:aws:iam::aws:policy/") for p in aws)
    local = iam.list_policies(Scope="Local")["Policies"]
    assert not any(p["Arn"].startswith("arn:aws:iam::aws:") for p in local)
    assert error(iam.get_policy, PolicyArn="arn:aws:iam::aws:policy/NoSuchPolicy")[:2] == (
        "NoSuchEntity", 404)


def test_only_attached_and_entities(iam, name):
    u, g, r, n = name("eu"), name("eg"), name("er"), name("ep")
    arn = iam.create_policy(PolicyName=n, PolicyDocument=doc())["Policy"]["Arn"]
    iam.create_user(UserName=u)
    iam.create_group(GroupName=g)
    iam.create_role(RoleName=r, AssumeRolePolicyDocument=TRUST)
    assert arn not in [p["Arn"] for p in iam.list_policies(Scope="Local", OnlyAttached=True)["Policies"]]
    iam.attach_user_policy(UserName=u, PolicyArn=arn)
    iam.attach_group_policy(GroupName=g, PolicyArn=arn)
    iam.attach_role_policy(RoleName=r, PolicyArn=arn)
    assert arn in [p["Arn"] for p in iam.list_policies(Scope="Local", OnlyAttached=True)["Policies"]]
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 3
    entities = iam.list_entities_for_policy(PolicyArn=arn)
    assert [x["UserName"] for x in entities["PolicyUsers"]] == [u]
    assert [x["GroupName"] for x in entities["PolicyGroups"]] == [g]
    assert [x["RoleName"] for x in entities["PolicyRoles"]] == [r]
    first = iam.list_entities_for_policy(PolicyArn=arn, MaxItems=2)
    assert first["IsTruncated"]
    rest = iam.list_entities_for_policy(PolicyArn=arn, Marker=first["Marker"])
    assert sum(len(p[k]) for p in (first, rest) for k in ("PolicyUsers", "PolicyGroups",
                                                             "PolicyRoles")) == 3
    assert [p["PolicyArn"] for p in iam.list_attached_group_policies(GroupName=g)[
        "AttachedPolicies"]] == [arn]
    assert [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=r)[
        "AttachedPolicies"]] == [arn]
    assert error(iam.delete_policy, PolicyArn=arn) == (
        "DeleteConflict", 409, "Cannot delete a policy attached to entities.")
    assert error(iam.delete_role, RoleName=r)[:2] == ("DeleteConflict", 409)
    iam.detach_user_policy(UserName=u, PolicyArn=arn)
    iam.detach_group_policy(GroupName=g, PolicyArn=arn)
    iam.detach_role_policy(RoleName=r, PolicyArn=arn)
    iam.delete_policy(PolicyArn=arn)
    iam.delete_user(UserName=u)
    iam.delete_group(GroupName=g)
    iam.delete_role(RoleName=r)
    missing = f"arn:aws:iam::000000000000:policy/{n}"
    assert error(iam.attach_user_policy, UserName=u + "x", PolicyArn=missing)[:2] == (
        "NoSuchEntity", 404)


def test_inline_policies_on_users_groups_roles(iam, name):
    u, g, r = name("iu"), name("ig"), name("ir")
    iam.create_user(UserName=u)
    iam.create_group(GroupName=g)
    iam.create_role(RoleName=r, AssumeRolePolicyDocument=TRUST)
    pretty = json.dumps(DOC, indent=2)
    iam.put_user_policy(UserName=u, PolicyName="b", PolicyDocument=pretty)
    iam.put_user_policy(UserName=u, PolicyName="a", PolicyDocument=doc())
    got = iam.get_user_policy(UserName=u, PolicyName="b")
    assert got["UserName"] == u and got["PolicyDocument"] == DOC
    assert iam.list_user_policies(UserName=u)["PolicyNames"] == ["a", "b"]
    page = iam.list_user_policies(UserName=u, MaxItems=1)
    assert page["PolicyNames"] == ["a"] and page["IsTruncated"]
    iam.put_group_policy(GroupName=g, PolicyName="gp", PolicyDocument=doc())
    assert iam.get_group_policy(GroupName=g, PolicyName="gp")["PolicyDocument"] == DOC
    iam.put_role_policy(RoleName=r, PolicyName="rp", PolicyDocument=doc())
    assert iam.list_role_policies(RoleName=r)["PolicyNames"] == ["rp"]
    assert error(iam.get_role_policy, RoleName=r, PolicyName="zz") == (
        "NoSuchEntity", 404, "The role policy with name zz cannot be found.")
    iam.delete_user_policy(UserName=u, PolicyName="a")
    iam.delete_user_policy(UserName=u, PolicyName="b")
    iam.delete_group_policy(GroupName=g, PolicyName="gp")
    iam.delete_role_policy(RoleName=r, PolicyName="rp")
    iam.delete_user(UserName=u)
    iam.delete_group(GroupName=g)
    iam.delete_role(RoleName=r)


def test_permissions_boundaries(iam, name):
    u, r = name("bu"), name("br")
    boundary = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
    user = iam.create_user(UserName=u, PermissionsBoundary=boundary)["User"]
    assert user["PermissionsBoundary"] == {"PermissionsBoundaryType": "PermissionsBoundaryPolicy",
                                           "PermissionsBoundaryArn": boundary}
    iam.create_role(RoleName=r, AssumeRolePolicyDocument=TRUST)
    iam.put_role_permissions_boundary(RoleName=r, PermissionsBoundary=boundary)
    assert iam.get_role(RoleName=r)["Role"]["PermissionsBoundary"]["PermissionsBoundaryArn"] == boundary
    assert iam.get_policy(PolicyArn=boundary)["Policy"]["PermissionsBoundaryUsageCount"] >= 2
    assert boundary in [p["Arn"] for p in iam.list_policies(
        Scope="AWS", OnlyAttached=True, PolicyUsageFilter="PermissionsBoundary")["Policies"]]
    assert error(iam.put_user_permissions_boundary, UserName=u,
                 PermissionsBoundary="arn:aws:iam::aws:policy/Nope")[:2] == ("NoSuchEntity", 404)
    iam.delete_user_permissions_boundary(UserName=u)
    iam.delete_role_permissions_boundary(RoleName=r)
    assert "PermissionsBoundary" not in iam.get_user(UserName=u)["User"]
    iam.delete_user(UserName=u)
    iam.delete_role(RoleName=r)


def test_policy_tags(iam, name):
    arn = iam.create_policy(PolicyName=name("tp"), PolicyDocument=doc(),
                            Tags=[{"Key": "a", "Value": "1"}])["Policy"]["Arn"]
    iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "b", "Value": "2"}])
    assert iam.get_policy(PolicyArn=arn)["Policy"]["Tags"] == [
        {"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]
    iam.untag_policy(PolicyArn=arn, TagKeys=["a"])
    assert iam.list_policy_tags(PolicyArn=arn)["Tags"] == [{"Key": "b", "Value": "2"}]
    iam.delete_policy(PolicyArn=arn)



def test_get_policy_answers_tags_even_none(iam, name):
    """test_iam_policies.py::test_policy_lifecycle: CreatePolicy without tags answers no Tags,
    GetPolicy an empty list."""
    created = iam.create_policy(PolicyName=name("nt"), PolicyDocument=doc())["Policy"]
    assert "Tags" not in created
    assert iam.get_policy(PolicyArn=created["Arn"])["Policy"]["Tags"] == []
    iam.delete_policy(PolicyArn=created["Arn"])


def test_description_only_in_get_policy(iam, name):
    """test_iam_policies.py::test_policy_tag_lifecycle and test_iam_managed_policies.py: the
    description is in GetPolicy's answer, not CreatePolicy's nor ListPolicies'; an AWS managed
    policy has its description and Tags [] too."""
    created = iam.create_policy(PolicyName=name("d"), PolicyDocument=doc(),
                                Description="testing")["Policy"]
    assert "Description" not in created
    assert iam.get_policy(PolicyArn=created["Arn"])["Policy"]["Description"] == "testing"
    listed = [p for p in iam.list_policies(Scope="Local")["Policies"]
              if p["Arn"] == created["Arn"]]
    assert len(listed) == 1 and "Description" not in listed[0]
    aws = iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")["Policy"]
    assert aws["Tags"] == [] and aws["Description"]
    assert all("Description" not in p for p in iam.list_policies(Scope="AWS")["Policies"])
    iam.delete_policy(PolicyArn=created["Arn"])


def test_policy_tag_keys_are_case_sensitive(iam, name):
    """test_iam_policies.py::test_policy_tag_lifecycle, test_policy_tag_operations and
    test_policy_tag_create_errors: a managed policy holds 'a' and 'A' as two tags (roles and
    users refuse that), and only an exact repeat is a duplicate, worded without the note."""
    arn = iam.create_policy(PolicyName=name("cs"), PolicyDocument=doc(), Tags=[
        {"Key": "a", "Value": "lowercase"}, {"Key": "A", "Value": "uppercase"}])["Policy"]["Arn"]
    assert iam.list_policy_tags(PolicyArn=arn)["Tags"] == [
        {"Key": "A", "Value": "uppercase"}, {"Key": "a", "Value": "lowercase"}]
    iam.tag_policy(PolicyArn=arn, Tags=[{"Key": "a", "Value": "new"}])
    iam.untag_policy(PolicyArn=arn, TagKeys=["A"])
    assert iam.list_policy_tags(PolicyArn=arn)["Tags"] == [{"Key": "a", "Value": "new"}]
    duplicate = [{"Key": "k", "Value": "1"}, {"Key": "k", "Value": "2"}]
    assert error(iam.tag_policy, PolicyArn=arn, Tags=duplicate) == (
        "InvalidInput", 400, "Duplicate tag keys found.")
    assert error(iam.create_policy, PolicyName=name("cs"), PolicyDocument=doc(),
                 Tags=duplicate) == ("InvalidInput", 400, "Duplicate tag keys found.")
    iam.delete_policy(PolicyArn=arn)


def test_version_calls_on_a_missing_policy(iam, name):
    """test_iam_policies.py::test_policy_version_errors: GetPolicyVersion and
    SetDefaultPolicyVersion answer a policy that does not exist as a missing version."""
    arn = iam.create_policy(PolicyName=name("gone"), PolicyDocument=doc())["Policy"]["Arn"]
    iam.delete_policy(PolicyArn=arn)
    for call in (iam.get_policy_version, iam.set_default_policy_version):
        assert error(call, PolicyArn=arn, VersionId="v1") == (
            "NoSuchEntity", 404, f"Policy {arn} version v1 does not exist or is not attachable.")
    assert error(iam.get_policy, PolicyArn=arn) == (
        "NoSuchEntity", 404, f"Policy {arn} was not found.")


def test_policy_arn_that_is_no_arn(iam, name):
    """test_iam_roles.py::test_role_managed_policy_errors (2026; InvalidInput when recorded in
    2023): a PolicyArn that is not an ARN is ValidationError."""
    role = name("noarn")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=TRUST)
    assert error(iam.attach_role_policy, RoleName=role, PolicyArn="longpolicynamebutnoarn") == (
        "ValidationError", 400, "ARN longpolicynamebutnoarn is not valid.")
    iam.delete_role(RoleName=role)


def test_validation_messages_quote_no_value(nuvem, iam, name):
    """test_iam_policies.py::test_policy_version_errors, test_policy_tag_create_errors and
    test_policy_tag_update_errors: IAM names the member that failed, never its value."""
    unchecked = nuvem.client("iam", parameter_validation=False)
    arn = iam.create_policy(PolicyName=name("nv"), PolicyDocument=doc())["Policy"]["Arn"]
    assert error(unchecked.set_default_policy_version, PolicyArn=arn,
                 VersionId="wrong_version_id")[2] == (
        "1 validation error detected: Value at 'versionId' failed to satisfy constraint: Member "
        "must satisfy regular expression pattern: v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?")
    prefix = "1 validation error detected: Value at "
    for tags, message in (
            ([{"Key": f"k{i}", "Value": ""} for i in range(51)],
             "'tags' failed to satisfy constraint: Member must have length less than or equal "
             "to 50"),
            ([{"Key": "k" * 129, "Value": ""}], "'tags.1.member.key' failed to satisfy "
             "constraint: Member must have length less than or equal to 128"),
            ([{"Key": "k", "Value": "v" * 257}], "'tags.1.member.value' failed to satisfy "
             "constraint: Member must have length less than or equal to 256"),
            ([{"Key": "k!", "Value": ""}], "'tags.1.member.key' failed to satisfy constraint: "
             "Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+")):
        assert error(unchecked.tag_policy, PolicyArn=arn, Tags=tags) == (
            "ValidationError", 400, prefix + message)
    assert error(unchecked.untag_policy, PolicyArn=arn, TagKeys=[f"k{i}" for i in range(51)])[2] \
        == prefix + "'tagKeys' failed to satisfy constraint: Member must have length less than " \
        "or equal to 50"
    # a key outside the tag pattern: the list's whole constraint set, on every Untag* call
    # (test_iam_roles.py::test_role_tag_errors, as AWS words it)
    role = name("utk")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=TRUST)
    for call, target in ((iam.untag_policy, {"PolicyArn": arn}), (iam.untag_role, {"RoleName": role})):
        assert error(call, TagKeys=["fine", "a*b"], **target) == ("ValidationError", 400, prefix + (
            "'tagKeys' failed to satisfy constraint: Member must satisfy constraint: [Member must "
            "have length less than or equal to 128, Member must have length greater than or equal "
            "to 1, Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+, "
            "Member must not be null]"))
    # a key too long or empty: the same words, from the front end (test_role_tag_errors)
    for keys in (["fine", "k" * 129], [""]):
        assert error(unchecked.untag_role, RoleName=role, TagKeys=keys) == (
            "ValidationError", 400, prefix + (
                "'tagKeys' failed to satisfy constraint: Member must satisfy constraint: [Member "
                "must have length less than or equal to 128, Member must have length greater than "
                "or equal to 1, Member must satisfy regular expression pattern: "
                "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+, Member must not be null]"))
    iam.delete_role(RoleName=role)
    iam.delete_policy(PolicyArn=arn)

EXPECTED_AWS = {
    "AdministratorAccess": "/", "PowerUserAccess": "/", "ReadOnlyAccess": "/", "IAMFullAccess": "/",
    "AmazonS3FullAccess": "/", "AmazonS3ReadOnlyAccess": "/", "AmazonEC2FullAccess": "/",
    "AmazonSQSFullAccess": "/", "AmazonSNSFullAccess": "/", "AmazonDynamoDBFullAccess": "/",
    "AWSLambdaBasicExecutionRole": "/service-role/", "CloudWatchFullAccess": "/"}


def test_every_curated_aws_policy_is_served(iam):
    listed = {p["PolicyName"]: p for p in iam.list_policies(Scope="AWS", MaxItems=1000)["Policies"]}
    assert set(EXPECTED_AWS) <= set(listed)
    for policy_name, path in EXPECTED_AWS.items():
        p = listed[policy_name]
        assert p["Arn"] == f"arn:aws:iam::aws:policy{path}{policy_name}" and p["Path"] == path
        version = iam.get_policy_version(PolicyArn=p["Arn"], VersionId=p["DefaultVersionId"])
        document = version["PolicyVersion"]["Document"]
        assert document["Version"] == "2012-10-17" and document["Statement"]
    admin = iam.get_policy_version(PolicyArn=listed["AdministratorAccess"]["Arn"], VersionId="v1")
    assert admin["PolicyVersion"]["Document"]["Statement"] == [
        {"Effect": "Allow", "Action": "*", "Resource": "*"}]
    read_only = iam.get_policy_version(PolicyArn=listed["ReadOnlyAccess"]["Arn"],
                                       VersionId=listed["ReadOnlyAccess"]["DefaultVersionId"])
    actions = read_only["PolicyVersion"]["Document"]["Statement"][0]["Action"]
    assert len(actions) > 1000 and "s3:Get*" in actions and "ec2:Describe*" in actions
    lam = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    assert iam.list_policy_versions(PolicyArn=lam)["Versions"][0]["IsDefaultVersion"] is True


def _sized(characters: int) -> str:
    """An identity policy of exactly `characters` non-whitespace characters (what IAM counts)."""
    base = doc("s3:G")
    body = len("".join(base.split()))
    return doc("s3:G" + "x" * (characters - body))


def test_policy_size_quotas(iam, name):
    """Managed policies hold 6,144 characters, a role's trust policy 2,048 and an entity's inline
    policies together 2,048 (user), 5,120 (group), 10,240 (role); whitespace does not count."""
    n = name("big")
    assert error(iam.create_policy, PolicyName=n, PolicyDocument=_sized(6145)) == (
        "LimitExceeded", 409, "Cannot exceed quota for PolicySize: 6144")
    arn = iam.create_policy(PolicyName=n, PolicyDocument=_sized(6144).replace(",", ",   "))[
        "Policy"]["Arn"]
    assert error(iam.create_policy_version, PolicyArn=arn, PolicyDocument=_sized(6145))[:2] == (
        "LimitExceeded", 409)
    user = name("u")
    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName="a", PolicyDocument=_sized(1000))
    assert error(iam.put_user_policy, UserName=user, PolicyName="b",
                 PolicyDocument=_sized(1049)) == (
        "LimitExceeded", 409, f"Maximum policy size of 2048 bytes exceeded for user {user}")
    iam.put_user_policy(UserName=user, PolicyName="a", PolicyDocument=_sized(1048))  # replaces
    iam.put_user_policy(UserName=user, PolicyName="b", PolicyDocument=_sized(1000))
    assert sorted(iam.list_user_policies(UserName=user)["PolicyNames"]) == ["a", "b"]
    group = name("g")
    iam.create_group(GroupName=group)
    assert error(iam.put_group_policy, GroupName=group, PolicyName="a",
                 PolicyDocument=_sized(5121))[2] == (
        f"Maximum policy size of 5120 bytes exceeded for group {group}")
    role = name("r")
    trust = json.loads(TRUST)
    trust["Statement"][0]["Sid"] = "x" * (2049 - len("".join(json.dumps(trust).split())) - 9)
    assert error(iam.create_role, RoleName=role, AssumeRolePolicyDocument=json.dumps(trust)) == (
        "LimitExceeded", 409, "Cannot exceed quota for ACLSizePerRole: 2048")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=TRUST)
    iam.put_role_policy(RoleName=role, PolicyName="a", PolicyDocument=_sized(6000))
    assert error(iam.put_role_policy, RoleName=role, PolicyName="b",
                 PolicyDocument=_sized(4241))[2] == (
        f"Maximum policy size of 10240 bytes exceeded for role {role}")


def test_model_patterns_of_version_ids_path_prefixes_and_role_descriptions(iam, name):
    """IAM's front end checks these members against the model's patterns (ValidationError)."""
    def refused(call, value, member, pattern, **kwargs):
        assert error(call, **kwargs) == (
            "ValidationError", 400, f"1 validation error detected: Value at '{member}' "
            f"failed to satisfy constraint: Member must satisfy regular expression pattern: "
            f"{pattern}")

    arn = iam.create_policy(PolicyName=name("pv"), PolicyDocument=doc())["Policy"]["Arn"]
    version = "v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?"
    for call in (iam.get_policy_version, iam.delete_policy_version, iam.set_default_policy_version):
        refused(call, "1", "versionId", version, PolicyArn=arn, VersionId="1")
    assert error(iam.get_policy_version, PolicyArn=arn, VersionId="v2")[:2] == ("NoSuchEntity", 404)

    prefix = "\\u002F[\\u0021-\\u007F]*"
    for call in (iam.list_users, iam.list_groups, iam.list_roles, iam.list_instance_profiles,
                 iam.list_server_certificates):
        refused(call, "eng/", "pathPrefix", prefix, PathPrefix="eng/")
    policy_path = "((/[A-Za-z0-9\\.,\\+@=_-]+)*)/"
    refused(iam.list_policies, "/eng", "pathPrefix", policy_path, PathPrefix="/eng")
    user = name("u")
    iam.create_user(UserName=user)
    refused(iam.list_attached_user_policies, "/a#b/", "pathPrefix", policy_path, UserName=user,
            PathPrefix="/a#b/")
    refused(iam.list_entities_for_policy, "/eng", "pathPrefix",
            "(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)", PolicyArn=arn, PathPrefix="/eng")
    assert iam.list_users(PathPrefix="/")["Users"]
    assert iam.list_policies(Scope="Local", PathPrefix="/")["Policies"]

    description = "[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*"
    role = name("r")
    refused(iam.create_role, "app \u2603", "description", description, RoleName=role,
            AssumeRolePolicyDocument=TRUST, Description="app \u2603")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=TRUST, Description="caf\u00e9\tok")
    refused(iam.update_role, "\u2603", "description", description, RoleName=role,
            Description="\u2603")
    refused(iam.update_role_description, "\u2603", "description", description, RoleName=role,
            Description="\u2603")
    assert iam.get_role(RoleName=role)["Role"]["Description"] == "caf\u00e9\tok"


def test_documents_hold_latin1_characters_only(iam, name):
    """policyDocumentType's pattern: tab, line ends and U+0020..U+00FF; a pasted smart quote or
    a snowman is the front end's ValidationError, before the document is parsed."""
    pattern = "[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+"
    snowman = doc().replace('"s3:GetObject"', '"s3:GetObject\u2603"')
    quoted = doc().replace('"Version"', "\u201cVersion\u201d")
    for document in (snowman, quoted):
        assert error(iam.create_policy, PolicyName=name("lat"), PolicyDocument=document) == (
            "ValidationError", 400, "1 validation error detected: Value at "
            "'policyDocument' failed to satisfy constraint: Member must satisfy regular "
            f"expression pattern: {pattern}")
    user = name("u")
    iam.create_user(UserName=user)
    assert error(iam.put_user_policy, UserName=user, PolicyName="p",
                 PolicyDocument=snowman)[:2] == ("ValidationError", 400)
    trust = TRUST.replace("sts:AssumeRole", "sts:AssumeRole\u2603")
    assert "at 'assumeRolePolicyDocument' failed" in error(
        iam.create_role, RoleName=name("r"), AssumeRolePolicyDocument=trust)[2]
    latin = doc().replace('"Resource"', '"Condition": {"StringEquals": {"aws:PrincipalTag/team": '
                                        '"caf\u00e9"}}, "Resource"')
    iam.put_user_policy(UserName=user, PolicyName="p", PolicyDocument=latin)
