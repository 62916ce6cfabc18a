"""What S3 serves outside its API operations: the static website endpoint, CORS preflight
(OPTIONS) requests, and the CORS headers on ordinary responses.

Website endpoints ("Website endpoints", "Configuring an index document", "Configuring a custom
error document", "Configuring redirects"): GET and HEAD only, anonymous by default and subject to
the bucket policy, index documents also for "folders", error documents with the error's status,
RedirectAllRequestsTo, routing rules, and `x-amz-website-redirect-location`. Errors are HTML.
CORS ("Using cross-origin resource sharing", "How does Amazon S3 evaluate the CORS
configuration"): the first rule whose origin, method and headers all match answers.
"""
from __future__ import annotations

import fnmatch
import html
from urllib.parse import unquote

from nuvem.context import Call
from nuvem.iam.actions import Access
from nuvem.protocol.quirks import host_id
from nuvem.protocol.wire import HttpResponse
from nuvem.services.s3 import SERVICE
from nuvem.services.s3.access import resource_view
from nuvem.services.s3.bodies import read_range
from nuvem.services.s3.common import current, http_date
from nuvem.services.s3.config import CORS_METHODS, HEADER_NAME
from nuvem.services.s3.errors import S3Error
from nuvem.services.s3.models import Bucket, S3Object

_REASONS = {301: "Moved Permanently", 302: "Found", 400: "Bad Request", 403: "Forbidden",
            404: "Not Found", 405: "Method Not Allowed"}


# -- website ------------------------------------------------------------------------------------
def _html_error(call: Call, status: int, code: str, message: str, **extra) -> HttpResponse:
    title = f"{status} {_REASONS.get(status, '')}"
    items = [f"<li>Code: {html.escape(code)}</li>", f"<li>Message: {html.escape(message)}</li>"]
    items += [f"<li>{k}: {html.escape(v)}</li>" for k, v in extra.items()]
    items += [f"<li>RequestId: {call.request_id}</li>", f"<li>HostId: {host_id(call.request_id)}</li>"]
    body = (f"<html>\n<head><title>{title}</title></head>\n<body>\n<h1>{title}</h1>\n<ul>\n"
            + "\n".join(items) + "\n</ul>\n<hr/>\n</body>\n</html>\n").encode()
    return _response(call, status, [("Content-Type", "text/html; charset=utf-8")], body)


def _response(call: Call, status: int, headers: list, body=b"") -> HttpResponse:
    headers = headers + [("x-amz-request-id", call.request_id),
                         ("x-amz-id-2", host_id(call.request_id)), ("Server", "AmazonS3")]
    if call.request.method == "HEAD":
        body = b""
    return HttpResponse(status, headers, body)


def _redirect(call: Call, location: str, status: int = 301) -> HttpResponse:
    return _response(call, status, [("Location", location), ("Content-Length", "0")])


def _readable(call: Call, bucket: Bucket, key: str) -> bool:
    access = Access("s3:GetObject", [f"{bucket.arn}/{key}"], {})
    return call.runtime.authorizer.permits(call, access, resource_view)


def _object_response(call: Call, obj: S3Object, status: int = 200) -> HttpResponse:
    headers = [("Content-Type", obj.headers.get("ContentType", "binary/octet-stream")),
               ("ETag", obj.etag), ("Last-Modified", http_date(obj.last_modified)),
               ("Content-Length", str(obj.size))]
    for name, header in (("CacheControl", "Cache-Control"), ("ContentEncoding", "Content-Encoding"),
                         ("ContentDisposition", "Content-Disposition"),
                         ("ContentLanguage", "Content-Language")):
        if obj.headers.get(name):
            headers.append((header, obj.headers[name]))
    headers += [(f"x-amz-meta-{k}", v) for k, v in obj.metadata.items()]
    body = read_range(call, obj.data, obj.chunks, 0, obj.size - 1) if obj.size else b""
    return _response(call, status, headers, body)


def _apply_redirect(call: Call, redirect: dict, key: str, matched_prefix: str = "") -> HttpResponse:
    host = redirect.get("HostName") or call.request.host
    protocol = redirect.get("Protocol") or call.request.scheme
    if "ReplaceKeyWith" in redirect:
        key = redirect["ReplaceKeyWith"]
    elif "ReplaceKeyPrefixWith" in redirect:
        key = redirect["ReplaceKeyPrefixWith"] + key[len(matched_prefix):]
    status = int(redirect.get("HttpRedirectCode") or 301)
    return _redirect(call, f"{protocol}://{host}/{key}", status)


def _rule_for(rules: list[dict], key: str, error: int | None) -> dict | None:
    for rule in rules:
        condition = rule.get("Condition") or {}
        prefix = condition.get("KeyPrefixEquals")
        code = condition.get("HttpErrorCodeReturnedEquals")
        if prefix is not None and not key.startswith(prefix):
            continue
        if code is not None and (error is None or str(error) != str(code)):
            continue
        if code is None and error is not None and prefix is None:
            continue
        if code is not None or prefix is not None or error is None:
            return rule
    return None


def website(call: Call, bucket_name: str, raw_path: str) -> HttpResponse:
    request = call.request
    if request.method not in ("GET", "HEAD"):
        return _html_error(call, 405, "MethodNotAllowed",
                           "The specified method is not allowed against this resource.",
                           Method=request.method, ResourceType="OBJECT")
    bucket = call.store.get(Bucket, bucket_name)
    if bucket is None:
        return _html_error(call, 404, "NoSuchBucket", "The specified bucket does not exist",
                           BucketName=bucket_name)
    config = bucket.config.get("Website")
    if not config:
        return _html_error(call, 404, "NoSuchWebsiteConfiguration",
                           "The specified bucket does not have a website configuration",
                           BucketName=bucket_name)
    key = unquote(raw_path.lstrip("/"))
    redirect_all = config.get("RedirectAllRequestsTo")
    if redirect_all:
        protocol = redirect_all.get("Protocol") or request.scheme
        query = f"?{request.query}" if request.query else ""
        return _redirect(call, f"{protocol}://{redirect_all['HostName']}/{key}{query}")
    rules = config.get("RoutingRules") or []
    rule = _rule_for([r for r in rules if "HttpErrorCodeReturnedEquals" not in
                      (r.get("Condition") or {})], key, None)
    if rule is not None:
        prefix = (rule.get("Condition") or {}).get("KeyPrefixEquals", "")
        return _apply_redirect(call, rule["Redirect"], key, prefix)
    suffix = (config.get("IndexDocument") or {}).get("Suffix", "index.html")
    target = key + suffix if key == "" or key.endswith("/") else key
    status, code = _serve_status(call, bucket, target)
    if status == 200:
        obj = current(call, bucket, target)
        location = obj.headers.get("WebsiteRedirectLocation")
        if location:
            return _redirect(call, location)
        return _object_response(call, obj)
    missing = current(call, bucket, target) is None
    if missing and not target.endswith(suffix) and \
            _serve_status(call, bucket, f"{key}/{suffix}")[0] == 200:
        return _redirect(call, f"/{key}/", 302)     # a "folder" without its slash
    rule = _rule_for([r for r in rules if "HttpErrorCodeReturnedEquals" in
                      (r.get("Condition") or {})], key, status)
    if rule is not None:
        prefix = (rule.get("Condition") or {}).get("KeyPrefixEquals", "")
        return _apply_redirect(call, rule["Redirect"], key, prefix)
    error_key = (config.get("ErrorDocument") or {}).get("Key")
    if error_key and _serve_status(call, bucket, error_key)[0] == 200:
        return _object_response(call, current(call, bucket, error_key), status)
    if status == 403:
        return _html_error(call, 403, "AccessDenied", "Access Denied")
    return _html_error(call, 404, "NoSuchKey", "The specified key does not exist.", Key=target)


def _serve_status(call: Call, bucket: Bucket, key: str) -> tuple[int, str]:
    """200 when the object exists and the caller may read it; 403 when it may not; 404 when
    it is missing and the caller may list the bucket (403 otherwise, as for the API)."""
    obj = current(call, bucket, key) if key else None
    if obj is not None and not obj.delete_marker:
        return (200, "") if _readable(call, bucket, key) else (403, "AccessDenied")
    from nuvem.services.s3.access import may_list
    return (404, "NoSuchKey") if may_list(call, bucket) else (403, "AccessDenied")


# -- CORS ---------------------------------------------------------------------------------------
def _matches(pattern: str, value: str) -> bool:
    return fnmatch.fnmatchcase(value.lower(), pattern.lower().replace("[", "[[]"))


def _cors_rule(bucket: Bucket, origin: str, method: str, headers: list[str]) -> dict | None:
    for rule in (bucket.config.get("Cors") or {}).get("CORSRules") or []:
        if not any(_matches(o, origin) for o in rule.get("AllowedOrigins") or []):
            continue
        if method not in (rule.get("AllowedMethods") or []):
            continue
        allowed = rule.get("AllowedHeaders") or []
        if all(any(_matches(a, h) for a in allowed) for h in headers):
            return rule
    return None


def _cors_headers(rule: dict, origin: str, request_headers: list[str]) -> list[tuple[str, str]]:
    wildcard = "*" in (rule.get("AllowedOrigins") or [])
    out = [("Access-Control-Allow-Origin", "*" if wildcard else origin),
           ("Access-Control-Allow-Methods", ", ".join(rule.get("AllowedMethods") or []))]
    if request_headers:
        out.append(("Access-Control-Allow-Headers", ", ".join(request_headers)))
    if rule.get("ExposeHeaders"):
        out.append(("Access-Control-Expose-Headers", ", ".join(rule["ExposeHeaders"])))
    if rule.get("MaxAgeSeconds") is not None:
        out.append(("Access-Control-Max-Age", str(rule["MaxAgeSeconds"])))
    if not wildcard:
        out.append(("Access-Control-Allow-Credentials", "true"))
    out.append(("Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"))
    return out


def preflight(call: Call, uri_params: dict) -> HttpResponse:
    request = call.request
    origin = request.headers.get("origin")
    method = request.headers.get("access-control-request-method")
    bucket = call.store.get(Bucket, uri_params.get("Bucket") or "")
    if not origin:
        _xml_error(call, 400, "BadRequest",
                   "Insufficient information. Origin request header needed.")
    # S3 names the method asked for, or the preflight's own when none is
    if bucket is None:
        _xml_error(call, 403, "AccessForbidden", "CORSResponse: Bucket not found",
                   Method=method or "OPTIONS", ResourceType="BUCKET")
    if not bucket.config.get("Cors"):
        _xml_error(call, 403, "AccessForbidden",
                   "CORSResponse: CORS is not enabled for this bucket.",
                   Method=method or "OPTIONS", ResourceType="BUCKET")
    # a method CORS rules cannot name (case counts), a header that is no HTTP token (versitygw's
    # PreflightOPTIONS_invalid_request_method, _invalid_request_headers)
    if method not in CORS_METHODS:
        _xml_error(call, 400, "BadRequest",
                   f"Invalid Access-Control-Request-Method: {method or 'null'}")
    asked = [h.strip() for h in
             (request.headers.get("access-control-request-headers") or "").split(",") if h.strip()]
    for header in asked:
        if not HEADER_NAME.fullmatch(header):
            _xml_error(call, 400, "BadRequest",
                       f'Access-Control-Request-Headers "{header}" contains invalid character.')
    wanted = [h.lower() for h in asked]
    rule = _cors_rule(bucket, origin, method, wanted)
    if rule is None:
        _xml_error(call, 403, "AccessForbidden",
                          "CORSResponse: This CORS request is not allowed. This is usually because "
                          "the evalution of Origin, request method / Access-Control-Request-Method "
                          "or Access-Control-Request-Headers are not whitelisted by the "
                          "resource's CORS spec.", Method=method,
                          # a preflight of the bucket itself names it (LocalStack's AWS-validated
                          # test_cors_options_fails_partial_origin)
                          ResourceType="OBJECT" if uri_params.get("Key") else "BUCKET")
    return _response(call, 200, _cors_headers(rule, origin, wanted) + [("Content-Length", "0")])


def _xml_error(call: Call, status: int, code: str, message: str, **extra):
    raise S3Error(message, code=code, status=status, **extra)


def add_cors_headers(call: Call, response: HttpResponse) -> None:
    """CORS headers on an ordinary response whose request carries an Origin the bucket's CORS
    configuration allows for the request's method."""
    origin = call.request.headers.get("origin")
    bucket_name = (call.params or {}).get("Bucket")
    if not origin or not bucket_name:
        return
    with call.runtime.store.read() as read:
        bucket = read.get(Bucket, bucket_name)
    if bucket is None or not bucket.config.get("Cors"):
        return
    rule = _cors_rule(bucket, origin, call.request.method, [])
    if rule is not None:
        response.headers.extend(h for h in _cors_headers(rule, origin, [])
                                if h[0] != "Access-Control-Allow-Headers")


def finish_response(call: Call, response: HttpResponse) -> None:
    """S3's last touches on an ordinary response: a listing's `x-amz-bucket-region` (sent on
    every successful ListObjects(V2), though no model has it: versitygw issue 1814 quotes S3),
    HeadBucket's `Content-Type: application/xml` (with no body; moto issue 6042 quotes S3), and
    the CORS headers."""
    if response.status == 200:
        if call.operation in ("ListObjectsV2", "ListObjects"):
            bucket = call.memo.get(("s3.Bucket", call.params.get("Bucket")))
            if bucket is not None:
                response.headers.append(("x-amz-bucket-region", bucket.region))
        elif call.operation == "HeadBucket" and response.header("content-type") is None:
            response.headers.append(("Content-Type", "application/xml"))
    add_cors_headers(call, response)


SERVICE.after = finish_response
