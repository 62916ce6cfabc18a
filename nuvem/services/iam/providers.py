"""Identity providers: OpenID Connect (for AssumeRoleWithWebIdentity) and SAML 2.0."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from nuvem.context import Call
from nuvem.services.iam import SERVICE
from nuvem.services.iam.common import add_tags, drop_none, paginate, tag_list
from nuvem.services.iam.errors import (EntityAlreadyExists, InvalidInput, LimitExceeded,
                                       NoSuchEntity, ValidationError)
from nuvem.services.iam.models import OIDCProvider, SAMLProvider

MAX_THUMBPRINTS = 5
MAX_CLIENT_IDS = 100
_THUMBPRINT = re.compile(r"^[0-9A-Fa-f]{40}$")
_VALID_UNTIL = re.compile(r'validUntil\s*=\s*"([^"]+)"')


# -- OpenID Connect ------------------------------------------------------------------------------
def _oidc(ctx: Call, arn: str,
          missing: str = "OpenIDConnect Provider not found for arn {arn}") -> OIDCProvider:
    prefix = f"arn:aws:iam::{ctx.account}:oidc-provider/"
    provider = ctx.store.get(OIDCProvider, ctx.account, arn[len(prefix):]) \
        if arn.startswith(prefix) else None
    if provider is None:
        raise NoSuchEntity(missing.format(arn=arn))
    return provider


def _thumbprints(values: list[str]) -> list[str]:
    if len(values) > MAX_THUMBPRINTS:
        raise InvalidInput("Thumbprint list must contain fewer than 5 entries.")
    for t in values:
        if not _THUMBPRINT.match(t):
            raise InvalidInput(f"Thumbprint {t} is not a 40-character hexadecimal SHA-1 digest.")
    return list(values)


@SERVICE.op("CreateOpenIDConnectProvider")
def create_oidc_provider(ctx: Call, req: dict) -> dict:
    url = req["Url"]
    if "://" not in url:
        raise ValidationError("Invalid Open ID Connect Provider URL")
    if not url.startswith("https://"):
        raise InvalidInput("The URL must begin with https://")
    host = url[len("https://"):].rstrip("/")
    if ctx.store.get(OIDCProvider, ctx.account, host):
        raise EntityAlreadyExists(f"Provider with url {url} already exists.")
    client_ids = list(dict.fromkeys(req.get("ClientIDList") or []))
    if len(client_ids) > MAX_CLIENT_IDS:
        raise LimitExceeded(f"Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: "
                            f"{MAX_CLIENT_IDS}")
    provider = OIDCProvider(account=ctx.account, Url=host, CreateDate=ctx.now,
                            ClientIDList=client_ids,
                            ThumbprintList=_thumbprints(req.get("ThumbprintList") or []))
    ctx.store.put(provider)
    add_tags(ctx, provider.arn, req.get("Tags"))
    return drop_none({"OpenIDConnectProviderArn": provider.arn,
                      "Tags": tag_list(ctx, provider.arn) or None})


@SERVICE.op("GetOpenIDConnectProvider")
def get_oidc_provider(ctx: Call, req: dict) -> dict:
    p = _oidc(ctx, req["OpenIDConnectProviderArn"])
    return drop_none({"Url": p.Url, "ClientIDList": p.ClientIDList,
                      "ThumbprintList": p.ThumbprintList, "CreateDate": p.CreateDate,
                      "Tags": tag_list(ctx, p.arn)})


@SERVICE.op("ListOpenIDConnectProviders")
def list_oidc_providers(ctx: Call, req: dict) -> dict:
    return {"OpenIDConnectProviderList": [
        {"Arn": p.arn} for p in ctx.store.query(OIDCProvider, account=ctx.account)]}


@SERVICE.op("DeleteOpenIDConnectProvider")
def delete_oidc_provider(ctx: Call, req: dict) -> dict:
    ctx.store.delete(_oidc(ctx, req["OpenIDConnectProviderArn"],
                           "OpenId connect Provider {arn} cannot be found."))
    return {}


@SERVICE.op("AddClientIDToOpenIDConnectProvider")
def add_client_id(ctx: Call, req: dict) -> dict:
    p = _oidc(ctx, req["OpenIDConnectProviderArn"])
    if req["ClientID"] not in p.ClientIDList:
        if len(p.ClientIDList) >= MAX_CLIENT_IDS:
            raise LimitExceeded(f"Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: "
                                f"{MAX_CLIENT_IDS}")
        p.ClientIDList.append(req["ClientID"])
        ctx.store.put(p)
    return {}


@SERVICE.op("RemoveClientIDFromOpenIDConnectProvider")
def remove_client_id(ctx: Call, req: dict) -> dict:
    p = _oidc(ctx, req["OpenIDConnectProviderArn"])
    if req["ClientID"] in p.ClientIDList:
        p.ClientIDList.remove(req["ClientID"])
        ctx.store.put(p)
    return {}


@SERVICE.op("UpdateOpenIDConnectProviderThumbprint")
def update_thumbprint(ctx: Call, req: dict) -> dict:
    p = _oidc(ctx, req["OpenIDConnectProviderArn"])
    p.ThumbprintList = _thumbprints(req["ThumbprintList"])
    ctx.store.put(p)
    return {}


@SERVICE.op("TagOpenIDConnectProvider")
def tag_oidc(ctx: Call, req: dict) -> dict:
    add_tags(ctx, _oidc(ctx, req["OpenIDConnectProviderArn"]).arn, req["Tags"])
    return {}


@SERVICE.op("UntagOpenIDConnectProvider")
def untag_oidc(ctx: Call, req: dict) -> dict:
    ctx.store.untag(_oidc(ctx, req["OpenIDConnectProviderArn"]).arn, req["TagKeys"])
    return {}


@SERVICE.op("ListOpenIDConnectProviderTags")
def list_oidc_tags(ctx: Call, req: dict) -> dict:
    return paginate(tag_list(ctx, _oidc(ctx, req["OpenIDConnectProviderArn"]).arn), req,
                    lambda t: t["Key"], "Tags")


# -- SAML ----------------------------------------------------------------------------------------
def _saml(ctx: Call, arn: str) -> SAMLProvider:
    prefix = f"arn:aws:iam::{ctx.account}:saml-provider/"
    provider = ctx.store.get(SAMLProvider, ctx.account, arn[len(prefix):]) \
        if arn.startswith(prefix) else None
    if provider is None:
        raise NoSuchEntity(f"Manifest not found for arn {arn}")
    return provider


def _valid_until(ctx: Call, metadata: str) -> datetime:
    """The metadata's `validUntil`, or (as IAM does without one) 100 years from now."""
    if "EntityDescriptor" not in metadata:
        raise InvalidInput("Could not parse metadata")
    found = _VALID_UNTIL.search(metadata)
    if found:
        try:
            return datetime.fromisoformat(found.group(1).replace("Z", "+00:00"))
        except ValueError:
            raise InvalidInput("Could not parse metadata")
    return ctx.now + timedelta(days=36525)


@SERVICE.op("CreateSAMLProvider")
def create_saml_provider(ctx: Call, req: dict) -> dict:
    name = req["Name"]
    if ctx.store.get(SAMLProvider, ctx.account, name):
        raise EntityAlreadyExists(f"SAMLProvider {name} already exists")
    provider = SAMLProvider(account=ctx.account, Name=name,
                            SAMLMetadataDocument=req["SAMLMetadataDocument"],
                            SAMLProviderUUID=ctx.ids.uuid(), CreateDate=ctx.now,
                            ValidUntil=_valid_until(ctx, req["SAMLMetadataDocument"]),
                            AssertionEncryptionMode=req.get("AssertionEncryptionMode") or "Allowed")
    ctx.store.put(provider)
    add_tags(ctx, provider.arn, req.get("Tags"))
    return drop_none({"SAMLProviderArn": provider.arn, "Tags": tag_list(ctx, provider.arn) or None})


@SERVICE.op("GetSAMLProvider")
def get_saml_provider(ctx: Call, req: dict) -> dict:
    p = _saml(ctx, req["SAMLProviderArn"])
    # no private keys: Nuvem does not decrypt SAML assertions (AddPrivateKey is not kept)
    return drop_none({"SAMLProviderUUID": p.SAMLProviderUUID,
                      "SAMLMetadataDocument": p.SAMLMetadataDocument, "CreateDate": p.CreateDate,
                      "ValidUntil": p.ValidUntil, "Tags": tag_list(ctx, p.arn),
                      "AssertionEncryptionMode": p.AssertionEncryptionMode,
                      "PrivateKeyList": []})


@SERVICE.op("ListSAMLProviders")
def list_saml_providers(ctx: Call, req: dict) -> dict:
    return {"SAMLProviderList": [
        drop_none({"Arn": p.arn, "ValidUntil": p.ValidUntil, "CreateDate": p.CreateDate})
        for p in ctx.store.query(SAMLProvider, account=ctx.account)]}


@SERVICE.op("UpdateSAMLProvider")
def update_saml_provider(ctx: Call, req: dict) -> dict:
    p = _saml(ctx, req["SAMLProviderArn"])
    if req.get("SAMLMetadataDocument"):
        p.SAMLMetadataDocument = req["SAMLMetadataDocument"]
        p.ValidUntil = _valid_until(ctx, p.SAMLMetadataDocument)
    if req.get("AssertionEncryptionMode"):
        p.AssertionEncryptionMode = req["AssertionEncryptionMode"]
    ctx.store.put(p)
    return {"SAMLProviderArn": p.arn}


@SERVICE.op("DeleteSAMLProvider")
def delete_saml_provider(ctx: Call, req: dict) -> dict:
    ctx.store.delete(_saml(ctx, req["SAMLProviderArn"]))
    return {}


@SERVICE.op("TagSAMLProvider")
def tag_saml(ctx: Call, req: dict) -> dict:
    add_tags(ctx, _saml(ctx, req["SAMLProviderArn"]).arn, req["Tags"])
    return {}


@SERVICE.op("UntagSAMLProvider")
def untag_saml(ctx: Call, req: dict) -> dict:
    ctx.store.untag(_saml(ctx, req["SAMLProviderArn"]).arn, req["TagKeys"])
    return {}


@SERVICE.op("ListSAMLProviderTags")
def list_saml_tags(ctx: Call, req: dict) -> dict:
    return paginate(tag_list(ctx, _saml(ctx, req["SAMLProviderArn"]).arn), req,
                    lambda t: t["Key"], "Tags")
