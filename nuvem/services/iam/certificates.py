"""Server certificates (TLS for load balancers and CloudFront) and users' signing certificates."""
from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from nuvem.context import Call
from nuvem.core.ids import ALNUM_UPPER
from nuvem.services.iam import SERVICE
from nuvem.services.iam.common import (add_tags, caller_user, check_path, matches_prefix, new_id,
                                       paginate, replace, tag_list)
from nuvem.services.iam.errors import (DuplicateCertificate, EntityAlreadyExists, KeyPairMismatch,
                                       LimitExceeded, MalformedCertificate, NoSuchEntity)
from nuvem.services.iam.models import ServerCertificate, SigningCertificate, User

MAX_SIGNING_CERTIFICATES = 2
_PUBLIC = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _certificate(body: str, malformed: str = "Unable to parse certificate. Please ensure the "
                 "certificate is in PEM format.") -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(body.strip().encode())
    except ValueError:
        raise MalformedCertificate(malformed.format(body=body)) from None


# -- server certificates -------------------------------------------------------------------------
def _server(ctx: Call, name: str) -> ServerCertificate:
    cert = ctx.store.get(ServerCertificate, ctx.account, name.lower())
    if cert is None:
        raise NoSuchEntity(f"The Server Certificate with name {name} cannot be found.")
    return cert


def _metadata(cert: ServerCertificate) -> dict:
    return {"Path": cert.Path, "ServerCertificateName": cert.ServerCertificateName,
            "ServerCertificateId": cert.ServerCertificateId, "Arn": cert.arn,
            "UploadDate": cert.UploadDate, "Expiration": cert.Expiration}


@SERVICE.op("UploadServerCertificate")
def upload_server_certificate(ctx: Call, req: dict) -> dict:
    name = req["ServerCertificateName"]
    if ctx.store.get(ServerCertificate, ctx.account, name.lower()):
        raise EntityAlreadyExists(f"The Server Certificate with name {name} already exists.")
    certificate = _certificate(req["CertificateBody"])
    try:
        key = serialization.load_pem_private_key(req["PrivateKey"].strip().encode(), password=None)
    except (ValueError, TypeError):
        raise MalformedCertificate("Unable to parse private key.")
    if key.public_key().public_bytes(*_PUBLIC) != certificate.public_key().public_bytes(*_PUBLIC):
        raise KeyPairMismatch("Unable to validate certificate chain. The certificate chain must "
                              "start with the public key certificate associated with the private "
                              "key.")
    if req.get("CertificateChain"):
        _certificate(req["CertificateChain"])
    cert = ServerCertificate(account=ctx.account, key=name.lower(), ServerCertificateName=name,
                             Path=check_path(req.get("Path")),
                             ServerCertificateId=new_id(ctx, "ASCA"),
                             CertificateBody=req["CertificateBody"].strip(),
                             PrivateKey=req["PrivateKey"].strip(), UploadDate=ctx.now,
                             Expiration=certificate.not_valid_after_utc,
                             CertificateChain=req.get("CertificateChain"))
    ctx.store.put(cert)
    add_tags(ctx, cert.arn, req.get("Tags"))
    out = {"ServerCertificateMetadata": _metadata(cert)}
    if req.get("Tags"):
        out["Tags"] = tag_list(ctx, cert.arn)
    return out


@SERVICE.op("GetServerCertificate")
def get_server_certificate(ctx: Call, req: dict) -> dict:
    cert = _server(ctx, req["ServerCertificateName"])
    out = {"ServerCertificateMetadata": _metadata(cert), "CertificateBody": cert.CertificateBody,
           "Tags": tag_list(ctx, cert.arn)}
    if cert.CertificateChain:
        out["CertificateChain"] = cert.CertificateChain
    return {"ServerCertificate": out}


@SERVICE.op("ListServerCertificates")
def list_server_certificates(ctx: Call, req: dict) -> dict:
    certs = [c for c in ctx.store.query(ServerCertificate, account=ctx.account)
             if matches_prefix(c.Path, req.get("PathPrefix"))]
    page = paginate(certs, req, lambda c: c.key, "ServerCertificateMetadataList")
    page["ServerCertificateMetadataList"] = [_metadata(c) for c in
                                             page["ServerCertificateMetadataList"]]
    return page


@SERVICE.op("UpdateServerCertificate")
def update_server_certificate(ctx: Call, req: dict) -> dict:
    cert = _server(ctx, req["ServerCertificateName"])
    new_name = req.get("NewServerCertificateName") or cert.ServerCertificateName
    if new_name.lower() != cert.key and ctx.store.get(ServerCertificate, ctx.account,
                                                      new_name.lower()):
        raise EntityAlreadyExists(f"The Server Certificate with name {new_name} already exists.")
    new_path = check_path(req.get("NewPath") or cert.Path, "newPath")

    def change(c: ServerCertificate) -> None:
        c.ServerCertificateName, c.key, c.Path = new_name, new_name.lower(), new_path
    replace(ctx, cert, change)
    return {}


@SERVICE.op("DeleteServerCertificate")
def delete_server_certificate(ctx: Call, req: dict) -> dict:
    ctx.store.delete(_server(ctx, req["ServerCertificateName"]))
    return {}


@SERVICE.op("TagServerCertificate")
def tag_server_certificate(ctx: Call, req: dict) -> dict:
    add_tags(ctx, _server(ctx, req["ServerCertificateName"]).arn, req["Tags"])
    return {}


@SERVICE.op("UntagServerCertificate")
def untag_server_certificate(ctx: Call, req: dict) -> dict:
    ctx.store.untag(_server(ctx, req["ServerCertificateName"]).arn, req["TagKeys"])
    return {}


@SERVICE.op("ListServerCertificateTags")
def list_server_certificate_tags(ctx: Call, req: dict) -> dict:
    return paginate(tag_list(ctx, _server(ctx, req["ServerCertificateName"]).arn), req,
                    lambda t: t["Key"], "Tags")


# -- signing certificates ------------------------------------------------------------------------
def user_signing_certificates(ctx: Call, user: User) -> list[SigningCertificate]:
    return sorted(ctx.store.query(SigningCertificate, account=ctx.account,
                                  index=("user_key", user.key)), key=lambda c: c.UploadDate)


def _signing(ctx: Call, user: User, certificate_id: str) -> SigningCertificate:
    cert = ctx.store.get(SigningCertificate, ctx.account, certificate_id)
    if cert is None or cert.user_key != user.key:
        raise NoSuchEntity(f"The Certificate with id {certificate_id} cannot be found.")
    return cert


def _signing_out(cert: SigningCertificate) -> dict:
    return {"UserName": cert.UserName, "CertificateId": cert.CertificateId,
            "CertificateBody": cert.CertificateBody, "Status": cert.Status,
            "UploadDate": cert.UploadDate}


@SERVICE.op("UploadSigningCertificate")
def upload_signing_certificate(ctx: Call, req: dict) -> dict:
    user = caller_user(ctx, req)
    certificate = _certificate(req["CertificateBody"], "Certificate {body} is malformed.")
    fingerprint = certificate.fingerprint(hashes.SHA256()).hex()
    certs = user_signing_certificates(ctx, user)
    if any(c.Fingerprint == fingerprint for c in certs):
        raise DuplicateCertificate("The request was rejected because the same certificate is "
                                   "associated with an IAM user in the account.")
    if len(certs) >= MAX_SIGNING_CERTIFICATES:
        raise LimitExceeded(f"Cannot exceed quota for CertificatesPerUser: "
                            f"{MAX_SIGNING_CERTIFICATES}")
    cert = SigningCertificate(account=ctx.account, CertificateId=ctx.ids.chars(ALNUM_UPPER, 32),
                              user_key=user.key, UserName=user.UserName,
                              CertificateBody=req["CertificateBody"].strip(),
                              Fingerprint=fingerprint, Status="Active", UploadDate=ctx.now)
    ctx.store.put(cert)
    return {"Certificate": _signing_out(cert)}


@SERVICE.op("ListSigningCertificates")
def list_signing_certificates(ctx: Call, req: dict) -> dict:
    certs = [_signing_out(c) for c in user_signing_certificates(ctx, caller_user(ctx, req))]
    return paginate(certs, req, lambda c: c["CertificateId"], "Certificates")


@SERVICE.op("UpdateSigningCertificate")
def update_signing_certificate(ctx: Call, req: dict) -> dict:
    cert = _signing(ctx, caller_user(ctx, req), req["CertificateId"])
    cert.Status = req["Status"]
    ctx.store.put(cert)
    return {}


@SERVICE.op("DeleteSigningCertificate")
def delete_signing_certificate(ctx: Call, req: dict) -> dict:
    ctx.store.delete(_signing(ctx, caller_user(ctx, req), req["CertificateId"]))
    return {}
