from tests.services.iam.helpers import doc, drain, error


def test_user_lifecycle_and_errors(iam, name):
    n = name("alice")
    user = iam.create_user(UserName=n, Path="/eng/", Tags=[{"Key": "team", "Value": "core"}])["User"]
    assert user["Arn"].endswith(f":user/eng/{n}") and user["UserId"].startswith("AIDA")
    assert len(user["UserId"]) == 21 and user["Tags"] == [{"Key": "team", "Value": "core"}]
    assert iam.get_user(UserName=n)["User"]["UserId"] == user["UserId"]
    assert error(iam.create_user, UserName=n.upper()) == (
        "EntityAlreadyExists", 409, f"User with name {n.upper()} already exists.")
    assert error(iam.get_user, UserName=n + "zz") == (
        "NoSuchEntity", 404, f"The user with name {n}zz cannot be found.")

    renamed = n + "b"
    iam.update_user(UserName=n, NewUserName=renamed, NewPath="/ops/")
    got = iam.get_user(UserName=renamed)["User"]
    assert got["Arn"].endswith(f":user/ops/{renamed}") and got["Tags"][0]["Key"] == "team"
    assert error(iam.get_user, UserName=n)[0] == "NoSuchEntity"

    iam.tag_user(UserName=renamed, Tags=[{"Key": "env", "Value": "dev"}])
    # tag keys and values: letters, digits and separators of any script, and _ . : / = + - @
    assert error(iam.tag_user, UserName=renamed, Tags=[
        {"Key": "ok", "Value": "v!"}, {"Key": "k#", "Value": "fine"}]) == (
        "ValidationError", 400, "2 validation errors detected: Value at 'tags.1.member.value' "
        "failed to satisfy constraint: Member must satisfy regular expression pattern: "
        "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*; Value at 'tags.2.member.key' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+")
    iam.tag_user(UserName=renamed, Tags=[{"Key": "équipe 2", "Value": "a.b:c/d=e+f-g@h_i"}])
    iam.untag_user(UserName=renamed, TagKeys=["team", "équipe 2"])
    assert iam.list_user_tags(UserName=renamed)["Tags"] == [{"Key": "env", "Value": "dev"}]
    iam.delete_user(UserName=renamed)
    assert error(iam.delete_user, UserName=renamed)[:2] == ("NoSuchEntity", 404)


def test_delete_conflicts_until_everything_is_removed(iam, name):
    n, g = name("bob"), name("grp")
    iam.create_user(UserName=n)
    iam.create_group(GroupName=g)
    key = iam.create_access_key(UserName=n)["AccessKey"]["AccessKeyId"]
    iam.put_user_policy(UserName=n, PolicyName="inline", PolicyDocument=doc())
    iam.attach_user_policy(UserName=n, PolicyArn="arn:aws:iam::aws:policy/IAMFullAccess")
    iam.add_user_to_group(UserName=n, GroupName=g)
    iam.create_login_profile(UserName=n, Password="Correct-Horse-1")
    for undo in (lambda: iam.delete_access_key(UserName=n, AccessKeyId=key),
                 lambda: iam.delete_user_policy(UserName=n, PolicyName="inline"),
                 lambda: iam.detach_user_policy(
                     UserName=n, PolicyArn="arn:aws:iam::aws:policy/IAMFullAccess"),
                 lambda: iam.remove_user_from_group(UserName=n, GroupName=g),
                 lambda: iam.delete_login_profile(UserName=n)):
        code, status, _ = error(iam.delete_user, UserName=n)
        assert (code, status) == ("DeleteConflict", 409)
        undo()
    iam.delete_user(UserName=n)
    iam.delete_group(GroupName=g)



def test_delete_user_with_policies_names_them(iam, name):
    """AWS's messages recorded for test_iam_users.py::test_delete_user_with_attached_policy and
    test_delete_user_with_inline_policy."""
    n = name("pol")
    iam.create_user(UserName=n)
    iam.attach_user_policy(UserName=n, PolicyArn="arn:aws:iam::aws:policy/IAMFullAccess")
    assert error(iam.delete_user, UserName=n) == (
        "DeleteConflict", 409, "Cannot delete entity, must detach all policies first.")
    iam.detach_user_policy(UserName=n, PolicyArn="arn:aws:iam::aws:policy/IAMFullAccess")
    iam.put_user_policy(UserName=n, PolicyName="inline", PolicyDocument=doc())
    assert error(iam.delete_user, UserName=n) == (
        "DeleteConflict", 409, "Cannot delete entity, must delete policies first.")
    iam.delete_user_policy(UserName=n, PolicyName="inline")
    iam.delete_user(UserName=n)


def test_delete_user_names_what_is_left(iam, name):
    """IAM's DeleteConflict names the login profile, access keys, MFA device and group as AWS
    answers them (terraform destroy logs, CloudFormation DELETE_FAILED reasons); a service
    credential is 'referenced objects'
    (test_iam.py::test_delete_user_after_service_credential_created)."""
    import time
    from tests.services.iam.test_account import totp
    n, g = name("left"), name("leftg")
    iam.create_user(UserName=n)
    iam.create_group(GroupName=g)
    iam.add_user_to_group(UserName=n, GroupName=g)
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=n)["VirtualMFADevice"]
    step = int(time.time()) // 30
    iam.enable_mfa_device(UserName=n, SerialNumber=device["SerialNumber"],
                          AuthenticationCode1=totp(device["Base32StringSeed"], step - 1),
                          AuthenticationCode2=totp(device["Base32StringSeed"], step))
    key = iam.create_access_key(UserName=n)["AccessKey"]["AccessKeyId"]
    iam.create_login_profile(UserName=n, Password="Correct-Horse-1")
    iam.create_service_specific_credential(UserName=n, ServiceName="codecommit.amazonaws.com")
    for left, undo in (
            ("delete login profile", lambda: iam.delete_login_profile(UserName=n)),
            ("delete access keys", lambda: iam.delete_access_key(UserName=n, AccessKeyId=key)),
            ("delete MFA device", lambda: iam.deactivate_mfa_device(
                UserName=n, SerialNumber=device["SerialNumber"])),
            ("remove users from group", lambda: iam.remove_user_from_group(
                UserName=n, GroupName=g))):
        assert error(iam.delete_user, UserName=n) == (
            "DeleteConflict", 409, f"Cannot delete entity, must {left} first.")
        undo()
    assert error(iam.delete_user, UserName=n)[2] == (
        "Cannot delete entity, must remove referenced objects first.")

def test_list_users_paginates_with_path_prefix(iam, name):
    prefix = f"/{name('pg')}/"
    names = sorted(name("pu") for _ in range(5))
    for n in names:
        iam.create_user(UserName=n, Path=prefix)
    page = iam.list_users(PathPrefix=prefix, MaxItems=2)
    assert page["IsTruncated"] and len(page["Users"]) == 2 and "Tags" not in page["Users"][0]
    users, pages = drain(iam.list_users, "Users", PathPrefix=prefix, MaxItems=2)
    assert [u["UserName"] for u in users] == names and pages == 3
    paginator = iam.get_paginator("list_users")
    assert sum(len(p["Users"]) for p in paginator.paginate(
        PathPrefix=prefix, PaginationConfig={"PageSize": 1})) == 5
    for n in names:
        iam.delete_user(UserName=n)


def test_access_keys_limit_status_and_last_used(iam, name):
    n = name("keys")
    iam.create_user(UserName=n)
    first = iam.create_access_key(UserName=n)["AccessKey"]
    assert first["AccessKeyId"].startswith("AKIA") and len(first["AccessKeyId"]) == 20
    assert len(first["SecretAccessKey"]) == 40 and first["Status"] == "Active"
    iam.create_access_key(UserName=n)
    code, status, message = error(iam.create_access_key, UserName=n)
    assert (code, status) == ("LimitExceeded", 409) and "AccessKeysPerUser: 2" in message
    iam.update_access_key(UserName=n, AccessKeyId=first["AccessKeyId"], Status="Inactive")
    listed = {k["AccessKeyId"]: k["Status"]
              for k in iam.list_access_keys(UserName=n)["AccessKeyMetadata"]}
    assert listed[first["AccessKeyId"]] == "Inactive" and len(listed) == 2
    used = iam.get_access_key_last_used(AccessKeyId=first["AccessKeyId"])
    assert used["UserName"] == n and used["AccessKeyLastUsed"]["ServiceName"] == "N/A"
    assert error(iam.delete_access_key, UserName=n, AccessKeyId="AKIAXXXXXXXXXXXXXXXX")[:2] == (
        "NoSuchEntity", 404)
    for k in listed:
        iam.delete_access_key(UserName=n, AccessKeyId=k)
    iam.delete_user(UserName=n)


def test_login_profile(iam, name):
    n = name("login")
    iam.create_user(UserName=n)
    assert error(iam.get_login_profile, UserName=n)[:2] == ("NoSuchEntity", 404)
    assert error(iam.create_login_profile, UserName=n, Password="short")[0] == \
        "PasswordPolicyViolation"
    profile = iam.create_login_profile(UserName=n, Password="Long-enough-1",
                                       PasswordResetRequired=True)["LoginProfile"]
    assert profile["UserName"] == n and profile["PasswordResetRequired"] is True
    assert error(iam.create_login_profile, UserName=n, Password="Long-enough-1")[:2] == (
        "EntityAlreadyExists", 409)
    iam.update_login_profile(UserName=n, PasswordResetRequired=False)
    assert iam.get_login_profile(UserName=n)["LoginProfile"]["PasswordResetRequired"] is False
    iam.delete_login_profile(UserName=n)
    iam.delete_user(UserName=n)


def test_groups_membership(iam, name):
    g, users = name("devs"), [name("member") for _ in range(3)]
    group = iam.create_group(GroupName=g, Path="/teams/")["Group"]
    assert group["GroupId"].startswith("AGPA") and group["Arn"].endswith(f":group/teams/{g}")
    assert error(iam.create_group, GroupName=g)[:2] == ("EntityAlreadyExists", 409)
    for u in users:
        iam.create_user(UserName=u)
        iam.add_user_to_group(GroupName=g, UserName=u)
    got = iam.get_group(GroupName=g, MaxItems=2)
    assert got["Group"]["GroupName"] == g and len(got["Users"]) == 2 and got["IsTruncated"]
    assert [x["GroupName"] for x in iam.list_groups_for_user(UserName=users[0])["Groups"]] == [g]
    assert error(iam.delete_group, GroupName=g)[:2] == ("DeleteConflict", 409)
    iam.update_group(GroupName=g, NewGroupName=g + "2")
    assert [x["GroupName"] for x in iam.list_groups_for_user(UserName=users[0])["Groups"]] == [g + "2"]
    for u in users:
        iam.remove_user_from_group(GroupName=g + "2", UserName=u)
        # test_iam_users.py::test_user_group_membership: removing a non-member succeeds
        iam.remove_user_from_group(GroupName=g + "2", UserName=u)
        iam.delete_user(UserName=u)
    assert error(iam.remove_user_from_group, GroupName=g + "2", UserName="ghost")[:2] == (
        "NoSuchEntity", 404)
    # test_iam_groups.py::test_remove_user_from_unknown_group: the user is looked up first
    assert error(iam.remove_user_from_group, GroupName="no-group", UserName="any-user") == (
        "NoSuchEntity", 404, "The user with name any-user cannot be found.")
    iam.delete_group(GroupName=g + "2")
    assert error(iam.get_group, GroupName=g + "2")[2] == \
        f"The group with name {g}2 cannot be found."


def test_accounts_are_separate(nuvem, name):
    n = name("shared")
    mine, theirs = nuvem.client("iam"), nuvem.client("iam", key="111122223333")
    mine.create_user(UserName=n)
    assert error(theirs.get_user, UserName=n)[0] == "NoSuchEntity"
    created = theirs.create_user(UserName=n)["User"]
    assert created["Arn"] == f"arn:aws:iam::111122223333:user/{n}"
    assert n not in [u["UserName"] for u in nuvem.client("iam", key="444455556666").list_users()["Users"]]
    key = theirs.create_access_key(UserName=n)["AccessKey"]["AccessKeyId"]
    # test_iam_users.py::test_access_key_errors: another account's key (or none) is AccessDenied
    assert error(mine.get_access_key_last_used, AccessKeyId=key) == (
        "AccessDenied", 403, "User: arn:aws:iam::000000000000:root is not authorized to perform "
        f"iam:GetAccessKeyLastUsed on resource: access key {key}")
    theirs.delete_access_key(UserName=n, AccessKeyId=key)
    theirs.delete_user(UserName=n)
    mine.delete_user(UserName=n)


def test_cli_creates_and_lists_users(nuvem, name):
    import json
    n = name("cli")
    out = nuvem.aws_cli("iam", "create-user", "--user-name", n, "--output", "json")
    assert json.loads(out.stdout)["User"]["UserName"] == n
    out = nuvem.aws_cli("iam", "list-users", "--query", "Users[].UserName", "--output", "json")
    assert n in json.loads(out.stdout)
    failed = nuvem.aws_cli("iam", "get-user", "--user-name", n + "nope", check=False)
    assert failed.returncode != 0 and "NoSuchEntity" in failed.stderr
    nuvem.aws_cli("iam", "delete-user", "--user-name", n)


def test_every_top_level_member_meets_the_models_pattern(iam, name):
    """IAM's front end checks each member's pattern before the operation runs: all problems in
    one ValidationError; a sensitive value (a password) is not echoed."""
    user = name("pat")
    iam.create_user(UserName=user)
    assert error(iam.create_service_linked_role, AWSServiceName="elasticbeanstalk.amazonaws.com",
                 CustomSuffix="a b") == (
        "ValidationError", 400, "1 validation error detected: Value at 'customSuffix' "
        "failed to satisfy constraint: Member must satisfy regular expression pattern: "
        "[\\w+=,.@-]+")
    # in AWS's order (validate.problem_order)
    assert error(iam.delete_access_key, UserName="a b", AccessKeyId="AKIA!!!!!!!!!!!!!!!!")[2] == (
        "2 validation errors detected: Value at 'accessKeyId' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\w]+; Value at 'userName' failed to "
        "satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+")
    assert error(iam.create_login_profile, UserName=user, Password="Abcdefgh1!\u2603")[2] == (
        "1 validation error detected: Value at 'password' failed to satisfy constraint: Member "
        "must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+")
    assert error(iam.enable_mfa_device, UserName=user, SerialNumber=f"arn:aws:iam::1:mfa/{user}",
                 AuthenticationCode1="12345a", AuthenticationCode2="123456")[:2] == (
        "ValidationError", 400)
    assert error(iam.get_user, UserName="na\u00efve")[:2] == ("ValidationError", 400)  # ASCII \w
    assert error(iam.get_user, UserName="nope" + user)[:2] == ("NoSuchEntity", 404)


def test_model_patterns_come_before_authorization(nuvem, iam, name):
    """A user who may do nothing gets the pattern's ValidationError, not AccessDenied, as the
    model's other constraints (lengths) already are: IAM validates before it authorizes."""
    user = name("nobody")
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    nobody = nuvem.client("iam", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    assert error(nobody.get_user, UserName="a b") == (
        "ValidationError", 400, "1 validation error detected: Value at 'userName' failed to "
        "satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+")
    assert error(nobody.get_user, UserName=user)[:2] == ("AccessDenied", 403)
