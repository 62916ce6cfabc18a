"""Access key → principal, account and region.

Issue 2 scope: any signed request acts as the root of the account its access key names (a
12-digit key is the account id, otherwise the default account), in the region of its credential
scope. Unsigned requests are the anonymous principal, never root: S3 lets its policies decide;
every other service refuses them as AWS does. Signature verification and IAM-issued keys arrive
with the SigV4 verifier (`auth/sigv4.py`, issue 3).
"""
from __future__ import annotations

from nuvem.config import DEFAULT_ACCOUNT
from nuvem.context import Call, Principal
from nuvem.errors import AwsError
from nuvem.protocol.routing import Route

# Services that serve anonymous requests themselves (their resource policies decide).
ANONYMOUS_ALLOWED = frozenset({"s3"})


def account_for_key(access_key: str) -> str:
    return access_key if len(access_key) == 12 and access_key.isdigit() else DEFAULT_ACCOUNT


def authenticate(call: Call, route: Route, default_region: str) -> None:
    credential = route.credential
    if credential is None:
        if route.service not in ANONYMOUS_ALLOWED:
            raise missing_authentication(route.protocol)
        call.principal = Principal.anonymous()
        call.account = ""
        call.region = default_region
        return
    call.access_key = credential.access_key
    call.account = account_for_key(credential.access_key)
    call.region = credential.region
    call.principal = Principal.root(call.account)


def missing_authentication(protocol: str) -> AwsError:
    if protocol in ("query", "ec2"):
        return AwsError("Request is missing Authentication Token",
                        code="MissingAuthenticationToken", status=403)
    return AwsError("Missing Authentication Token",
                    code="MissingAuthenticationTokenException", status=403)
