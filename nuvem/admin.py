"""Nuvem's own HTTP endpoints under /_nuvem (and the LocalStack health path test tools poll).

GET  /_nuvem/health, /_localstack/health   services and their state
GET  /_nuvem/clock                         the current time of Nuvem's clock
POST /_nuvem/clock  {"advance": seconds} | {"set": "2030-01-01T00:00:00Z"}   (NUVEM_CLOCK=manual)
POST /_nuvem/reset                         wipe all state
"""
from __future__ import annotations

import json
from datetime import datetime

from nuvem import __version__, services
from nuvem.context import Call
from nuvem.protocol.wire import HttpResponse

HEALTH_PATHS = ("/_nuvem/health", "/_localstack/health")


def serve(call: Call) -> HttpResponse | None:
    request = call.request
    path = request.path
    if not (path.startswith("/_nuvem/") or path in HEALTH_PATHS):
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
    return _json(404, {"error": "NotFound", "message": f"No Nuvem endpoint {request.method} {path}"})


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
