"""Nuvem's own HTTP endpoints under /_nuvem (and the LocalStack health path test tools poll).

GET  /_nuvem/health, /_localstack/health   services and their state
GET  /_nuvem/clock                         the current time of Nuvem's clock
POST /_nuvem/clock  {"advance": seconds} | {"set": "2030-01-01T00:00:00Z"}   (NUVEM_CLOCK=manual)
POST /_nuvem/reset                         wipe all state
GET  /_nuvem/mail[?channel=sms&to=...]     the local mailbox as JSON (nuvem/engines/mail)
GET  /_nuvem/mail/<id>, DELETE /_nuvem/mail   one message; empty the mailbox
GET  /_nuvem/sms                           the captured SMS (the mailbox's "sms" channel)
GET  /_nuvem/sns/confirm?TopicArn=&Token=  SNS's SubscribeURL: confirms, answers as SNS does
GET  /_nuvem/sns/unsubscribe?SubscriptionArn=   SNS's UnsubscribeURL
GET  /_nuvem/sns/SimpleNotificationService.pem  SNS's SigningCertURL
"""
from __future__ import annotations

import json
from datetime import datetime

from nuvem import __version__, services
from nuvem.context import Call
from nuvem.errors import AwsError
from nuvem.protocol.wire import HttpResponse

HEALTH_PATHS = ("/_nuvem/health", "/_localstack/health")


def is_admin(request) -> bool:
    return request.path.startswith("/_nuvem/") or request.path in HEALTH_PATHS


def serve(call: Call) -> HttpResponse | None:
    request = call.request
    path = request.path
    if not is_admin(request):
        return None
    runtime = call.runtime
    if path in HEALTH_PATHS and request.method in ("GET", "HEAD"):
        loaded = runtime.loaded_services()
        return _json(200, {
            "services": {name: ("running" if name in loaded else "available")
                         for name in sorted(services.implemented())},
            "edition": "nuvem", "version": __version__,
            "state": "ephemeral" if runtime.config.ephemeral else runtime.config.state_dir,
            "clock": runtime.config.clock,
        })
    if path == "/_nuvem/clock":
        if request.method == "GET":
            return _json(200, {"now": _iso(runtime.clock.now()), "mode": runtime.config.clock})
        if request.method == "POST":
            return _set_clock(call)
    if path == "/_nuvem/reset" and request.method == "POST":
        runtime.reset()
        return _json(200, {"reset": True})
    # SNS links and the local mailbox (issue 5): the handling lives with SNS and the mail engine
    if path.startswith("/_nuvem/sns/") and request.method in ("GET", "HEAD"):
        return _sns_link(call)
    if path.startswith("/_nuvem/mail") or path == "/_nuvem/sms":
        if (response := _mail(call)) is not None:
            return response
    return _json(404, {"error": "NotFound", "message": f"No Nuvem endpoint {request.method} {path}"})


def _sns_link(call: Call) -> HttpResponse:
    """SubscribeURL, UnsubscribeURL and SigningCertURL of SNS messages: plain GETs, no signature
    (the token or the subscription ARN is the credential), answered like SNS answers them."""
    from nuvem.protocol import specs
    from nuvem.protocol.serializers import serialize_error, serialize_response
    from nuvem.services.sns import links
    runtime = call.runtime
    params = dict(call.request.query_list())
    call.service, call.protocol = "sns", "query"
    model = specs.service_model("sns")
    try:
        if call.request.path == links.CERT_PATH:
            return HttpResponse(200, [("Content-Type", "application/x-x509-ca-cert")],
                                links.certificate(runtime).encode())
        operation = links.operation(call.request.path)
        if operation is None:
            return _json(404, {"error": "NotFound", "message": f"No SNS link {call.request.path}"})
        call.operation = operation
        with runtime.store.tx() as tx:
            call.tx = tx
            result = links.follow(call, operation, params)
        return serialize_response(result, model.operation_model(operation), "query",
                                  call.request_id)
    except AwsError as error:
        call.error = error.code
        return serialize_error(error, model, "query", call.request_id)


def _mail(call: Call) -> HttpResponse | None:
    from nuvem.engines import mail
    runtime, request = call.runtime, call.request
    params = dict(request.query_list())
    if request.path == "/_nuvem/sms" and request.method == "GET":
        return _json(200, {"messages": [mail.as_json(m) for m in
                                        mail.messages(runtime, channel="sms", to=params.get("to"))]})
    if request.path == "/_nuvem/mail" and request.method == "GET":
        found = mail.messages(runtime, channel=params.get("channel"), to=params.get("to"))
        return _json(200, {"messages": [mail.as_json(m) for m in found]})
    if request.path == "/_nuvem/mail" and request.method == "DELETE":
        return _json(200, {"deleted": mail.clear(runtime)})
    if request.path.startswith("/_nuvem/mail/") and request.method == "GET":
        found = mail.message(runtime, request.path.rsplit("/", 1)[-1])
        if found is None:
            return _json(404, {"error": "NotFound", "message": "No such message"})
        return _json(200, mail.as_json(found))
    return None


def _set_clock(call: Call) -> HttpResponse:
    runtime = call.runtime
    if runtime.config.clock != "manual":
        return _json(400, {"error": "ClockNotManual",
                           "message": "Start Nuvem with NUVEM_CLOCK=manual to move its clock."})
    try:
        body = json.loads(call.request.body_bytes() or b"{}")
        if "advance" in body:
            seconds = float(body["advance"])
            if seconds < 0:
                raise ValueError("the clock only moves forward")
            runtime.clock.advance(seconds=seconds)   # ValueError past datetime's range
        elif "set" in body:
            target = datetime.fromisoformat(str(body["set"]).replace("Z", "+00:00"))
            if target.tzinfo is None:
                raise ValueError("give the time zone, e.g. 2030-01-01T00:00:00Z")
            runtime.clock.set(target)
        else:
            raise ValueError('expected {"advance": seconds} or {"set": "<ISO 8601 time>"}')
    except (ValueError, TypeError, AttributeError, OverflowError) as exc:
        return _json(400, {"error": "InvalidClockRequest", "message": str(exc)})
    return _json(200, {"now": _iso(runtime.clock.now()), "mode": "manual"})


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _json(status: int, payload: dict) -> HttpResponse:
    return HttpResponse(status, [("Content-Type", "application/json")],
                        json.dumps(payload).encode())
