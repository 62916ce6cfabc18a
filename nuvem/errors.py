"""AWS errors. Services raise them; the gateway serializes them in the request's protocol.

`code` is the wire error code, which for modelled errors is the error shape's name in the service
model. The serializer takes the HTTP status and the query-compatible code (`awsQueryError`) from
that shape when it exists, so a class here only needs the values the model does not give.
"""
from __future__ import annotations


class AwsError(Exception):
    code: str = "InternalFailure"
    status: int = 400
    sender_fault: bool = True
    message: str = ""

    def __init__(self, message: str | None = None, *, code: str | None = None,
                 status: int | None = None, sender_fault: bool | None = None,
                 headers: dict[str, str] | None = None, **fields):
        if message is not None:
            self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        if sender_fault is not None:
            self.sender_fault = sender_fault
        self.headers = headers or {}
        self.fields = fields  # extra members of the error shape (BucketName, Key, ...)
        super().__init__(f"{self.code}: {self.message}")


class InternalFailure(AwsError):
    code = "InternalFailure"
    status = 500
    sender_fault = False
    message = "We encountered an internal error. Please try again."


class NotImplementedYet(AwsError):
    """A service or operation Nuvem does not implement yet (HTTP 501, as AWS's NotImplemented)."""
    status = 501
    sender_fault = False


class AccessDenied(AwsError):
    code = "AccessDenied"
    status = 403


class ValidationError(AwsError):
    """Query-protocol validation failure (IAM, STS, SNS, EC2 use `ValidationError`)."""
    code = "ValidationError"
    status = 400


class MissingParameter(AwsError):
    code = "MissingParameter"
    status = 400


class InvalidParameterValue(AwsError):
    code = "InvalidParameterValue"
    status = 400


class MalformedInput(AwsError):
    """A body that cannot be decoded for its protocol.

    Parsers raise this with the protocol's own code: `SerializationException` for JSON and CBOR,
    `MalformedXML` for REST-XML, `MalformedQueryString` for query.
    """
    code = "SerializationException"
    status = 400


class ReadBodyFirst(Exception):
    """Not an AWS error: control flow for uploads. A handler that would read a streamed request
    body (one still arriving) raises it before writing anything, so the body is not read inside
    the call's store transaction: that would hold the store's one write lock, and every other
    call, for as long as the client takes to send. The gateway runs `read` outside the
    transaction, keeps what it returns in `call.received` and runs the handler again, which
    then finds the body there."""

    def __init__(self, read):
        super().__init__("read the body first")
        self.read = read


class WaitFor(Exception):
    """Not an AWS error: control flow for long polls. A handler that found nothing raises it
    (before writing anything) to be run again when `key` is notified (core/waiters.py), after
    `recheck` seconds (when something becomes ready by time alone), or at the end of `seconds`.
    The gateway waits outside the call's transaction; on the last run `call.last_attempt` is set
    and the handler answers with what it has."""

    def __init__(self, key: str, seconds: float, recheck: float | None = None):
        super().__init__(key)
        self.key, self.seconds, self.recheck = key, seconds, recheck
