import base64
import hashlib

import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa


def code(e):
    return e.value.response["Error"]["Code"]


def test_create_gives_a_usable_private_key_with_aws_fingerprint(nuvem):
    ec2 = nuvem.client("ec2", region="eu-west-1")
    created = ec2.create_key_pair(KeyName="studies", TagSpecifications=[
        {"ResourceType": "key-pair", "Tags": [{"Key": "env", "Value": "lab"}]}])
    assert created["KeyPairId"].startswith("key-") and len(created["KeyPairId"]) == 21
    private = serialization.load_pem_private_key(created["KeyMaterial"].encode(), password=None)
    assert created["KeyMaterial"].startswith("-----BEGIN RSA PRIVATE KEY-----")
    pkcs8 = private.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())
    assert created["KeyFingerprint"] == ":".join(f"{b:02x}" for b in hashlib.sha1(pkcs8).digest())

    described = ec2.describe_key_pairs(KeyNames=["studies"], IncludePublicKey=True)["KeyPairs"][0]
    assert described["KeyPairId"] == created["KeyPairId"]
    assert described["KeyType"] == "rsa" and described["Tags"] == [{"Key": "env", "Value": "lab"}]
    public = private.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                               serialization.PublicFormat.OpenSSH).decode()
    assert described["PublicKey"].split()[:2] == public.split()[:2]
    # regional: another region does not see it
    assert nuvem.client("ec2", region="eu-west-2").describe_key_pairs()["KeyPairs"] == []
    ec2.delete_key_pair(KeyName="studies")


def test_ed25519_and_duplicates(nuvem):
    ec2 = nuvem.client("ec2", region="us-east-2")
    created = ec2.create_key_pair(KeyName="edkey", KeyType="ed25519")
    assert "OPENSSH PRIVATE KEY" in created["KeyMaterial"]
    with pytest.raises(ClientError) as e:
        ec2.create_key_pair(KeyName="edkey")
    assert code(e) == "InvalidKeyPair.Duplicate"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    ec2.delete_key_pair(KeyPairId=created["KeyPairId"])
    with pytest.raises(ClientError) as e:
        ec2.describe_key_pairs(KeyNames=["edkey"])
    # as LocalStack's AWS snapshot test_deploy_instance_with_key_pair records
    assert code(e) == "InvalidKeyPair.NotFound"
    assert e.value.response["Error"]["Message"] == "The key pair 'edkey' does not exist"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_import_key_pair_fingerprints(nuvem):
    ec2 = nuvem.client("ec2", region="us-west-1")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    openssh = key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    imported = ec2.import_key_pair(KeyName="mine", PublicKeyMaterial=openssh + b" me@laptop")
    der = key.public_bytes(serialization.Encoding.DER,
                           serialization.PublicFormat.SubjectPublicKeyInfo)
    assert imported["KeyFingerprint"] == ":".join(f"{b:02x}" for b in hashlib.md5(der).digest())

    ed = ed25519.Ed25519PrivateKey.generate().public_key()
    ed_ssh = ed.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    imported = ec2.import_key_pair(KeyName="mine-ed", PublicKeyMaterial=ed_ssh)
    blob = base64.b64decode(ed_ssh.split()[1])
    assert imported["KeyFingerprint"] == base64.b64encode(hashlib.sha256(blob).digest()).decode()

    with pytest.raises(ClientError) as e:
        ec2.import_key_pair(KeyName="bad", PublicKeyMaterial=b"not a key")
    assert code(e) == "InvalidKey.Format"
    names = {p["KeyName"] for p in ec2.describe_key_pairs(
        Filters=[{"Name": "key-name", "Values": ["mine*"]}])["KeyPairs"]}
    assert names == {"mine", "mine-ed"}
    assert [p["KeyName"] for p in ec2.describe_key_pairs(
        Filters=[{"Name": "key-type", "Values": ["ed25519"]}])["KeyPairs"]] == ["mine-ed"]


def test_delete_missing_key_name_succeeds(nuvem):
    assert nuvem.client("ec2", region="ca-central-1").delete_key_pair(KeyName="never")["Return"]


def test_tag_keys_starting_with_aws_are_reserved(nuvem):
    ec2 = nuvem.client("ec2", region="ap-south-1")
    with pytest.raises(ClientError) as e:
        ec2.create_key_pair(KeyName="reserved", TagSpecifications=[
            {"ResourceType": "key-pair", "Tags": [{"Key": "aws:cloudformation:stack-name",
                                                   "Value": "x"}]}])
    assert code(e) == "InvalidParameterValue"
    assert e.value.response["Error"]["Message"] == (
        "Value ( aws:cloudformation:stack-name ) for parameter key is invalid. Tag keys starting "
        "with 'aws:' are reserved for internal use")
    assert ec2.describe_key_pairs()["KeyPairs"] == []


def test_imported_ed25519_fingerprint_is_the_one_aws_gives(nuvem):
    """The public key and the fingerprint AWS answered for it, recorded in LocalStack's AWS
    snapshot of its CloudFormation test test_keypair_create_import."""
    ec2 = nuvem.client("ec2", region="eu-west-3")
    material = ("ssh-ed25519 "
                "AAAAC3NzaC1lZDI1NTE5AAAAILR+zNQbYY5ORuhYXGMTSnjRLzS9C5dUdWRKdlqi20q2")
    imported = ec2.import_key_pair(KeyName="aws-recorded", PublicKeyMaterial=material)
    assert imported["KeyFingerprint"] == "4LmcYnyBOqlloHZ5TKAxfa8BgMK2wL6WeOOTvXVdhmw="
    described = ec2.describe_key_pairs(KeyNames=["aws-recorded"])["KeyPairs"][0]
    assert (described["KeyType"], described["KeyFingerprint"], described["Tags"]) == (
        "ed25519", imported["KeyFingerprint"], [])
    ec2.delete_key_pair(KeyName="aws-recorded")
