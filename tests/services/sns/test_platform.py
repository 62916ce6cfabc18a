"""SNS mobile push over the wire: platform applications and their endpoints (records only, no
push service), CreatePlatformEndpoint's idempotency, and publishing to an endpoint."""
import itertools

import pytest
from botocore.exceptions import ClientError

from tests.services.sns.test_api import err

_names = itertools.count()


@pytest.fixture
def sns(nuvem):
    return nuvem.client("sns", region="ap-south-1")


@pytest.fixture
def app(sns):
    return sns.create_platform_application(
        Name=f"push-{next(_names)}", Platform="GCM",
        Attributes={"PlatformCredential": "server-key"})["PlatformApplicationArn"]


def test_platform_application_lifecycle(sns):
    arn = sns.create_platform_application(
        Name="shop.app", Platform="APNS_SANDBOX",
        Attributes={"PlatformCredential": "key", "PlatformPrincipal": "cert"})[
        "PlatformApplicationArn"]
    assert arn == "arn:aws:sns:ap-south-1:000000000000:app/APNS_SANDBOX/shop.app"
    attrs = sns.get_platform_application_attributes(PlatformApplicationArn=arn)["Attributes"]
    assert attrs == {"Enabled": "true"}          # credentials are never shown again
    sns.set_platform_application_attributes(
        PlatformApplicationArn=arn,
        Attributes={"EventEndpointCreated": "arn:aws:sns:ap-south-1:000000000000:events"})
    listed = sns.list_platform_applications()["PlatformApplications"]
    assert {"PlatformApplicationArn": arn, "Attributes": {
        "Enabled": "true",
        "EventEndpointCreated": "arn:aws:sns:ap-south-1:000000000000:events"}} in listed
    sns.delete_platform_application(PlatformApplicationArn=arn)
    sns.delete_platform_application(PlatformApplicationArn=arn)     # gone already: no error
    with pytest.raises(ClientError) as e:
        sns.get_platform_application_attributes(PlatformApplicationArn=arn)
    assert err(e) == ("NotFound", 404, "PlatformApplication does not exist")


@pytest.mark.parametrize("platform, attributes", [
    ("GCM", {"PlatformPrincipal": "p"}), ("PIGEON", {"PlatformCredential": "k"}),
    ("GCM", {"PlatformCredential": "k", "Bogus": "x"}),
])
def test_platform_application_checks(sns, platform, attributes):
    with pytest.raises(ClientError) as e:
        sns.create_platform_application(Name="checked", Platform=platform,
                                        Attributes=attributes)
    assert err(e)[:2] == ("InvalidParameter", 400)
    assert err(e)[2].startswith("Invalid parameter: ")


def test_endpoints(sns, app):
    arn = sns.create_platform_endpoint(PlatformApplicationArn=app, Token="device-1",
                                       CustomUserData="user 7")["EndpointArn"]
    assert arn.startswith(app.replace(":app/", ":endpoint/") + "/")
    # idempotent for the same token and attributes; the same token otherwise is refused
    assert sns.create_platform_endpoint(PlatformApplicationArn=app, Token="device-1",
                                        CustomUserData="user 7")["EndpointArn"] == arn
    with pytest.raises(ClientError) as e:
        sns.create_platform_endpoint(PlatformApplicationArn=app, Token="device-1")
    assert err(e) == ("InvalidParameter", 400, f"Invalid parameter: Token Reason: Endpoint {arn} "
                      "already exists with the same Token, but different attributes.")
    assert sns.get_endpoint_attributes(EndpointArn=arn)["Attributes"] == {
        "Enabled": "true", "Token": "device-1", "CustomUserData": "user 7"}
    sns.set_endpoint_attributes(EndpointArn=arn, Attributes={"CustomUserData": "user 8"})
    listed = sns.list_endpoints_by_platform_application(PlatformApplicationArn=app)["Endpoints"]
    assert listed == [{"EndpointArn": arn, "Attributes": {
        "Enabled": "true", "Token": "device-1", "CustomUserData": "user 8"}}]
    sns.delete_endpoint(EndpointArn=arn)
    sns.delete_endpoint(EndpointArn=arn)        # "idempotent"
    for call in (lambda: sns.get_endpoint_attributes(EndpointArn=arn),
                 lambda: sns.set_endpoint_attributes(EndpointArn=arn,
                                                     Attributes={"Enabled": "true"})):
        with pytest.raises(ClientError) as e:
            call()
        assert err(e) == ("NotFound", 404, "Endpoint does not exist")
    missing = app + "-missing"
    for call in (lambda: sns.create_platform_endpoint(PlatformApplicationArn=missing, Token="t"),
                 lambda: sns.list_endpoints_by_platform_application(
                     PlatformApplicationArn=missing)):
        with pytest.raises(ClientError) as e:
            call()
        assert err(e) == ("NotFound", 404, "PlatformApplication does not exist")


def test_endpoint_attributes_and_subscriptions(sns, app):
    arn = sns.create_platform_endpoint(PlatformApplicationArn=app, Token="t3",
                                       CustomUserData="parameter",
                                       Attributes={"CustomUserData": "attribute",
                                                   "Enabled": "false"})["EndpointArn"]
    assert sns.get_endpoint_attributes(EndpointArn=arn)["Attributes"] == {
        "Token": "t3", "Enabled": "false", "CustomUserData": "attribute"}
    topic = sns.create_topic(Name="pushed")["TopicArn"]
    assert sns.subscribe(TopicArn=topic, Protocol="application", Endpoint=arn)[
        "SubscriptionArn"].startswith(topic + ":")
    sns.delete_endpoint(EndpointArn=arn)
    with pytest.raises(ClientError) as e:
        sns.subscribe(TopicArn=topic, Protocol="application", Endpoint=arn)
    assert err(e) == ("InvalidParameter", 400, "Invalid parameter: Endpoint Reason: Endpoint "
                      f"does not exist for endpoint arn{arn}")


def test_deleting_an_application_deletes_its_endpoints(sns, app):
    arn = sns.create_platform_endpoint(PlatformApplicationArn=app, Token="t1")["EndpointArn"]
    sns.delete_platform_application(PlatformApplicationArn=app)
    with pytest.raises(ClientError) as e:
        sns.get_endpoint_attributes(EndpointArn=arn)
    assert err(e)[:2] == ("NotFound", 404)


def test_publish_to_an_endpoint(sns, app):
    arn = sns.create_platform_endpoint(PlatformApplicationArn=app, Token="t2")["EndpointArn"]
    assert sns.publish(TargetArn=arn, Message="hello")["MessageId"]
    sns.set_endpoint_attributes(EndpointArn=arn, Attributes={"Enabled": "false"})
    with pytest.raises(ClientError) as e:     # refused before the message is looked at
        sns.publish(TargetArn=arn, Message="not json", MessageStructure="json")
    assert err(e) == ("EndpointDisabled", 400, "Endpoint is disabled")
    sns.delete_endpoint(EndpointArn=arn)
    with pytest.raises(ClientError) as e:
        sns.publish(TargetArn=arn, Message="hello")
    assert err(e)[:2] == ("InvalidParameter", 400)
