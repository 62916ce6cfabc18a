from tests.services.iam.helpers import error

THUMB = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"
METADATA = ('<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
            'entityID="https://idp.example.com" validUntil="2031-01-01T00:00:00Z">'
            + "<!-- padding -->" * 70 + "</md:EntityDescriptor>")


def test_oidc_provider_lifecycle(iam, name):
    host = f"{name('oidc')}.example.com"
    arn = iam.create_open_id_connect_provider(
        Url=f"https://{host}", ClientIDList=["sts.amazonaws.com"], ThumbprintList=[THUMB],
        Tags=[{"Key": "k", "Value": "v"}])["OpenIDConnectProviderArn"]
    assert arn == f"arn:aws:iam::000000000000:oidc-provider/{host}"
    assert error(iam.create_open_id_connect_provider, Url=f"https://{host}",
                 ThumbprintList=[THUMB])[:2] == ("EntityAlreadyExists", 409)
    iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="app")
    iam.update_open_id_connect_provider_thumbprint(OpenIDConnectProviderArn=arn,
                                                   ThumbprintList=[THUMB.upper()])
    got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert got["Url"] == host and got["ClientIDList"] == ["sts.amazonaws.com", "app"]
    assert got["ThumbprintList"] == [THUMB.upper()] and got["Tags"] == [{"Key": "k", "Value": "v"}]
    assert arn in [p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]]
    assert error(iam.update_open_id_connect_provider_thumbprint, OpenIDConnectProviderArn=arn,
                 ThumbprintList=["z" * 40])[0] == "InvalidInput"
    iam.remove_client_id_from_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="app")
    iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert error(iam.get_open_id_connect_provider, OpenIDConnectProviderArn=arn)[:2] == (
        "NoSuchEntity", 404)



def test_oidc_provider_answers_and_errors(iam, name):
    """test_iam_oidc.py (validated 2026): Tags [] when none, the create errors' words, the
    delete of a provider that is gone, and the tag limit's message."""
    arn = iam.create_open_id_connect_provider(Url=f"https://{name('o')}.example.com",
                                              ThumbprintList=["a" * 40])["OpenIDConnectProviderArn"]
    assert iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)["Tags"] == []
    assert error(iam.create_open_id_connect_provider, Url=f"https://{name('o')}.example.com",
                 ThumbprintList=[c * 40 for c in "abcdef"]) == (
        "InvalidInput", 400, "Thumbprint list must contain fewer than 5 entries.")
    assert error(iam.create_open_id_connect_provider, Url="example.org",
                 ThumbprintList=["a" * 40]) == (
        "ValidationError", 400, "Invalid Open ID Connect Provider URL")
    iam.tag_open_id_connect_provider(OpenIDConnectProviderArn=arn, Tags=[
        {"Key": f"k{i:02d}", "Value": f"v{i}"} for i in range(50)])
    assert error(iam.tag_open_id_connect_provider, OpenIDConnectProviderArn=arn,
                 Tags=[{"Key": "string", "Value": "string"}]) == (
        "LimitExceeded", 409, "The number of tags has reached the maximum limit.")
    iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert error(iam.get_open_id_connect_provider, OpenIDConnectProviderArn=arn) == (
        "NoSuchEntity", 404, f"OpenIDConnect Provider not found for arn {arn}")
    assert error(iam.delete_open_id_connect_provider, OpenIDConnectProviderArn=arn) == (
        "NoSuchEntity", 404, f"OpenId connect Provider {arn} cannot be found.")

def test_oidc_provider_list_members_are_reported_on_the_list(iam):
    """test_iam_oidc.py::test_create_open_id_connect_provider_validation_errors (validated 2026):
    a too-long member of ClientIDList and ThumbprintList names the list with its members' whole
    constraint set, and the problems come in AWS's order, not the model's (Url first)."""
    assert error(iam.create_open_id_connect_provider, Url="b" * 256, ThumbprintList=["b" * 41],
                 ClientIDList=["b" * 256]) == ("ValidationError", 400, (
        "3 validation errors detected: Value at 'clientIDList' failed to satisfy constraint: "
        "Member must satisfy constraint: [Member must have length less than or equal to 255, "
        "Member must have length greater than or equal to 1]; Value at 'thumbprintList' failed "
        "to satisfy constraint: Member must satisfy constraint: [Member must have length less "
        "than or equal to 40, Member must have length greater than or equal to 40]; Value at "
        "'url' failed to satisfy constraint: Member must have length less than or equal to 255"))


def test_saml_provider_lifecycle(iam, name):
    n = name("saml")
    arn = iam.create_saml_provider(Name=n, SAMLMetadataDocument=METADATA)["SAMLProviderArn"]
    assert arn.endswith(f":saml-provider/{n}")
    got = iam.get_saml_provider(SAMLProviderArn=arn)
    assert got["SAMLMetadataDocument"] == METADATA and got["ValidUntil"].year == 2031
    # test_iam_saml_providers.py::test_get_saml_provider: these three are always answered
    assert (got["AssertionEncryptionMode"], got["PrivateKeyList"], got["Tags"]) == (
        "Allowed", [], [])
    assert error(iam.create_saml_provider, Name=n, SAMLMetadataDocument=METADATA)[:2] == (
        "EntityAlreadyExists", 409)
    listed = iam.list_saml_providers()["SAMLProviderList"]
    assert any(p["Arn"] == arn for p in listed)
    assert iam.update_saml_provider(SAMLProviderArn=arn, SAMLMetadataDocument=METADATA)[
        "SAMLProviderArn"] == arn
    iam.update_saml_provider(SAMLProviderArn=arn, AssertionEncryptionMode="Required")
    assert iam.get_saml_provider(SAMLProviderArn=arn)["AssertionEncryptionMode"] == "Required"
    iam.delete_saml_provider(SAMLProviderArn=arn)
    assert error(iam.get_saml_provider, SAMLProviderArn=arn)[:2] == ("NoSuchEntity", 404)
