import base64
import hashlib
import hmac
import struct
import time

from tests.services.iam.helpers import TRUST, doc, error


def totp(seed: str, step: int) -> str:
    """RFC 6238 written out independently of Nuvem's, as an authenticator app computes it."""
    mac = hmac.new(base64.b32decode(seed), struct.pack(">Q", step), hashlib.sha1).digest()
    offset = mac[-1] & 15
    return "%06d" % ((int.from_bytes(mac[offset:offset + 4], "big") & 0x7FFFFFFF) % 1_000_000)


def test_rfc6238_reference_vector():
    # RFC 6238 appendix B, SHA-1, T = 59 s: 94287082 (8 digits) -> last 6 digits
    seed = base64.b32encode(b"12345678901234567890").decode()
    from nuvem.services.iam.account import totp as ours
    assert ours(seed, 59 // 30, digits=8) == "94287082"
    assert ours(seed, 1111111109 // 30, digits=8) == "07081804"


def test_virtual_mfa_device_enable_with_two_consecutive_codes(iam, name):
    u, d = name("mfauser"), name("mfa")
    iam.create_user(UserName=u)
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=d)["VirtualMFADevice"]
    serial, seed = device["SerialNumber"], device["Base32StringSeed"].decode()
    assert serial.endswith(f":mfa/{d}") and len(base64.b32decode(seed)) == 40
    assert device["QRCodePNG"].startswith(b"\x89PNG\r\n\x1a\n")
    step = int(time.time()) // 30 - 1
    assert error(iam.enable_mfa_device, UserName=u, SerialNumber=serial,
                 AuthenticationCode1="123456", AuthenticationCode2="654321")[:2] == (
        "InvalidAuthenticationCode", 403)
    assert error(iam.enable_mfa_device, UserName=u, SerialNumber=serial,        # not consecutive
                 AuthenticationCode1=totp(seed, step), AuthenticationCode2=totp(seed, step))[0] == \
        "InvalidAuthenticationCode"
    iam.enable_mfa_device(UserName=u, SerialNumber=serial, AuthenticationCode1=totp(seed, step),
                          AuthenticationCode2=totp(seed, step + 1))
    devices = iam.list_mfa_devices(UserName=u)["MFADevices"]
    assert [x["SerialNumber"] for x in devices] == [serial]
    assigned = iam.list_virtual_mfa_devices(AssignmentStatus="Assigned")["VirtualMFADevices"]
    assert any(x["SerialNumber"] == serial and x["User"]["UserName"] == u for x in assigned)
    assert error(iam.delete_virtual_mfa_device, SerialNumber=serial)[:2] == ("DeleteConflict", 409)
    assert error(iam.delete_user, UserName=u)[:2] == ("DeleteConflict", 409)
    iam.deactivate_mfa_device(UserName=u, SerialNumber=serial)
    assert iam.list_mfa_devices(UserName=u)["MFADevices"] == []
    iam.delete_virtual_mfa_device(SerialNumber=serial)
    assert error(iam.deactivate_mfa_device, SerialNumber=serial)[:2] == ("NoSuchEntity", 404)
    iam.delete_user(UserName=u)


def test_virtual_mfa_device_errors(iam, name):
    """test_iam_mfa.py::test_virtual_mfa_device_errors, test_enable_mfa_device_errors and
    test_virtual_mfa_device_lifecycle[/test//double/] (AWS, 2026)."""
    device = name("mfa")
    serial = iam.create_virtual_mfa_device(
        VirtualMFADeviceName=device, Path="/test//double/")["VirtualMFADevice"]["SerialNumber"]
    assert serial.endswith(f":mfa/test//double/{device}")
    assert error(iam.create_virtual_mfa_device, VirtualMFADeviceName=device) == (
        "EntityAlreadyExists", 409, "MFA device already exists.")
    missing = serial.replace(device, "nonexistent-device")
    assert error(iam.delete_virtual_mfa_device, SerialNumber=missing) == (
        "NoSuchEntity", 404, f"MFA Device with serial number {missing} does not exist.")
    user = name("u")
    iam.create_user(UserName=user)
    assert error(iam.deactivate_mfa_device, UserName=user, SerialNumber=missing) == (
        "NoSuchEntity", 404, f"MFA Device with serial number {missing} does not exist.")
    iam.delete_user(UserName=user)
    iam.delete_virtual_mfa_device(SerialNumber=serial)

def test_password_policy(nuvem):
    iam = nuvem.client("iam", key="222233334444")
    assert error(iam.get_account_password_policy)[:2] == ("NoSuchEntity", 404)
    iam.update_account_password_policy(MinimumPasswordLength=12, RequireNumbers=True,
                                       MaxPasswordAge=90)
    policy = iam.get_account_password_policy()["PasswordPolicy"]
    assert policy["MinimumPasswordLength"] == 12 and policy["RequireNumbers"] is True
    assert policy["ExpirePasswords"] is True and policy["MaxPasswordAge"] == 90
    iam.create_user(UserName="pw")
    assert error(iam.create_login_profile, UserName="pw", Password="no-digits-here")[:2] == (
        "PasswordPolicyViolation", 400)
    iam.create_login_profile(UserName="pw", Password="has-digits-123")
    iam.delete_login_profile(UserName="pw")
    iam.delete_user(UserName="pw")
    iam.delete_account_password_policy()
    assert error(iam.delete_account_password_policy)[0] == "NoSuchEntity"
    # test_iam_account_password_policy.py::test_update_account_password_policy_defaults and
    # _custom_values: HardExpiry is answered only once set
    iam.update_account_password_policy()
    assert iam.get_account_password_policy()["PasswordPolicy"] == {
        "AllowUsersToChangePassword": False, "ExpirePasswords": False,
        "MinimumPasswordLength": 6, "RequireLowercaseCharacters": False,
        "RequireNumbers": False, "RequireSymbols": False, "RequireUppercaseCharacters": False}
    iam.update_account_password_policy(HardExpiry=True, MaxPasswordAge=60)
    assert iam.get_account_password_policy()["PasswordPolicy"]["HardExpiry"] is True
    iam.delete_account_password_policy()


def test_account_alias_is_unique_across_accounts(nuvem, name):
    alias = name("alias-")
    one, two = nuvem.client("iam", key="333344445555"), nuvem.client("iam", key="333344446666")
    one.create_account_alias(AccountAlias=alias)
    assert one.list_account_aliases()["AccountAliases"] == [alias]
    assert error(two.create_account_alias, AccountAlias=alias)[:2] == ("EntityAlreadyExists", 409)
    assert error(two.delete_account_alias, AccountAlias=alias)[:2] == ("NoSuchEntity", 404)
    one.delete_account_alias(AccountAlias=alias)
    assert one.list_account_aliases()["AccountAliases"] == []
    # lower-case letters, digits and single hyphens inside (the model's pattern)
    for bad in ("My-alias", "my_alias", "my--alias", "-myalias", "myalias-"):
        assert error(one.create_account_alias, AccountAlias=bad) == (
            "ValidationError", 400, "1 validation error detected: Value at "
            "'accountAlias' failed to satisfy constraint: Member must satisfy regular expression "
            "pattern: ^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$")
    assert one.list_account_aliases()["AccountAliases"] == []


def test_summary_and_authorization_details(nuvem):
    iam = nuvem.client("iam", key="555566667777")
    iam.create_user(UserName="u1")
    iam.create_group(GroupName="g1")
    iam.add_user_to_group(UserName="u1", GroupName="g1")
    iam.put_group_policy(GroupName="g1", PolicyName="inline", PolicyDocument=doc())
    iam.create_role(RoleName="r1", AssumeRolePolicyDocument=TRUST)
    iam.create_instance_profile(InstanceProfileName="ip1")
    iam.add_role_to_instance_profile(InstanceProfileName="ip1", RoleName="r1")
    arn = iam.create_policy(PolicyName="p1", PolicyDocument=doc())["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="r1", PolicyArn=arn)
    iam.attach_user_policy(UserName="u1", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    summary = iam.get_account_summary()["SummaryMap"]
    assert (summary["Users"], summary["Groups"], summary["Roles"], summary["Policies"],
            summary["InstanceProfiles"]) == (1, 1, 1, 1, 1)
    assert summary["AccessKeysPerUserQuota"] == 2 and summary["VersionsPerPolicyQuota"] == 5

    details = iam.get_account_authorization_details()
    user, = details["UserDetailList"]
    assert user["GroupList"] == ["g1"] and user["AttachedManagedPolicies"][0]["PolicyName"] == \
        "AdministratorAccess"
    group, = details["GroupDetailList"]
    assert group["GroupPolicyList"][0]["PolicyDocument"]["Statement"][0]["Action"] == "s3:GetObject"
    role, = details["RoleDetailList"]
    assert role["InstanceProfileList"][0]["InstanceProfileName"] == "ip1"
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Action"] == "sts:AssumeRole"
    assert {p["PolicyName"] for p in details["Policies"]} == {"p1", "AdministratorAccess"}
    local = iam.get_account_authorization_details(Filter=["LocalManagedPolicy"])
    assert [p["PolicyName"] for p in local["Policies"]] == ["p1"] and not local["UserDetailList"]
    assert local["Policies"][0]["PolicyVersionList"][0]["IsDefaultVersion"] is True
    paged = iam.get_account_authorization_details(MaxItems=2)
    rest = iam.get_account_authorization_details(Marker=paged["Marker"])
    assert paged["IsTruncated"] and not rest["IsTruncated"]
    assert len(paged["Policies"]) + len(rest["Policies"]) == 2




def test_authorization_details_shapes(nuvem):
    """As AWS answers (test_iam_account_authorization_details.py::..._filter_role, _no_filter,
    _with_inline_policies): a user without inline policies has no UserPolicyList, while groups
    and roles keep an empty list; roles embedded in an instance profile have no Description."""
    iam = nuvem.client("iam", key="555566669999")
    iam.create_user(UserName="plain")
    iam.create_user(UserName="inline")
    iam.put_user_policy(UserName="inline", PolicyName="p", PolicyDocument=doc())
    iam.create_group(GroupName="g")
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=TRUST, Description="testing role")
    iam.create_instance_profile(InstanceProfileName="ip")
    iam.add_role_to_instance_profile(InstanceProfileName="ip", RoleName="r")
    details = iam.get_account_authorization_details()
    users = {u["UserName"]: u for u in details["UserDetailList"]}
    assert "UserPolicyList" not in users["plain"] and users["plain"]["Tags"] == []
    assert [p["PolicyName"] for p in users["inline"]["UserPolicyList"]] == ["p"]
    group, = details["GroupDetailList"]
    assert group["GroupPolicyList"] == [] and group["AttachedManagedPolicies"] == []
    role, = details["RoleDetailList"]
    assert role["RolePolicyList"] == [] and role["RoleLastUsed"] == {} and role["Tags"] == []
    assert "Description" not in role
    embedded, = role["InstanceProfileList"][0]["Roles"]
    assert sorted(embedded) == ["Arn", "AssumeRolePolicyDocument", "CreateDate", "Path", "RoleId",
                                "RoleName"]
    got, = iam.get_instance_profile(InstanceProfileName="ip")["InstanceProfile"]["Roles"]
    assert "Description" not in got

def test_summary_counts_providers_and_server_certificates(nuvem):
    """GetAccountSummary counts OIDC and SAML providers together and the server certificates, and
    answers AccountPasswordPresent (test_iam_account_summary.py::test_get_account_summary_format,
    test_get_account_summary_with_resources)."""
    from tests.services.iam.test_certificates import self_signed
    from tests.services.iam.test_providers import METADATA
    iam = nuvem.client("iam", key="555566668888")
    before = iam.get_account_summary()["SummaryMap"]
    assert before["AccountPasswordPresent"] == 0
    assert (before["Providers"], before["ServerCertificates"]) == (0, 0)
    iam.create_open_id_connect_provider(Url="https://oidc.summary.example", ThumbprintList=["a" * 40])
    iam.create_saml_provider(Name="summary", SAMLMetadataDocument=METADATA)
    body, key, _ = self_signed()
    iam.upload_server_certificate(ServerCertificateName="summary", CertificateBody=body,
                                  PrivateKey=key)
    after = iam.get_account_summary()["SummaryMap"]
    assert (after["Providers"], after["ServerCertificates"]) == (2, 1)

def _png_modules(png: bytes) -> list[list[int]]:
    """The dark (1) and light (0) pixels of a PNG: grayscale or palette, 1 to 8 bits a pixel,
    no interlacing (what QR code writers produce), read with zlib only."""
    import zlib
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, pos = {}, 8
    while pos < len(png):
        length = struct.unpack(">I", png[pos:pos + 4])[0]
        kind, data = png[pos + 4:pos + 8], png[pos + 8:pos + 8 + length]
        assert zlib.crc32(kind + data) == struct.unpack(">I", png[pos + 8 + length:pos + 12 + length])[0]
        chunks[kind] = chunks.get(kind, b"") + data
        pos += 12 + length
    width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert width > 0 and height > 0 and color in (0, 3) and interlace == 0 and depth <= 8
    palette = chunks.get(b"PLTE")
    raw = zlib.decompress(chunks[b"IDAT"])
    stride = (width * depth + 7) // 8
    rows, prev = [], bytes(stride)
    for y in range(height):
        line = raw[y * (stride + 1):(y + 1) * (stride + 1)]
        kind, cur = line[0], bytearray(line[1:])
        bpp = max(1, depth // 8)
        for i in range(stride):                      # PNG filters (RFC 2083, 6)
            a = cur[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                cur[i] = (cur[i] + a) & 255
            elif kind == 2:
                cur[i] = (cur[i] + b) & 255
            elif kind == 3:
                cur[i] = (cur[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                cur[i] = (cur[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        prev = bytes(cur)
        bits = "".join(f"{byte:08b}" for byte in cur)
        values = [int(bits[x * depth:(x + 1) * depth], 2) for x in range(width)]
        if palette:
            values = [palette[3 * v] for v in values]       # the red channel: black or white
        else:
            values = [v * 255 // (2 ** depth - 1) for v in values]
        rows.append([1 if v < 128 else 0 for v in values])
    return rows


def test_virtual_mfa_qr_code_encodes_the_otpauth_uri(nuvem):
    import urllib.parse

    import segno
    account = "777700001111"
    iam = nuvem.client("iam", key=account)

    def created(device_name):
        device = iam.create_virtual_mfa_device(VirtualMFADeviceName=device_name)["VirtualMFADevice"]
        return device["Base32StringSeed"].decode(), _png_modules(device["QRCodePNG"])

    def expected(device_name, seed, account_name):
        issuer = urllib.parse.quote("Amazon Web Services")
        return (f"otpauth://totp/{issuer}:{device_name}@{account_name}?secret={seed}"
                f"&issuer={issuer}")

    def qr_matrix(pixels):
        # 4 light modules of quiet zone around the code; the top-left finder pattern is 7 wide
        row = next(y for y, r in enumerate(pixels) if any(r))
        left = pixels[row].index(1)
        run = pixels[row][left:].index(0)
        scale = run // 7
        assert scale > 0 and left == 4 * scale and row == left
        size = (len(pixels[0]) - 2 * left) // scale
        return [[pixels[left + y * scale][left + x * scale] for x in range(size)]
                for y in range(size)]

    seed, pixels = created("phone")
    assert len(pixels) == len(pixels[0]) > 0
    ours = segno.make(expected("phone", seed, account), error="m", micro=False)
    assert qr_matrix(pixels) == [list(r) for r in ours.matrix]   # the URI the code holds
    iam.create_account_alias(AccountAlias="qr-alias-777700001111")
    try:
        seed, pixels = created("tablet")                     # the alias names the account
        ours = segno.make(expected("tablet", seed, "qr-alias-777700001111"), error="m", micro=False)
        assert qr_matrix(pixels) == [list(r) for r in ours.matrix]
    finally:
        iam.delete_account_alias(AccountAlias="qr-alias-777700001111")


def test_mfa_codes_are_single_use_and_resync_follows_the_clock(manual_nuvem):
    from datetime import datetime
    iam = manual_nuvem.client("iam", key="777788889999")
    iam.create_user(UserName="resync")
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="resync-dev")[
        "VirtualMFADevice"]["SerialNumber"]
    device = [d for d in iam.list_virtual_mfa_devices()["VirtualMFADevices"]
              if d["SerialNumber"] == serial]
    assert device and "User" not in device[0]
    iam.delete_virtual_mfa_device(SerialNumber=serial)
    created = iam.create_virtual_mfa_device(VirtualMFADeviceName="resync-dev")["VirtualMFADevice"]
    serial, seed = created["SerialNumber"], created["Base32StringSeed"].decode()

    def step():
        now = manual_nuvem.admin("GET", "/_nuvem/clock")["now"]
        return int(datetime.fromisoformat(now.replace("Z", "+00:00")).timestamp()) // 30

    s = step()
    codes = dict(AuthenticationCode1=totp(seed, s - 1), AuthenticationCode2=totp(seed, s))
    iam.enable_mfa_device(UserName="resync", SerialNumber=serial, **codes)
    assert iam.get_mfa_device(SerialNumber=serial)["UserName"] == "resync"
    assert error(iam.resync_mfa_device, UserName="resync", SerialNumber=serial, **codes)[0] == \
        "InvalidAuthenticationCode"                                  # already used
    manual_nuvem.admin("POST", "/_nuvem/clock", {"advance": 90})
    s = step()
    iam.resync_mfa_device(UserName="resync", SerialNumber=serial,
                          AuthenticationCode1=totp(seed, s - 1), AuthenticationCode2=totp(seed, s))
    iam.deactivate_mfa_device(UserName="resync", SerialNumber=serial)
    iam.delete_virtual_mfa_device(SerialNumber=serial)
    iam.delete_user(UserName="resync")


def test_credential_report(nuvem):
    import csv
    import io
    iam = nuvem.client("iam", key="888899990000")
    assert error(iam.get_credential_report)[:2] == ("ReportNotPresent", 410)
    iam.create_user(UserName="reported")
    key = iam.create_access_key(UserName="reported")["AccessKey"]["AccessKeyId"]
    assert iam.generate_credential_report()["State"] == "STARTED"
    assert iam.generate_credential_report()["State"] == "COMPLETE"
    report = iam.get_credential_report()
    assert report["ReportFormat"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(report["Content"].decode())))
    row, = [r for r in rows if r["user"] == "reported"]
    assert row["arn"] == "arn:aws:iam::888899990000:user/reported"
    assert row["password_enabled"] == "false" and row["access_key_1_active"] == "true"
    assert row["access_key_2_active"] == "false" and row["mfa_active"] == "false"
    iam.delete_access_key(UserName="reported", AccessKeyId=key)
    iam.delete_user(UserName="reported")


def test_root_user_virtual_mfa(manual_nuvem):
    """The root user enables a virtual MFA device (AWS's console step, done through the API here):
    two consecutive codes, then ListMFADevices and GetAccountSummary's AccountMFAEnabled show it."""
    from datetime import datetime
    account = "777788880001"
    iam = manual_nuvem.client("iam", key=account)
    assert iam.get_account_summary()["SummaryMap"]["AccountMFAEnabled"] == 0
    created = iam.create_virtual_mfa_device(
        VirtualMFADeviceName="root-account-mfa-device")["VirtualMFADevice"]
    serial, seed = created["SerialNumber"], created["Base32StringSeed"].decode()
    assert serial == f"arn:aws:iam::{account}:mfa/root-account-mfa-device"

    def step():
        now = manual_nuvem.admin("GET", "/_nuvem/clock")["now"]
        return int(datetime.fromisoformat(now.replace("Z", "+00:00")).timestamp()) // 30

    s = step()
    assert error(iam.enable_mfa_device, UserName="root", SerialNumber=serial,
                 AuthenticationCode1=totp(seed, s), AuthenticationCode2=totp(seed, s))[0] == \
        "InvalidAuthenticationCode"
    iam.enable_mfa_device(UserName="root", SerialNumber=serial,
                          AuthenticationCode1=totp(seed, s - 1), AuthenticationCode2=totp(seed, s))
    summary = iam.get_account_summary()["SummaryMap"]
    assert summary["AccountMFAEnabled"] == 1 and summary["MFADevicesInUse"] == 1
    listed = iam.list_mfa_devices()["MFADevices"]
    assert [(d["UserName"], d["SerialNumber"]) for d in listed] == [(account, serial)]
    assert iam.list_mfa_devices(UserName="root")["MFADevices"][0]["SerialNumber"] == serial
    assert iam.get_mfa_device(SerialNumber=serial)["UserName"] == account
    virtual = iam.list_virtual_mfa_devices(AssignmentStatus="Assigned")["VirtualMFADevices"]
    assert virtual[0]["User"]["Arn"] == f"arn:aws:iam::{account}:root"
    assert error(iam.delete_virtual_mfa_device, SerialNumber=serial)[0] == "DeleteConflict"
    # codes are single use; after the clock moves, a resync takes fresh ones
    assert error(iam.resync_mfa_device, UserName="root", SerialNumber=serial,
                 AuthenticationCode1=totp(seed, s - 1), AuthenticationCode2=totp(seed, s))[0] == \
        "InvalidAuthenticationCode"
    manual_nuvem.admin("POST", "/_nuvem/clock", {"advance": 60})
    s = step()
    iam.resync_mfa_device(UserName="root", SerialNumber=serial,
                          AuthenticationCode1=totp(seed, s - 1), AuthenticationCode2=totp(seed, s))
    iam.deactivate_mfa_device(SerialNumber=serial)
    assert iam.get_account_summary()["SummaryMap"]["AccountMFAEnabled"] == 0
    iam.delete_virtual_mfa_device(SerialNumber=serial)


def test_only_the_root_user_enables_root_mfa(nuvem, name):
    """An IAM user cannot claim the root's MFA: "root" is then an ordinary (missing) user name."""
    account = "777788880002"
    admin = nuvem.client("iam", key=account)
    admin.create_user(UserName="mfa-admin")
    admin.attach_user_policy(UserName="mfa-admin",
                             PolicyArn="arn:aws:iam::aws:policy/IAMFullAccess")
    key = admin.create_access_key(UserName="mfa-admin")["AccessKey"]
    import boto3
    iam = boto3.client("iam", endpoint_url=nuvem.endpoint, region_name="us-east-1",
                       aws_access_key_id=key["AccessKeyId"],
                       aws_secret_access_key=key["SecretAccessKey"])
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=name("d"))[
        "VirtualMFADevice"]["SerialNumber"]
    assert error(iam.enable_mfa_device, UserName="root", SerialNumber=serial,
                 AuthenticationCode1="123456", AuthenticationCode2="654321")[0] == "NoSuchEntity"
    assert admin.get_account_summary()["SummaryMap"]["AccountMFAEnabled"] == 0
