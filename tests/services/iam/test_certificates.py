from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.services.iam.helpers import error


def self_signed(cn="example.test"):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
            .sign(key, hashes.SHA256()))
    pem_key = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    return cert.public_bytes(serialization.Encoding.PEM).decode(), pem_key, cert


def test_server_certificates(iam, name):
    n = name("cert")
    body, key, cert = self_signed()
    meta = iam.upload_server_certificate(ServerCertificateName=n, CertificateBody=body,
                                         PrivateKey=key, Path="/cloudfront/")[
        "ServerCertificateMetadata"]
    assert meta["ServerCertificateId"].startswith("ASCA")
    assert meta["Arn"].endswith(f":server-certificate/cloudfront/{n}")
    assert meta["Expiration"].timestamp() == int(cert.not_valid_after_utc.timestamp())
    assert error(iam.upload_server_certificate, ServerCertificateName=n, CertificateBody=body,
                 PrivateKey=key)[:2] == ("EntityAlreadyExists", 409)
    _, other_key, _ = self_signed()
    assert error(iam.upload_server_certificate, ServerCertificateName=n + "b", CertificateBody=body,
                 PrivateKey=other_key)[0] == "KeyPairMismatch"
    assert error(iam.upload_server_certificate, ServerCertificateName=n + "c",
                 CertificateBody="not pem", PrivateKey=key)[:2] == ("MalformedCertificate", 400)
    got = iam.get_server_certificate(ServerCertificateName=n)["ServerCertificate"]
    assert got["CertificateBody"] == body.strip() and "PrivateKey" not in got
    iam.update_server_certificate(ServerCertificateName=n, NewServerCertificateName=n + "2")
    listed = iam.list_server_certificates(PathPrefix="/cloudfront/")["ServerCertificateMetadataList"]
    assert n + "2" in [c["ServerCertificateName"] for c in listed]
    iam.delete_server_certificate(ServerCertificateName=n + "2")
    assert error(iam.get_server_certificate, ServerCertificateName=n + "2")[:2] == (
        "NoSuchEntity", 404)


def test_signing_certificates(iam, name):
    n = name("signer")
    iam.create_user(UserName=n)
    bodies = [self_signed(f"s{i}")[0] for i in range(3)]
    # test_iam_signing_certificates.py::test_signing_certificate_errors
    assert error(iam.upload_signing_certificate, UserName=n,
                 CertificateBody="invalid-certificate-body") == (
        "MalformedCertificate", 400, "Certificate invalid-certificate-body is malformed.")
    first = iam.upload_signing_certificate(UserName=n, CertificateBody=bodies[0])["Certificate"]
    assert first["Status"] == "Active" and first["UserName"] == n
    assert error(iam.upload_signing_certificate, UserName=n, CertificateBody=bodies[0])[:2] == (
        "DuplicateCertificate", 409)
    iam.upload_signing_certificate(UserName=n, CertificateBody=bodies[1])
    assert error(iam.upload_signing_certificate, UserName=n, CertificateBody=bodies[2])[:2] == (
        "LimitExceeded", 409)
    iam.update_signing_certificate(UserName=n, CertificateId=first["CertificateId"],
                                   Status="Inactive")
    certs = iam.list_signing_certificates(UserName=n)["Certificates"]
    assert {c["Status"] for c in certs} == {"Active", "Inactive"}
    assert error(iam.delete_user, UserName=n)[0] == "DeleteConflict"
    for c in certs:
        iam.delete_signing_certificate(UserName=n, CertificateId=c["CertificateId"])
    iam.delete_user(UserName=n)
