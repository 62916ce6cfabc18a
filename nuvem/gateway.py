"""The request pipeline: route → parse → authenticate → authorize → dispatch → serialize → audit.

Every call runs in one store transaction; the response is built only after it has committed, so a
success that reached the client survives a crash. An upload's body, which may take the client
minutes to send, is read outside it (errors.ReadBodyFirst). Any exception that is not an AwsError
becomes InternalFailure with the request id; the traceback goes to the log, never onto the wire.
"""
from __future__ import annotations

import functools
import logging
import time
from typing import Callable, Generator

from nuvem import admin, services
from nuvem.context import Call
from nuvem.errors import AwsError, InternalFailure, ReadBodyFirst, WaitFor
from nuvem.protocol import specs
from nuvem.protocol.chunked import decode_request_body
from nuvem.protocol.parsers import params_body_size, parse_request
from nuvem.protocol.quirks import Quirks, quirks_for
from nuvem.protocol.routing import Route, Router, not_implemented
from nuvem.protocol.serializers import serialize_error, serialize_response
from nuvem.protocol.validate import validate
from nuvem.protocol.wire import HttpRequest, HttpResponse
from nuvem.store import Busy

log = logging.getLogger("nuvem")


class Gateway:
    def __init__(self, runtime):
        self.runtime = runtime
        self.router = Router(services.implemented())

    def handle(self, request: HttpRequest) -> HttpResponse:
        """Serve `request` on this (worker) thread, blocking wherever the call must wait."""
        return self._drive(self._serve(request, inline=False), None)

    def handle_inline(self, request: HttpRequest) -> HttpResponse | Callable[[], HttpResponse]:
        """Serve `request` on the event loop's thread if it can be done without blocking: the
        response, or the rest of the call as a function to run on a worker thread (a long poll
        that must wait, an operation the service marks `blocking`, a store transaction another
        thread holds). Most calls take a few hundred microseconds; a hop to a thread pool would
        add a third to that."""
        steps = self._serve(request, inline=True)
        try:
            wait = next(steps)
        except StopIteration as done:
            return done.value
        return functools.partial(self._drive, steps, wait)

    def _drive(self, steps: Generator, wait: tuple | None) -> HttpResponse:
        try:
            while True:
                if wait is not None:
                    self.runtime.waiters.wait(*wait)
                wait = steps.send(None)
        except StopIteration as done:
            return done.value

    def _serve(self, request: HttpRequest, inline: bool) -> Generator:
        """The pipeline, as a generator that yields where it would block: None to be moved to a
        worker thread, or (key, seen, timeout) for a long poll to wait on there."""
        started = time.perf_counter()
        runtime = self.runtime
        call = Call(request=request, runtime=runtime, request_id=runtime.ids.request_id(),
                    received_at=runtime.clock.now())
        route: Route | None = None
        try:
            if inline and admin.is_admin(request):   # resets and clock jumps take their time
                yield None
                inline = False
            if (response := admin.serve(call)) is not None:     # Nuvem's own /_nuvem endpoints
                return response
            route, quirks = self._route(call)
            if (quirks.max_request_bytes and request.streamed    # (a body held whole is small)
                    and request.body_longer_than(quirks.max_request_bytes)):
                # DynamoDB's HTTP front end refuses it before anything else, with no body.
                call.status, call.error = 413, "RequestEntityTooLarge"
                self._audit(call, started)
                return HttpResponse(413)
            if route.error:
                raise route.error
            if route.operation is None:          # data planes: S3 websites, CORS preflights
                if inline:
                    yield None
                    inline = False
                response = self._data_plane(call, route)
                if call.operation:
                    self._after(call, route, response)   # CORS headers on POST uploads
                call.status = response.status
                self._audit(call, started)
                return response
            operation = route.operation
            call.operation = operation.name
            decode_request_body(request)
            runtime.authenticator.authenticate(call, route, runtime.config.default_region)
            runtime.note_use(call)
            service = services.load(route.service)   # before parsing: loading may set its limits
            call.params = parse_request(request, operation, route.protocol, route.uri_params)
            validate(call.params, operation, route.protocol,
                     params_body_size(request, route.protocol))
            handler = service.operations.get(operation.name)
            if handler is None:
                raise not_implemented(route.protocol,
                                      f"Nuvem does not implement {route.service}.{operation.name} yet")
            if inline and operation.name in service.blocking:
                yield None
                inline = False
            deadline, authorized = None, False
            while True:
                seen = runtime.waiters.mark()
                try:
                    with runtime.store.tx(wait=not inline) as tx:
                        call.tx = tx
                        if not authorized:   # in the call's transaction: one snapshot, no
                            # second read transaction for the resource policies
                            services.authorize(service, call, operation)
                            authorized = True
                        if service.before:
                            service.before(call, call.params)
                        result = handler(call, call.params)
                    break
                except Busy:         # another thread's transaction is open: wait on a worker
                    yield None
                    inline = False
                except ReadBodyFirst as first:   # an upload: its transaction has rolled back
                    if inline:
                        yield None
                        inline = False
                    call.received = first.read()
                    call.memo.clear()    # read in the old snapshot
                except WaitFor as wait:
                    # A long poll found nothing: its transaction has rolled back (it wrote
                    # nothing). Wait outside it, in real seconds, then run it again; the last
                    # run at the deadline answers with what there is (core/waiters.py).
                    now = time.monotonic()
                    deadline = deadline if deadline is not None else now + wait.seconds
                    timeout = deadline - now
                    if wait.recheck is not None:
                        timeout = min(timeout, wait.recheck)
                    if timeout > 0:
                        yield (wait.key, seen, timeout)
                        inline = False
                    call.last_attempt = time.monotonic() >= deadline
            if service.changes_identity and tx.wrote:
                runtime.identities.invalidate()
            response = serialize_response(result, operation, route.protocol, call.request_id)
        except AwsError as error:
            response = self._error(call, route, error)
        except Exception:
            log.exception("internal error in %s.%s req=%s", call.service, call.operation,
                          call.request_id)
            response = self._error(call, route, InternalFailure())
        if route is not None and route.service in services.REGISTRY and call.operation:
            self._after(call, route, response)
        call.status = response.status
        self._audit(call, started)
        return response

    def _route(self, call: Call) -> tuple[Route, Quirks]:
        route = self.router.route(call.request)
        call.service, call.protocol = route.service, route.protocol
        quirks = quirks_for(route.service, route.protocol)
        if quirks.base32_request_id:   # S3's and DynamoDB's forms
            call.request_id = self.runtime.ids.base32_request_id(quirks.base32_request_id)
        return route, quirks

    @staticmethod
    def _after(call: Call, route: Route, response: HttpResponse) -> None:
        """The service's last touch on a response (S3's CORS headers); never fails the call."""
        try:
            after = services.load(route.service).after
            if after is not None:
                after(call, response)
        except Exception:
            log.exception("%s.%s: response hook failed req=%s", call.service, call.operation,
                          call.request_id)

    def _data_plane(self, call: Call, route: Route) -> HttpResponse:
        """Requests no API operation models, served by an engine: an S3 website endpoint or a
        CORS preflight, both answered from the bucket's configuration, and S3's browser-based
        uploads (POST Object, which authenticates its own form)."""
        from nuvem.services.s3 import endpoints
        runtime = self.runtime
        if route.post_object:                    # a browser-based upload (HTML form)
            from nuvem.services.s3 import post_object
            return post_object.serve(call, route)
        decode_request_body(call.request)
        runtime.authenticator.authenticate(call, route, runtime.config.default_region)
        with runtime.store.tx() as tx:
            call.tx = tx
            if route.preflight:
                call.operation = "PreflightRequest"
                return endpoints.preflight(call, route.uri_params)
            call.operation = "WebsiteRequest"
            return endpoints.website(call, route.website_bucket, call.request.path)

    def reject(self, request: HttpRequest, error: AwsError) -> HttpResponse:
        """`error` in the protocol `request` points to, for a request the server refuses before
        the pipeline can run (an oversized head, a body that stopped arriving)."""
        started = time.perf_counter()
        call = Call(request=request, runtime=self.runtime, request_id=self.runtime.ids.request_id(),
                    received_at=self.runtime.clock.now())
        route: Route | None = None
        try:
            route = self._route(call)[0]
        except Exception:   # whatever the partial request says: answer in S3's words
            log.debug("cannot route a refused request", exc_info=True)
            route = None
        response = self._error(call, route, error)
        call.status = response.status
        self._audit(call, started)
        return response

    def _error(self, call: Call, route: Route | None, error: AwsError) -> HttpResponse:
        call.error = error.code
        service = route.service if route else "s3"
        protocol = route.protocol if route else "rest-xml"
        try:
            model = specs.service_model(service)
        except Exception:   # an unknown model still gets a well-formed error
            model = specs.service_model("sts")
        return serialize_error(error, model, protocol, call.request_id,
                               operation=route.operation if route else None,
                               query_mode="x-amzn-query-mode" in call.request.headers)

    def _audit(self, call: Call, started: float) -> None:
        access_log = self.runtime.access_log
        if access_log is None:
            return
        elapsed = (time.perf_counter() - started) * 1000
        principal = call.principal.arn if call.principal else "-"
        error = f" error={call.error}" if call.error else ""
        access_log.write(f"{call.service or '-'}.{call.operation or '-'} {call.status} "
                         f"acct={call.account or '-'} region={call.region or '-'} "
                         f"principal={principal} {elapsed:.1f}ms req={call.request_id}{error}")
