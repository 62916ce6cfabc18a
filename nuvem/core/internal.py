"""The internal client: one service calling another through the front door (DESIGN principle 5).

A call made here runs the target operation's handler in its own transaction, after the same
authorization every caller meets, as the calling *service principal* (`s3.amazonaws.com`,
`sns.amazonaws.com`) with `aws:SourceArn` / `aws:SourceAccount` set, so the target's resource
policy decides (an SQS queue policy must allow S3 to send to it, as in AWS). It never touches
another service's records.

Authorization runs inside the call's transaction, as the gateway does it: the resource policy is
read in the same snapshot, and made inside another transaction (SNS fanning a message out to its
queues) the call is a savepoint of it that an error undoes alone.
"""
from __future__ import annotations

import functools

from nuvem.context import Call, Principal
from nuvem.protocol import specs
from nuvem.protocol.validate import validate
from nuvem.protocol.wire import HttpRequest


@functools.lru_cache(maxsize=64)
def service_principal(service_host: str) -> Principal:
    """`sqs.amazonaws.com` and the like, as the evaluator sees an AWS service: one immutable
    instance per service, made once (an SNS publish makes a call per subscription)."""
    return Principal("service", "", service_host, service_host)


@functools.cache
def _operation(service: str, operation: str):
    model = specs.service_model(service)
    return model.operation_model(operation), model.protocol


class InternalClient:
    def __init__(self, runtime):
        self.runtime = runtime

    def call(self, service: str, operation: str, params: dict, *, principal: Principal,
             account: str, region: str, source_arn: str | None = None,
             source_account: str | None = None, validated: bool = False,
             batch: dict | None = None) -> dict:
        """Run `service.operation(params)` and return its result dict; raises its AwsError.
        `validated`: the caller built `params` itself and knows them valid for the model (the
        handler still checks what it checks for every caller). `batch`: one dict for the calls
        a caller makes together, as the same principal from the same source (an SNS fan-out's
        deliveries), so what they share is worked out once (`Call.batch`)."""
        from nuvem import services
        runtime = self.runtime
        model, protocol = _operation(service, operation)
        if not validated:
            validate(params, model, protocol)
        target = services.load(service)
        call = Call(request=HttpRequest.build("POST", "/"), runtime=runtime,
                    request_id=runtime.ids.request_id(), received_at=runtime.clock.now(),
                    service=service, protocol=protocol,
                    operation=operation, params=params, account=account, region=region,
                    principal=principal, source_arn=source_arn,
                    source_account=source_account,   # the source's owner, never guessed
                    batch=batch)
        with runtime.store.tx() as tx:
            call.tx = tx
            services.authorize(target, call, model)
            if target.before:
                target.before(call, params)
            return target.operations[operation](call, params)
