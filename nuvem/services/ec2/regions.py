"""DescribeRegions and DescribeAvailabilityZones, from AWS's real Region and zone lists."""
from __future__ import annotations

import functools
import json
import os

from nuvem.context import Call
from nuvem.services.ec2 import SERVICE
from nuvem.services.ec2.errors import InvalidParameterValue
from nuvem.services.ec2.filters import apply_filters

DATA = os.path.join(os.path.dirname(__file__), "data", "regions.json")


@functools.cache
def regions() -> dict[str, dict]:
    with open(DATA) as f:
        rows = json.load(f)["regions"]
    return {name: {"RegionName": name, "LongName": long_name, "OptInStatus": opt_in, "Zones": zones}
            for name, long_name, opt_in, zones in rows}


def _region_item(region: dict) -> dict:
    name = region["RegionName"]
    return {"RegionName": name, "Endpoint": f"ec2.{name}.amazonaws.com",
            "OptInStatus": region["OptInStatus"]}


@SERVICE.op("DescribeRegions")
def describe_regions(ctx: Call, req: dict) -> dict:
    known = regions()
    names = req.get("RegionNames")
    if names:
        unknown = [n for n in names if n not in known]
        if unknown:
            raise InvalidParameterValue(f"Invalid region: {unknown[0]}")
        chosen = [known[n] for n in names]
    elif req.get("AllRegions"):
        chosen = list(known.values())
    else:   # a new account sees the Regions it does not have to opt in to
        chosen = [r for r in known.values() if r["OptInStatus"] != "not-opted-in"]
    items = [_region_item(r) for r in chosen]
    items = apply_filters(items, req.get("Filters"), {
        "endpoint": lambda r: r["Endpoint"],
        "opt-in-status": lambda r: r["OptInStatus"],
        "region-name": lambda r: r["RegionName"],
    })
    return {"Regions": items}


def _zones(region: dict) -> list[dict]:
    name = region["RegionName"]
    return [{
        "ZoneName": name + letter, "ZoneId": zone_id, "RegionName": name,
        "State": "available", "OptInStatus": "opt-in-not-required", "Messages": [],
        "GroupName": f"{name}-zg-1", "GroupLongName": f"{region['LongName']} 1",
        "NetworkBorderGroup": name, "ZoneType": "availability-zone",
    } for letter, zone_id in region["Zones"]]


@SERVICE.op("DescribeAvailabilityZones")
def describe_availability_zones(ctx: Call, req: dict) -> dict:
    region = regions().get(ctx.region)
    zones = _zones(region) if region else []
    by_name = {z["ZoneName"]: z for z in zones}
    by_id = {z["ZoneId"]: z for z in zones}
    wanted_names, wanted_ids = req.get("ZoneNames") or [], req.get("ZoneIds") or []
    unknown = [n for n in wanted_names if n not in by_name]
    if unknown:
        raise InvalidParameterValue(f"Invalid availability zone: [{', '.join(unknown)}]")
    unknown = [i for i in wanted_ids if i not in by_id]
    if unknown:
        raise InvalidParameterValue(f"Invalid availability zone ID: [{', '.join(unknown)}]")
    if wanted_names or wanted_ids:
        zones = [z for z in zones if z["ZoneName"] in wanted_names or z["ZoneId"] in wanted_ids]
    zones = apply_filters(zones, req.get("Filters"), {
        "group-name": lambda z: z["GroupName"],
        "group-long-name": lambda z: z["GroupLongName"],
        "message": lambda z: [m["Message"] for m in z["Messages"]],
        "opt-in-status": lambda z: z["OptInStatus"],
        "region-name": lambda z: z["RegionName"],
        "state": lambda z: z["State"],
        "zone-id": lambda z: z["ZoneId"],
        "zone-name": lambda z: z["ZoneName"],
        "zone-type": lambda z: z["ZoneType"],
        "network-border-group": lambda z: z["NetworkBorderGroup"],
        "parent-zone-id": lambda z: z.get("ParentZoneId"),
        "parent-zone-name": lambda z: z.get("ParentZoneName"),
    })
    return {"AvailabilityZones": zones}
