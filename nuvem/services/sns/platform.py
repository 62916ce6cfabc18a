"""Mobile push: platform applications (Create/Delete/List, Get/SetPlatformApplicationAttributes)
and their device endpoints (CreatePlatformEndpoint, Delete/List, Get/SetEndpointAttributes).

Kept as records only: there is no push service to reach, so credentials are never checked and a
publish to an enabled endpoint is accepted and goes nowhere (publish.py)."""
from __future__ import annotations

import re

from nuvem.context import Call
from nuvem.services.sns import SERVICE
from nuvem.services.sns.common import page
from nuvem.services.sns.errors import NotFound, invalid
from nuvem.services.sns.models import PlatformApplication, PlatformEndpoint

PLATFORMS = ("ADM", "APNS", "APNS_SANDBOX", "APNS_VOIP", "APNS_VOIP_SANDBOX", "BAIDU", "GCM",
             "MPNS", "WNS")
APPLICATION_ATTRIBUTES = ("PlatformCredential", "PlatformPrincipal", "EventEndpointCreated",
                          "EventEndpointDeleted", "EventEndpointUpdated", "EventDeliveryFailure",
                          "SuccessFeedbackRoleArn", "FailureFeedbackRoleArn",
                          "SuccessFeedbackSampleRate", "ApplePlatformTeamID",
                          "ApplePlatformBundleID")
SECRET = ("PlatformCredential", "PlatformPrincipal")     # written, never read back
ENDPOINT_ATTRIBUTES = ("CustomUserData", "Enabled", "Token")
MAX_USER_DATA = 2048                                      # "UTF-8 ... less than 2KB"
_NAME = re.compile(r"[A-Za-z0-9_.-]{1,256}")
_APP_ARN = re.compile(r"arn:aws[a-z-]*:sns:([a-z0-9-]+):(\d{12}):app/([A-Z_]+)/([A-Za-z0-9_.-]+)")
_ENDPOINT_ARN = re.compile(r"arn:aws[a-z-]*:sns:([a-z0-9-]+):(\d{12}):endpoint/([A-Z_]+)/"
                           r"([A-Za-z0-9_.-]+)/([0-9a-f-]{36})")


def _application_attributes(attributes: dict, current: dict | None = None) -> dict:
    out = dict(current or {})
    for name, value in attributes.items():
        if name not in APPLICATION_ATTRIBUTES:
            raise invalid(f"Attributes Reason: Invalid attribute name: {name}")
        out[name] = value
    if not out.get("PlatformCredential"):
        raise invalid("Attributes Reason: PlatformCredential attribute must be specified")
    return out


def _endpoint_attributes(attributes: dict, current: dict) -> dict:
    out = dict(current)
    for name, value in attributes.items():
        if name not in ENDPOINT_ATTRIBUTES:
            raise invalid(f"Attributes Reason: Invalid attribute name: {name}")
        if name == "Enabled":
            if value.lower() not in ("true", "false"):
                raise invalid("Attributes Reason: Enabled must be true or false")
            value = value.lower()
        elif name == "CustomUserData" and len(value.encode()) > MAX_USER_DATA:
            raise invalid("Attributes Reason: CustomUserData must be less than 2KB")
        elif name == "Token" and not value:
            raise invalid("Attributes Reason: Token must not be empty")
        out[name] = value
    return out


def application_of(ctx: Call, arn: str | None,
                   member: str = "PlatformApplicationArn") -> PlatformApplication:
    m = _APP_ARN.fullmatch(arn or "")
    if not m:
        raise invalid(f"{member} Reason: Wrong format of the platform application ARN")
    app = ctx.store.get(PlatformApplication, m.group(2), m.group(1), m.group(3), m.group(4))
    if app is None:
        raise NotFound("PlatformApplication does not exist")
    return app


def find_endpoint(read, arn: str | None, member: str = "EndpointArn") -> PlatformEndpoint | None:
    """The endpoint an ARN names, None if it names none; InvalidParameter if it is no endpoint
    ARN."""
    m = _ENDPOINT_ARN.fullmatch(arn or "")
    if not m:
        raise invalid(f"{member} Reason: Wrong format of the endpoint ARN")
    return read.get(PlatformEndpoint, m.group(2), m.group(1), *m.group(3, 4, 5))


def _endpoint_of(ctx: Call, arn: str | None) -> PlatformEndpoint:
    endpoint = find_endpoint(ctx.store, arn)
    if endpoint is None:
        raise NotFound("Endpoint does not exist")
    return endpoint


def _endpoints_of(ctx: Call, app: PlatformApplication) -> list[PlatformEndpoint]:
    return list(ctx.store.query(PlatformEndpoint, account=app.account, region=app.region,
                                prefix=(app.platform, app.name)))


def _shown(attributes: dict) -> dict:
    return {"Enabled": "true",
            **{k: v for k, v in attributes.items() if k not in SECRET}}


@SERVICE.op("CreatePlatformApplication")
def create_platform_application(ctx: Call, req: dict) -> dict:
    name, platform = req["Name"], req["Platform"]
    if not _NAME.fullmatch(name):
        raise invalid("Name Reason: must be 1 to 256 letters, numbers, periods, hyphens and "
                      "underscores")
    if platform not in PLATFORMS:
        raise invalid(f"Platform Reason: {platform} is not supported")
    attributes = _application_attributes(req.get("Attributes") or {})
    existing = ctx.store.get(PlatformApplication, ctx.account, ctx.region, platform, name)
    if existing is not None:
        return {"PlatformApplicationArn": existing.arn}
    app = PlatformApplication(account=ctx.account, region=ctx.region, platform=platform,
                              name=name, attributes=attributes)
    ctx.store.put(app)
    return {"PlatformApplicationArn": app.arn}


@SERVICE.op("GetPlatformApplicationAttributes")
def get_platform_application_attributes(ctx: Call, req: dict) -> dict:
    return {"Attributes": _shown(application_of(ctx, req["PlatformApplicationArn"]).attributes)}


@SERVICE.op("SetPlatformApplicationAttributes")
def set_platform_application_attributes(ctx: Call, req: dict) -> dict:
    app = application_of(ctx, req["PlatformApplicationArn"])
    app.attributes = _application_attributes(req.get("Attributes") or {}, app.attributes)
    ctx.store.put(app)
    return {}


@SERVICE.op("ListPlatformApplications")
def list_platform_applications(ctx: Call, req: dict) -> dict:
    apps = [{"PlatformApplicationArn": a.arn, "Attributes": _shown(a.attributes)}
            for a in ctx.store.query(PlatformApplication, account=ctx.account, region=ctx.region)]
    apps.sort(key=lambda a: a["PlatformApplicationArn"])
    return page(apps, req, lambda a: a["PlatformApplicationArn"], "PlatformApplications")


@SERVICE.op("DeletePlatformApplication")
def delete_platform_application(ctx: Call, req: dict) -> dict:
    try:
        app = application_of(ctx, req["PlatformApplicationArn"])
    except NotFound:        # deleting one that is gone already is not an error
        return {}
    for endpoint in _endpoints_of(ctx, app):
        ctx.store.delete(endpoint)
    ctx.store.delete(app)
    return {}


@SERVICE.op("CreatePlatformEndpoint")
def create_platform_endpoint(ctx: Call, req: dict) -> dict:
    app = application_of(ctx, req["PlatformApplicationArn"])
    given = dict(req.get("Attributes") or {})
    if req.get("CustomUserData") is not None:     # a CustomUserData attribute wins over it
        given.setdefault("CustomUserData", req["CustomUserData"])
    given["Token"] = req["Token"]
    attributes = _endpoint_attributes(given, {"Enabled": "true"})
    for endpoint in _endpoints_of(ctx, app):
        if endpoint.attributes.get("Token") == attributes["Token"]:
            # "idempotent: ... an endpoint with the same device token and attributes"
            if endpoint.attributes != attributes:
                raise invalid(f"Token Reason: Endpoint {endpoint.arn} already exists with the "
                              "same Token, but different attributes.")
            return {"EndpointArn": endpoint.arn}
    endpoint = PlatformEndpoint(account=app.account, region=app.region, platform=app.platform,
                                application=app.name, id=ctx.ids.uuid(), attributes=attributes)
    ctx.store.put(endpoint)
    return {"EndpointArn": endpoint.arn}


@SERVICE.op("GetEndpointAttributes")
def get_endpoint_attributes(ctx: Call, req: dict) -> dict:
    return {"Attributes": dict(_endpoint_of(ctx, req["EndpointArn"]).attributes)}


@SERVICE.op("SetEndpointAttributes")
def set_endpoint_attributes(ctx: Call, req: dict) -> dict:
    endpoint = _endpoint_of(ctx, req["EndpointArn"])
    endpoint.attributes = _endpoint_attributes(req.get("Attributes") or {}, endpoint.attributes)
    ctx.store.put(endpoint)
    return {}


@SERVICE.op("ListEndpointsByPlatformApplication")
def list_endpoints_by_platform_application(ctx: Call, req: dict) -> dict:
    app = application_of(ctx, req["PlatformApplicationArn"])
    endpoints = [{"EndpointArn": e.arn, "Attributes": dict(e.attributes)}
                 for e in _endpoints_of(ctx, app)]
    return page(endpoints, req, lambda e: e["EndpointArn"], "Endpoints")


@SERVICE.op("DeleteEndpoint")
def delete_endpoint(ctx: Call, req: dict) -> dict:
    endpoint = find_endpoint(ctx.store, req["EndpointArn"])
    if endpoint is not None:        # "idempotent": a missing endpoint is not an error
        ctx.store.delete(endpoint)
    return {}
