"""Bucket analytics and reporting configurations, kept by Id: analytics, metrics, inventory and
intelligent-tiering (Put/Get/Delete/List of each, one table `_BY_ID`).
"""
from __future__ import annotations

import base64
from typing import Callable

from nuvem.context import Call
from nuvem.protocol import specs
from nuvem.protocol.serializers import STATUS as HTTP_STATUS
from nuvem.services.s3 import SERVICE
from nuvem.services.s3.common import bucket_of
from nuvem.services.s3.config import STATUS, filter_members, one_of, save
from nuvem.services.s3.errors import (IdMismatch, InvalidArgument, InvalidS3DestinationBucket,
                                      MalformedXML, NoSuchConfiguration, TooManyConfigurations)

# --- analytics, metrics, inventory, intelligent-tiering: configurations by Id ------------------

PAGE = 100
MAX_CONFIGURATIONS = 1000


def _check_analytics(cfg: dict) -> None:
    if cfg.get("Filter") is not None:
        filter_members(cfg["Filter"], ("Prefix", "Tag", "And"))
    export = (cfg.get("StorageClassAnalysis") or {}).get("DataExport")
    if export is not None:
        one_of(export.get("OutputSchemaVersion"), ("V_1",))


def _check_metrics(cfg: dict) -> None:
    if cfg.get("Filter") is not None:
        filter_members(cfg["Filter"], ("Prefix", "Tag", "AccessPointArn", "And"))


def _check_inventory(cfg: dict) -> None:
    one_of(cfg.get("IncludedObjectVersions"), ("All", "Current"))
    one_of((cfg.get("Schedule") or {}).get("Frequency"), ("Daily", "Weekly"))
    destination = (cfg.get("Destination") or {}).get("S3BucketDestination") or {}
    one_of(destination.get("Format"), ("CSV", "ORC", "Parquet"))
    fields = specs.service_model("s3").shape_for("InventoryOptionalField").enum
    for field in cfg.get("OptionalFields") or []:
        one_of(field, fields)
    if not destination.get("Bucket", "").startswith("arn:aws:s3:::"):
        raise InvalidS3DestinationBucket()


_TIERS = {"ARCHIVE_ACCESS": (90, 730), "DEEP_ARCHIVE_ACCESS": (180, 730)}


def _check_intelligent_tiering(cfg: dict) -> None:
    one_of(cfg.get("Status"), STATUS)
    tierings = cfg.get("Tierings") or []
    if not tierings:
        raise MalformedXML()
    for tiering in tierings:
        one_of(tiering.get("AccessTier"), _TIERS)
        low, high = _TIERS[tiering["AccessTier"]]
        if not low <= (tiering.get("Days") or 0) <= high:
            raise InvalidArgument(f"Days for the {tiering['AccessTier']} tier must be between "
                                  f"{low} and {high}.", ArgumentName="Days",
                                  ArgumentValue=str(tiering.get("Days")))


# family -> (configuration member, list member, check)
_BY_ID: dict[str, tuple[str, str, Callable[[dict], None]]] = {
    "Analytics": ("AnalyticsConfiguration", "AnalyticsConfigurationList", _check_analytics),
    "Metrics": ("MetricsConfiguration", "MetricsConfigurationList", _check_metrics),
    "Inventory": ("InventoryConfiguration", "InventoryConfigurationList", _check_inventory),
    "IntelligentTiering": ("IntelligentTieringConfiguration",
                           "IntelligentTieringConfigurationList", _check_intelligent_tiering),
}


def _register_by_id(family: str, member: str, list_member: str, check) -> None:
    def put(ctx: Call, req: dict) -> dict:
        bucket = bucket_of(ctx, req["Bucket"])
        cfg = req.get(member)
        if cfg is None:
            raise MalformedXML()
        if cfg.get("Id") != req["Id"]:
            # the inventory API words it its own way; the others find the document malformed
            # (LocalStack's AWS-validated test_s3_analytics_configurations,
            # test_s3_intelligent_tier_config)
            raise IdMismatch() if family == "Inventory" else MalformedXML()
        check(cfg)
        stored = dict(bucket.config.get(family) or {})
        if req["Id"] not in stored and len(stored) >= MAX_CONFIGURATIONS:
            raise TooManyConfigurations()
        stored[req["Id"]] = cfg
        save(ctx, bucket, family, stored)
        return {HTTP_STATUS: 204}     # S3 answers every family's Put with 204 No Content

    def get(ctx: Call, req: dict) -> dict:
        bucket = bucket_of(ctx, req["Bucket"])
        cfg = (bucket.config.get(family) or {}).get(req["Id"])
        if cfg is None:
            raise NoSuchConfiguration()
        return {member: cfg}

    def delete(ctx: Call, req: dict) -> dict:
        bucket = bucket_of(ctx, req["Bucket"])
        stored = dict(bucket.config.get(family) or {})
        if stored.pop(req["Id"], None) is None:
            raise NoSuchConfiguration()
        save(ctx, bucket, family, stored or None)
        return {}

    def list_(ctx: Call, req: dict) -> dict:
        bucket = bucket_of(ctx, req["Bucket"])
        token = req.get("ContinuationToken")
        after = ""
        if token:
            try:
                after = base64.urlsafe_b64decode(token.encode()).decode()
            except ValueError:
                raise InvalidArgument("The continuation token provided is incorrect",
                                      ArgumentName="continuation-token", ArgumentValue=token)
        ids = sorted(i for i in (bucket.config.get(family) or {}) if i > after)
        page = ids[:PAGE]
        out: dict = {"IsTruncated": len(ids) > PAGE,
                     list_member: [bucket.config[family][i] for i in page]}
        if token:
            out["ContinuationToken"] = token
        if len(ids) > PAGE:
            out["NextContinuationToken"] = base64.urlsafe_b64encode(page[-1].encode()).decode()
        return out

    SERVICE.op(f"PutBucket{family}Configuration")(put)
    SERVICE.op(f"GetBucket{family}Configuration")(get)
    SERVICE.op(f"DeleteBucket{family}Configuration")(delete)
    SERVICE.op(f"ListBucket{family}Configurations")(list_)


for _name, (_member, _list_member, _check) in _BY_ID.items():
    _register_by_id(_name, _member, _list_member, _check)
