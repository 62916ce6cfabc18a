"""Authentication: the request's signature → principal, account and region.

`NUVEM_AUTH` decides what an access key must be:
- `off`: any key is the root of the account it names (a 12-digit key is the account id,
  otherwise the default account); signatures are not checked;
- `lenient` (default): keys Nuvem's IAM issued are verified (SigV4; S3 also takes SigV2) and act
  as their user; unknown keys act as the root of the account they name, so `test`/`test` works.
  Their signature cannot be checked (Nuvem has no secret for them), but everything else is, as
  AWS checks it: the request's time (within 15 minutes of the real clock, a presigned URL not
  expired), the credential's date and the signed headers;
- `enforce`: unknown keys are refused with the service family's error.
Unsigned requests are the anonymous principal, never root: S3 lets its policies decide, every
other service refuses them as AWS does. The key lookup is injected (`find_key`), so this module
never reads IAM's records.

A request's own date is checked against the real clock, for every key (clients sign with real
time); what lives on Nuvem's time is checked against the runtime's clock, which tests may move.

Temporary credentials (STS, `ASIA...` keys) must carry their session token
(`X-Amz-Security-Token`), else the family's invalid-token error; after their expiration (on the
runtime's clock) they are refused with `ExpiredToken` (query) / `ExpiredTokenException` (JSON).
A long-term key sent with a session token is refused the same way AWS does (invalid token). AssumeRoleWithWebIdentity and
AssumeRoleWithSAML are unsigned by design: they run as the anonymous principal and only the
role's trust policy decides.
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from nuvem.auth import sigv2, sigv4
from nuvem.config import DEFAULT_ACCOUNT
from nuvem.context import Call, Principal
from nuvem.protocol.chunked import ChunkedDecoder
from nuvem.protocol.routing import Route

# Services that serve anonymous requests themselves (their resource policies decide).
ANONYMOUS_ALLOWED = frozenset({"s3"})
# Operations AWS serves without a signature (the caller proves itself with a token in the body).
UNSIGNED_OPERATIONS = frozenset({("sts", "AssumeRoleWithWebIdentity"), ("sts", "AssumeRoleWithSAML")})


@dataclass(frozen=True)
class KeyOwner:
    """What IAM knows about an access key it issued."""
    principal: Principal
    secret: str
    active: bool
    session_token: str | None = None      # temporary credentials only
    expiration: datetime | None = None


def _same_token(given: str | None, expected: str | None) -> bool:
    if not given or not expected:
        return not given and not expected
    return hmac.compare_digest(given.encode(), expected.encode())


def account_for_key(access_key: str) -> str:
    return access_key if len(access_key) == 12 and access_key.isdigit() else DEFAULT_ACCOUNT


class Authenticator:
    def __init__(self, mode: str, clock, find_key: Callable[[str], KeyOwner | None]):
        self.mode = mode
        self.clock = clock
        self.find_key = find_key
        self.verifier = sigv4.Verifier()

    def authenticate(self, call: Call, route: Route, default_region: str) -> None:
        family = sigv4.family_of(route.protocol, route.service)
        request = call.request
        if (route.service, route.operation.name if route.operation else "") in UNSIGNED_OPERATIONS:
            call.principal = Principal.anonymous()
            call.region = default_region
            return
        if route.service in sigv2.SERVICES:
            signed_v2 = sigv2.parse_auth(request)
            if signed_v2 is not None:
                # SigV2 names no region: the endpoint's, else the default.
                owner = self._key_owner(call, family, signed_v2.access_key,
                                        signed_v2.security_token, route.region or default_region)
                if owner is not None:
                    # A virtual-hosted request signs "/bucket" + path; routing read the bucket
                    # from Host (getattr: s3_host is new in routing).
                    host = getattr(route, "s3_host", None)
                    sigv2.verify(request, signed_v2, owner.secret, now=_real_now(),
                                 bucket=host.bucket if host else None)
                    self._act_as(call, owner)
                elif self.mode == "lenient":
                    sigv2.check_time(signed_v2, _real_now())
                return
        signed = sigv4.parse_auth(request, family)
        if signed is None:
            if route.service not in ANONYMOUS_ALLOWED:
                raise sigv4.error(family, "missing")
            call.principal = Principal.anonymous()
            call.region = default_region
            return
        owner = self._key_owner(call, family, signed.access_key, signed.security_token,
                                signed.region)
        s3 = family == "rest-xml-s3"
        if owner is None:
            if self.mode == "lenient":
                sigv4.check_unsigned(request, signed, now=_real_now(), s3=s3, family=family)
            return
        # An S3 object body can be large: its declared hash is checked while it is stored
        # (services/s3/bodies.py reads `request.payload_sha256`), every other body here.
        streamed = s3 and _streams_body(route)
        self.verifier.verify(request, signed, owner.secret, now=_real_now(), s3=s3,
                             family=family, check_body=not streamed)
        if streamed and sigv4.is_hex_sha256(signed.payload_hash):
            request.payload_sha256 = signed.payload_hash
        if isinstance(request.body, ChunkedDecoder) and signed.payload_hash.startswith("STREAMING-AWS4"):
            on_chunk, on_trailer = self.verifier.chunk_verifier(signed, owner.secret,
                                                                signed.signature, family=family)
            request.body.chunk_verifier, request.body.trailer_verifier = on_chunk, on_trailer
        self._act_as(call, owner)

    def authenticate_post(self, call: Call, *, policy: str, signature: str, region: str,
                          access_key: str | None = None, credential: str | None = None,
                          security_token: str | None = None) -> None:
        """An S3 browser-based upload (POST Object, services/s3/post_object.py): the form signs
        its base64 `policy` field. SigV4 forms name `credential` (x-amz-credential) and sign with
        the derived key (hex HMAC-SHA256); SigV2 forms name `access_key` (AWSAccessKeyId) and
        sign with the secret (base64 HMAC-SHA1). The key's owner is resolved as for any request:
        unknown keys act as their account's root in lenient mode, and are not checked."""
        family = sigv2.FAMILY
        scope = None
        if credential is not None:
            access_key, date, region, service = sigv4._credential(credential, family)
            scope = (date, region, service)
        owner = self._key_owner(call, family, access_key or "", security_token, region)
        if owner is None:
            return
        text = policy.encode("utf-8")
        if scope is None:
            expected = sigv2.signature(owner.secret, text)
        else:
            key = self.verifier.signing_key(owner.secret, *scope)
            expected = hmac.new(key, text, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected.encode("ascii"), signature.encode("utf-8")):
            raise sigv4.error(family, "bad_signature", AWSAccessKeyId=access_key,
                              StringToSign=policy, SignatureProvided=signature,
                              StringToSignBytes=" ".join(f"{b:02x}" for b in text))
        self._act_as(call, owner)

    def _key_owner(self, call: Call, family: str, access_key: str, token: str | None,
                   region: str) -> KeyOwner | None:
        """The owner whose secret must verify the signature (any signature version); None when
        the key is unknown in lenient/off mode, which makes the call its account's root."""
        call.access_key, call.region = access_key, region
        owner = self.find_key(access_key) if self.mode != "off" else None
        if owner is None:
            if self.mode == "enforce":
                raise sigv4.error(family, "unknown_key")
            call.account = account_for_key(access_key)
            call.principal = Principal.root(call.account)
            return None
        if not owner.active:
            raise sigv4.error(family, "unknown_key")
        if not _same_token(token, owner.session_token):
            raise sigv4.error(family, "unknown_key")
        if owner.expiration is not None and self.clock.now() >= owner.expiration:
            raise sigv4.error(family, "expired_token")
        return owner

    @staticmethod
    def _act_as(call: Call, owner: KeyOwner) -> None:
        call.principal = owner.principal
        call.account = owner.principal.account


def _real_now() -> datetime:
    """The time a request's own date (X-Amz-Date, Date, a presigned URL's expiry) is checked
    against: the real one even under the manual clock, since clients sign with real time and a
    test that moves the clock by days must still be able to call. What lives on Nuvem's time
    (temporary credentials' expiration) is checked against the runtime's clock."""
    return datetime.now(timezone.utc)


def _streams_body(route: Route) -> bool:
    """Whether the operation's payload is a streamed blob (S3 PutObject, UploadPart)."""
    shape = route.operation.input_shape if route.operation is not None else None
    payload = shape.serialization.get("payload") if shape is not None else None
    return bool(payload) and bool(shape.members[payload].serialization.get("streaming"))
