"""Response compression, as DynamoDB does it: an answer of 4 KiB or more goes out gzip- or
deflate-compressed when the request's Accept-Encoding takes one of them, and its x-amz-crc32 is
then the CRC32 of the compressed bytes.

The choice follows DynamoDB's answers recorded by ScyllaDB's Alternator suite
(test_compressed_response.py, run against DynamoDB): the highest quality wins, a coding named
outright beats one only `*` accepts, then the first named, then gzip; a quality over 1 counts as
1, one that is no number as 1, one of 0 or less refuses the coding; only an entry's first `q`
counts, and a coding named twice keeps its best quality. The CRC covers the compressed body (the
SDK teams' account: smithy-rs issue 129, "The CRC is computed on the response after the
response is gziped").
"""
from __future__ import annotations

import gzip
import zlib

from nuvem.context import Call
from nuvem.protocol.wire import HttpResponse

THRESHOLD = 4096          # bytes of an answer before DynamoDB compresses it
_CODINGS = ("gzip", "deflate")   # in the order DynamoDB prefers them on a tie
_COMPRESS = {"gzip": lambda body: gzip.compress(body, mtime=0), "deflate": zlib.compress}


def compress_response(call: Call, response: HttpResponse) -> None:
    accept = call.request.headers.get("accept-encoding")
    if (accept is None or accept == "identity" or not isinstance(response.body, bytes)
            or len(response.body) < THRESHOLD):
        return
    coding = chosen_coding(accept)
    if coding is None:
        return
    body = _COMPRESS[coding](response.body)
    response.body = body
    response.headers = [(name, value) for name, value in response.headers
                        if name.lower() != "x-amz-crc32"]
    response.headers += [("Content-Encoding", coding), ("x-amz-crc32", str(zlib.crc32(body)))]


def chosen_coding(accept: str) -> str | None:
    """The coding an Accept-Encoding value takes DynamoDB to answer in, or None."""
    named: dict[str, tuple[float, int]] = {}    # coding -> (best quality, first place)
    anything = None                             # the quality `*` gives
    for place, entry in enumerate(accept.split(",")):
        name, *params = entry.split(";")
        name = name.strip().lower()
        quality = next((_quality(value) for key, _, value in (p.partition("=") for p in params)
                        if key.strip() == "q"), 1.0)
        if name == "*":
            anything = quality if anything is None else max(anything, quality)
        elif name in _CODINGS:
            best, first = named.get(name, (quality, place))
            named[name] = (max(best, quality), first)
    ranked = []
    for order, coding in enumerate(_CODINGS):
        if coding in named:
            quality, place = named[coding]
            ranked.append((-quality, 0, place, order, coding))
        elif anything is not None:
            ranked.append((-anything, 1, 0, order, coding))
    ranked = [rank for rank in ranked if rank[0] < 0]
    return min(ranked)[-1] if ranked else None


def _quality(text: str) -> float:
    try:
        quality = float(text.strip())
    except ValueError:
        return 1.0
    return min(quality, 1.0) if quality == quality else 1.0   # NaN counts as no number
