"""The HTTP server's own cost: a trivial ASGI app, served by uvicorn with the settings Nuvem uses.

`benchmarks/profile_gateway.py` runs it to show how much of Nuvem's server CPU per call is uvicorn
and httptools (parsing, the event loop, socket writes) rather than Nuvem:

    uvicorn --app-dir benchmarks floor_app:app --http httptools --loop asyncio --port 8124
"""
from canned_server import RESPONSES

_BODY = RESPONSES[b"GetCallerIdentity"].split(b"\r\n\r\n", 1)[1]
_HEADERS = [(b"content-type", b"text/xml"), (b"content-length", str(len(_BODY)).encode())]


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
    await send({"type": "http.response.body", "body": _BODY})
