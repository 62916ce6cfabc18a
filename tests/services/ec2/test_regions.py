import pytest
from botocore.exceptions import ClientError

DEFAULT_REGIONS = {
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ap-south-1", "ap-northeast-1",
    "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "ca-central-1",
    "eu-central-1", "eu-west-1", "eu-west-2", "eu-west-3", "eu-north-1", "sa-east-1",
}


def test_describe_regions_lists_the_enabled_regions(nuvem):
    regions = nuvem.client("ec2").describe_regions()["Regions"]
    assert {r["RegionName"] for r in regions} == DEFAULT_REGIONS
    us_east_1 = next(r for r in regions if r["RegionName"] == "us-east-1")
    assert us_east_1 == {"RegionName": "us-east-1", "Endpoint": "ec2.us-east-1.amazonaws.com",
                         "OptInStatus": "opt-in-not-required"}


def test_all_regions_include_opt_in_regions(nuvem):
    regions = nuvem.client("ec2").describe_regions(AllRegions=True)["Regions"]
    by_name = {r["RegionName"]: r for r in regions}
    assert DEFAULT_REGIONS < set(by_name)
    assert by_name["af-south-1"]["OptInStatus"] == "not-opted-in"
    assert by_name["eu-south-2"]["OptInStatus"] == "not-opted-in"


def test_region_names_and_filters(nuvem):
    ec2 = nuvem.client("ec2")
    named = ec2.describe_regions(RegionNames=["eu-west-1", "us-west-2"])["Regions"]
    assert [r["RegionName"] for r in named] == ["eu-west-1", "us-west-2"]
    filtered = ec2.describe_regions(Filters=[{"Name": "region-name", "Values": ["eu-*"]}])["Regions"]
    assert {r["RegionName"] for r in filtered} == {"eu-central-1", "eu-west-1", "eu-west-2",
                                                   "eu-west-3", "eu-north-1"}
    opt_in = ec2.describe_regions(AllRegions=True, Filters=[
        {"Name": "opt-in-status", "Values": ["not-opted-in"]}])["Regions"]
    assert "me-south-1" in {r["RegionName"] for r in opt_in}
    assert "us-east-1" not in {r["RegionName"] for r in opt_in}


def test_unknown_region_and_filter_are_invalid(nuvem):
    ec2 = nuvem.client("ec2")
    with pytest.raises(ClientError) as e:
        ec2.describe_regions(RegionNames=["mars-north-1"])
    assert e.value.response["Error"]["Code"] == "InvalidParameterValue"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(ClientError) as e:
        ec2.describe_regions(Filters=[{"Name": "colour", "Values": ["blue"]}])
    assert e.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_dry_run(nuvem):
    with pytest.raises(ClientError) as e:
        nuvem.client("ec2").describe_regions(DryRun=True)
    assert e.value.response["Error"]["Code"] == "DryRunOperation"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412


def test_availability_zones_follow_the_signed_region(nuvem):
    zones = nuvem.client("ec2", region="us-east-1").describe_availability_zones()["AvailabilityZones"]
    assert [z["ZoneName"] for z in zones] == [f"us-east-1{c}" for c in "abcdef"]
    zone = zones[0]
    assert zone["State"] == "available" and zone["RegionName"] == "us-east-1"
    assert zone["ZoneId"].startswith("use1-az") and zone["ZoneType"] == "availability-zone"
    assert zone["OptInStatus"] == "opt-in-not-required"
    assert zone["NetworkBorderGroup"] == "us-east-1"
    eu = nuvem.client("ec2", region="eu-west-1").describe_availability_zones()["AvailabilityZones"]
    assert [z["ZoneName"] for z in eu] == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]


def test_availability_zone_selection(nuvem):
    ec2 = nuvem.client("ec2", region="us-west-2")
    picked = ec2.describe_availability_zones(ZoneNames=["us-west-2b"])["AvailabilityZones"]
    assert [z["ZoneName"] for z in picked] == ["us-west-2b"]
    by_id = ec2.describe_availability_zones(ZoneIds=[picked[0]["ZoneId"]])["AvailabilityZones"]
    assert by_id == picked
    filtered = ec2.describe_availability_zones(
        Filters=[{"Name": "zone-name", "Values": ["us-west-2?"]}, {"Name": "state", "Values": ["available"]}])
    assert len(filtered["AvailabilityZones"]) == 4
    with pytest.raises(ClientError) as e:
        ec2.describe_availability_zones(ZoneNames=["us-west-2z"])
    assert e.value.response["Error"]["Code"] == "InvalidParameterValue"
    assert "us-west-2z" in e.value.response["Error"]["Message"]
