"""Requests S3 refuses before it looks for their operation (and before it authenticates them):
the router asks here, only for a request it cannot route or one that carries a header no
operation of its method takes."""
from __future__ import annotations

from nuvem.protocol.wire import HttpRequest
from nuvem.services.s3.errors import InvalidArgument, MethodNotAllowed, PreconditionFailed, S3Error


def copy_source_refused(request: HttpRequest) -> S3Error | None:
    """x-amz-copy-source on a request that is no copy: a GET, HEAD or DELETE, or a POST naming
    an upload (versitygw's RouterCopySourceNotAllowed, run against S3). Other POSTs take it."""
    if request.method == "POST" and not any(name == "uploadId"
                                            for name, _ in request.query_list()):
        return None
    return InvalidArgument("You can only specify a copy source header for copy requests.",
                           ArgumentName="x-amz-copy-source",
                           ArgumentValue=request.headers.get("x-amz-copy-source"))


def no_operation(request: HttpRequest, path: str) -> S3Error:
    """A method S3 has no operation for on this resource; `path` is path-style. A POST with no
    query to a bucket is a browser upload whose body is no form (ceph's s3-tests, run against
    S3); anything else is 405 naming the resource (a POST to the endpoint itself: SERVICE)."""
    method = request.method
    bucket, _, key = path[1:].partition("/")
    if method == "POST" and bucket and not key and not request.query:
        return PreconditionFailed(Condition="Bucket POST must be of the enclosure-type "
                                            "multipart/form-data")
    return MethodNotAllowed(Method=method,
                            ResourceType="OBJECT" if key else "BUCKET" if bucket else "SERVICE")
