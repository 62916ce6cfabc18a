import base64
import hashlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.services.iam.helpers import error


def test_ssh_public_keys(iam, name):
    n = name("ssh")
    iam.create_user(UserName=n)
    public = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    body = public.public_bytes(serialization.Encoding.OpenSSH,
                               serialization.PublicFormat.OpenSSH).decode()
    key = iam.upload_ssh_public_key(UserName=n, SSHPublicKeyBody=body)["SSHPublicKey"]
    assert key["SSHPublicKeyId"].startswith("APKA") and len(key["SSHPublicKeyId"]) == 20
    blob = base64.b64decode(body.split()[1])
    assert key["Fingerprint"] == ":".join(f"{b:02x}" for b in hashlib.md5(blob).digest())
    assert error(iam.upload_ssh_public_key, UserName=n, SSHPublicKeyBody=body)[0] == \
        "DuplicateSSHPublicKey"
    assert error(iam.upload_ssh_public_key, UserName=n, SSHPublicKeyBody="ssh-rsa nope")[:2] == (
        "InvalidPublicKey", 400)
    pem = iam.get_ssh_public_key(UserName=n, SSHPublicKeyId=key["SSHPublicKeyId"],
                                 Encoding="PEM")["SSHPublicKey"]["SSHPublicKeyBody"]
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    iam.update_ssh_public_key(UserName=n, SSHPublicKeyId=key["SSHPublicKeyId"], Status="Inactive")
    listed = iam.list_ssh_public_keys(UserName=n)["SSHPublicKeys"]
    assert [(k["SSHPublicKeyId"], k["Status"]) for k in listed] == [(key["SSHPublicKeyId"], "Inactive")]
    assert error(iam.delete_user, UserName=n)[:2] == ("DeleteConflict", 409)
    iam.delete_ssh_public_key(UserName=n, SSHPublicKeyId=key["SSHPublicKeyId"])
    assert error(iam.get_ssh_public_key, UserName=n, SSHPublicKeyId=key["SSHPublicKeyId"],
                 Encoding="SSH")[:2] == ("NoSuchEntity", 404)
    iam.delete_user(UserName=n)


def test_service_specific_credentials(iam, name):
    n = name("git")
    iam.create_user(UserName=n)
    cred = iam.create_service_specific_credential(
        UserName=n, ServiceName="codecommit.amazonaws.com")["ServiceSpecificCredential"]
    assert cred["ServiceUserName"] == f"{n}-at-000000000000" and len(cred["ServicePassword"]) == 44
    assert cred["ServiceSpecificCredentialId"].startswith("ACCA")
    # test_iam.py::test_create_service_specific_credential_invalid_service,
    # test_list_service_specific_credential_different_service: IAM says NoSuchEntity
    for service in ("s3.amazonaws.com", "o3on3n3onosneo"):
        message = f"No such service {service} is supported for Service Specific Credentials"
        assert error(iam.create_service_specific_credential, UserName=n,
                     ServiceName=service) == ("NoSuchEntity", 404, message)
        assert error(iam.list_service_specific_credentials, UserName=n,
                     ServiceName=service) == ("NoSuchEntity", 404, message)
    assert iam.list_service_specific_credentials(
        UserName=n, ServiceName="cassandra.amazonaws.com")["ServiceSpecificCredentials"] == []
    # test_iam.py::test_user_match_id_mismatch: an id of the right form that is no credential
    for call, extra in ((iam.update_service_specific_credential, {"Status": "Inactive"}),
                        (iam.reset_service_specific_credential, {}),
                        (iam.delete_service_specific_credential, {})):
        assert error(call, UserName=n, ServiceSpecificCredentialId="satisfiesregexbutstillinvalid",
                     **extra) == ("NoSuchEntity", 404,
                                  "No such credential satisfiesregexbutstillinvalid exists")
    reset = iam.reset_service_specific_credential(
        UserName=n, ServiceSpecificCredentialId=cred["ServiceSpecificCredentialId"])
    assert reset["ServiceSpecificCredential"]["ServicePassword"] != cred["ServicePassword"]
    iam.update_service_specific_credential(
        UserName=n, ServiceSpecificCredentialId=cred["ServiceSpecificCredentialId"],
        Status="Inactive")
    listed = iam.list_service_specific_credentials(UserName=n)["ServiceSpecificCredentials"]
    assert [c["Status"] for c in listed] == ["Inactive"] and "ServicePassword" not in listed[0]
    assert error(iam.delete_user, UserName=n)[0] == "DeleteConflict"
    iam.delete_service_specific_credential(
        UserName=n, ServiceSpecificCredentialId=cred["ServiceSpecificCredentialId"])
    iam.delete_user(UserName=n)


def test_change_password_is_for_iam_users_only(iam):
    assert error(iam.change_password, OldPassword="a", NewPassword="b")[:2] == (
        "InvalidUserType", 400)


def test_rename_keeps_ssh_keys_and_service_credentials(iam, name):
    """test_iam_users.py::test_user_rename_updates_ssh_public_keys and
    test_user_rename_updates_service_specific_credentials: they follow the user, under its new
    name; the credential's ServiceUserName keeps the old one."""
    n, renamed = name("mv"), name("mv")
    iam.create_user(UserName=n)
    public = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    body = public.public_bytes(serialization.Encoding.OpenSSH,
                               serialization.PublicFormat.OpenSSH).decode()
    key = iam.upload_ssh_public_key(UserName=n, SSHPublicKeyBody=body)["SSHPublicKey"]
    cred = iam.create_service_specific_credential(
        UserName=n, ServiceName="codecommit.amazonaws.com")["ServiceSpecificCredential"]
    iam.update_user(UserName=n, NewUserName=renamed)
    [listed] = iam.list_ssh_public_keys(UserName=renamed)["SSHPublicKeys"]
    assert (listed["SSHPublicKeyId"], listed["UserName"]) == (key["SSHPublicKeyId"], renamed)
    [moved] = iam.list_service_specific_credentials(UserName=renamed)["ServiceSpecificCredentials"]
    assert moved["ServiceSpecificCredentialId"] == cred["ServiceSpecificCredentialId"]
    assert (moved["UserName"], moved["ServiceUserName"]) == (renamed, cred["ServiceUserName"])
    iam.delete_ssh_public_key(UserName=renamed, SSHPublicKeyId=key["SSHPublicKeyId"])
    iam.delete_service_specific_credential(
        UserName=renamed, ServiceSpecificCredentialId=cred["ServiceSpecificCredentialId"])
    iam.delete_user(UserName=renamed)
