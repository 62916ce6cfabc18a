"""The explicit registry of the services Nuvem serves, and the `Service`/`op` wiring they use.

A service package declares `SERVICE = Service("<botocore name>")` and registers one function per
AWS operation with `@SERVICE.op("OperationName")`. Packages are imported on first use, so startup
does not pay for services nobody calls.
"""
from __future__ import annotations

import importlib
from typing import Callable

REGISTRY: dict[str, str] = {
    "sts": "nuvem.services.sts",
    "ec2": "nuvem.services.ec2",
    "iam": "nuvem.services.iam",
    "s3": "nuvem.services.s3",
    "s3control": "nuvem.services.s3control",
    "sqs": "nuvem.services.sqs",
    "sns": "nuvem.services.sns",
    "dynamodb": "nuvem.services.dynamodb",
    "dynamodbstreams": "nuvem.services.dynamodbstreams",
}

Handler = Callable[..., dict]

# Periodic work of services, as (interval in seconds, "module:function(runtime)"). The runtime
# runs each at the multiples of its interval since the epoch (daily: just after midnight UTC) and
# imports a module only when its job first fires, so startup stays free of service code; on the
# manual clock they fire as tests move time.
PERIODIC: dict[str, tuple[float, str]] = {
    "s3.lifecycle": (86400.0, "nuvem.services.s3.lifecycle:sweep"),   # S3 acts at midnight UTC
    "sqs.retention": (3600.0, "nuvem.services.sqs.redrive:sweep"),    # receives also drop them
    "sqs.move_tasks": (1.0, "nuvem.services.sqs.redrive:advance_tasks"),  # paced by their rate
    "dynamodb.ttl": (60.0, "nuvem.services.dynamodb.ttl:sweep"),      # expired items, as deletions
    "dynamodb.tokens": (600.0, "nuvem.services.dynamodb.transactions:sweep"),  # ClientRequestTokens
}


class Service:
    def __init__(self, name: str):
        self.name = name
        self.operations: dict[str, Handler] = {}
        # Runs before every operation, inside its transaction (EC2: the DryRun check).
        self.before: Handler | None = None
        # Its committed calls may change who a key is or what it may do (IAM, STS): the gateway
        # then drops the runtime's cached identity lookups.
        self.changes_identity = False
        # (call, access) -> iam.middleware.ResourceView: who owns what an access touches, and
        # its resource-based policy and ACL grants (S3's buckets and objects).
        self.resource_view: Callable | None = None
        # (call, operation) -> None: authorizes the service's calls in place of the authorizer's
        # plain check (S3: a request through an access point is resolved to its bucket first,
        # then checked at the access point and at the bucket, see s3/accesspoints.py).
        self.authorize: Callable | None = None
        # (call, response) -> None: adjusts every response of the service (S3's CORS headers).
        self.after: Callable | None = None
        # Operations that may take long (copying big objects): always served on a worker
        # thread, never on the event loop (see Gateway.handle_inline).
        self.blocking: frozenset[str] = frozenset()
        # call -> (owner account, has a resource policy) of the one resource every access of an
        # operation in `owner_ops` touches, or None when unsure. The root user is then allowed
        # without working out the accesses: only another account or a policy could stop it.
        self.owner_of: Callable | None = None
        self.owner_ops: frozenset[str] = frozenset()
        # operation -> (call -> [iam.actions.Access] or None): what a call needs, worked out by
        # the service for operations it knows to need exactly one access to the resource a
        # parameter names (SQS: the QueueUrl), cheaper than the generic reading of the Service
        # Authorization Reference data. None: the generic reading.
        self.accesses_of: dict[str, Callable] = {}

    def op(self, operation: str) -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            self.operations[operation] = fn
            return fn
        return register


def implemented() -> frozenset[str]:
    return frozenset(REGISTRY)


# Event handlers, as ("module:EventClass", "module:handler(runtime, event)"). The runtime
# subscribes them at start (event classes live in small modules that are cheap to import) and
# imports a handler's module on its first delivery. The handler string is the subscription's
# stable name: undelivered events survive restarts under it.
SUBSCRIPTIONS: list[tuple[str, str]] = [
    ("nuvem.services.s3.events:Notification", "nuvem.services.s3.notifications:deliver"),
    # SNS fan-out: a publish, then one delivery per matching subscription (services/sns/events.py)
    ("nuvem.services.sns.events:Published", "nuvem.services.sns.delivery:fan_out"),
    ("nuvem.services.sns.events:Delivery", "nuvem.services.sns.delivery:deliver"),
    ("nuvem.services.sns.events:ConfirmationRequested", "nuvem.services.sns.delivery:confirm"),
    ("nuvem.services.sns.events:UnsubscribeConfirmationRequested",
     "nuvem.services.sns.delivery:confirm_unsubscribe"),
]


def authorize(service, call, operation) -> None:
    """The one way a call is authorized, from the gateway and from other services alike: the
    service's own `authorize` (S3 access points, SNS's AuthorizationError) or the authorizer with
    the service's resource view."""
    if (own := getattr(service, "authorize", None)) is not None:
        own(call, operation)
    else:
        call.runtime.authorizer.authorize(call, operation, service.resource_view,
                                          owner=owner_check(service, operation),
                                          accesses_of=own_accesses(service, operation))


def owner_check(service, operation) -> Callable | None:
    """The service's `owner_of` if it covers `operation`."""
    return service.owner_of if operation.name in getattr(service, "owner_ops", ()) else None


def own_accesses(service, operation) -> Callable | None:
    """The service's `accesses_of` entry for `operation`, if it has one."""
    return getattr(service, "accesses_of", {}).get(operation.name)


def resolve(target: str) -> Callable:
    """The object a "module:name" target names (PERIODIC jobs, SUBSCRIPTIONS), imported on
    first use."""
    module, _, function = target.partition(":")
    return getattr(importlib.import_module(module), function)


_LOADED: dict[str, Service] = {}   # an import cache, not state: the same for every runtime


def load(name: str) -> Service:
    service = _LOADED.get(name)
    if service is None:
        service = _LOADED[name] = importlib.import_module(REGISTRY[name]).SERVICE
    return service
