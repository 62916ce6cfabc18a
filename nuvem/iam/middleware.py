"""authorize(call): every call's accesses, evaluated against its principal's policies.

The accesses (action, resource ARNs, context keys) come from `actions.accesses`; the principal's
identity policies and boundary come through an injected lookup, so this module never reads IAM's
records. Root is allowed everything, as in AWS. `NUVEM_IAM=log` allows but logs what it would deny.
"""
from __future__ import annotations

import logging
import threading
from datetime import timezone
from typing import Callable

from nuvem.context import Call
from nuvem.errors import AwsError
from nuvem.iam import actions
from nuvem.iam.evaluate import Principal as IamPrincipal
from nuvem.iam.evaluate import Request, denial_message, evaluate
from nuvem.iam.policy import PolicyCache
from nuvem.protocol import specs

log = logging.getLogger("nuvem.iam")

# (identity policies as [(name, document)], boundary as (name, document) or None) of a principal
PolicyLookup = Callable[[Call], tuple[list[tuple[str, str]], tuple[str, str] | None]]


class Authorizer:
    def __init__(self, mode: str, policies: PolicyLookup):
        self.mode = mode
        self.policies = policies
        self._cache = PolicyCache(4096)
        self._lock = threading.Lock()   # the cache is an OrderedDict; calls run on a thread pool

    def authorize(self, call: Call, operation) -> None:
        principal = call.principal
        if self.mode == "off" or principal is None or principal.kind in ("root", "anonymous"):
            return   # anonymous requests reach only S3, whose own checks come with the S3 issue
        if actions.needs_no_permission(call.service, operation.name):
            return
        identity, boundary = self.policies(call)
        with self._lock:
            compiled = [self._cache.get(doc, "identity", name) for name, doc in identity]
            compiled_boundary = self._cache.get(boundary[1], "boundary", boundary[0]) if boundary else None
        who = IamPrincipal(arn=principal.arn, account=principal.account, type=principal.kind,
                           userid=principal.user_id)
        context = _global_context(call)
        for access in actions.accesses(call.service, operation, call.params, call.account,
                                       call.region):
            request = Request(principal=who, action=access.action, resource=access.resources,
                              resource_account=call.account, context={**context, **access.context})
            decision = evaluate(request, identity_policies=compiled, boundary=compiled_boundary)
            if decision.allowed:
                continue
            message = denial_message(request, decision)
            log.info("denied %s.%s req=%s: %s; trace=%s", call.service, operation.name,
                     call.request_id, message, decision.trace)
            if self.mode == "enforce":
                raise access_denied(call, message)


def _global_context(call: Call) -> dict:
    now = call.now.astimezone(timezone.utc)
    return {
        "aws:SourceIp": call.request.client_ip,
        "aws:CurrentTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:EpochTime": str(int(now.timestamp())),
        "aws:SecureTransport": "true" if call.request.scheme == "https" else "false",
        "aws:RequestedRegion": call.region,
        "aws:UserAgent": call.request.headers.get("user-agent", ""),
    }


def access_denied(call: Call, message: str) -> AwsError:
    """The service's own access-denied error: EC2's UnauthorizedOperation, a modelled
    AccessDeniedException where the service has one, else the query family's AccessDenied."""
    if call.protocol == "ec2":
        return AwsError(f"You are not authorized to perform this operation. {message}",
                        code="UnauthorizedOperation", status=403)
    shapes = specs.service_model(call.service).shape_names
    if "AccessDeniedException" in shapes:
        return AwsError(message, code="AccessDeniedException",
                        status=400 if call.protocol in ("json", "smithy-rpc-v2-cbor") else 403)
    return AwsError(message, code="AccessDenied", status=403)
