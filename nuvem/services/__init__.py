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
}

Handler = Callable[..., dict]


class Service:
    def __init__(self, name: str):
        self.name = name
        self.operations: dict[str, Handler] = {}
        # Runs before every operation, inside its transaction (EC2: the DryRun check).
        self.before: Handler | None = None
        # Its committed calls may change who a key is or what it may do (IAM, STS): the gateway
        # then drops the runtime's cached identity lookups.
        self.changes_identity = False

    def op(self, operation: str) -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            self.operations[operation] = fn
            return fn
        return register


def implemented() -> frozenset[str]:
    return frozenset(REGISTRY)


def load(name: str) -> Service:
    return importlib.import_module(REGISTRY[name]).SERVICE
