"""HTTP request and response as the codec sees them, independent of the ASGI server."""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import BinaryIO, Iterable, Iterator
from urllib.parse import parse_qsl


class Headers:
    """Case-insensitive, order-keeping HTTP headers. Repeated headers join with ', ' on `get`."""

    __slots__ = ("_items", "_index")

    def __init__(self, items: Iterable[tuple[str, str]] = ()):
        self._items: list[tuple[str, str]] = []
        self._index: dict[str, list[str]] = {}
        for name, value in items:
            self.add(name, value)

    @classmethod
    def lowered(cls, items: list[tuple[str, str]]) -> "Headers":
        """From pairs whose names are lower-case already (the server's: uvicorn lowers them)."""
        headers = cls.__new__(cls)
        headers._items, index = items, {}
        for name, value in items:
            found = index.get(name)
            if found is None:
                index[name] = [value]
            else:
                found.append(value)
        headers._index = index
        return headers

    def add(self, name: str, value: str) -> None:
        self._items.append((name, value))
        self._index.setdefault(name.lower(), []).append(value)

    def get(self, name: str, default: str | None = None) -> str | None:
        values = self._index.get(name) or self._index.get(name.lower())
        if values is None:
            return default
        return values[0] if len(values) == 1 else ", ".join(values)

    def get_all(self, name: str) -> list[str]:
        return list(self._index.get(name.lower(), ()))

    def __contains__(self, name: str) -> bool:
        return name.lower() in self._index

    def __getitem__(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def items(self) -> list[tuple[str, str]]:
        return list(self._items)

    def keys_lower(self) -> Iterable[str]:
        return self._index.keys()

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"


@dataclass
class HttpRequest:
    method: str
    path: str                      # raw path as sent (still percent-encoded), without the query
    query: str = ""                # raw query string, without '?'
    headers: Headers = field(default_factory=Headers)
    body: BinaryIO = field(default_factory=io.BytesIO)   # spooled by the server; read() it
    scheme: str = "http"
    client_ip: str = "127.0.0.1"
    _body_bytes: bytes | None = field(default=None, repr=False)
    _query_list: list[tuple[str, str]] | None = field(default=None, repr=False)
    form_cache: dict[str, str] | None = field(default=None, repr=False)   # routing's form params
    # A signed hex SHA-256 of a streamed body that its reader must check at the end (S3 uploads)
    payload_sha256: str | None = field(default=None, repr=False)
    # The body is still arriving while the call runs (the server's BodyPipe)
    streamed: bool = False

    @classmethod
    def build(cls, method: str, url_path: str, headers: Iterable[tuple[str, str]] | dict = (),
              body: bytes = b"", **kw) -> "HttpRequest":
        """Convenience for tests and the internal client: `url_path` may carry `?query`."""
        path, _, query = url_path.partition("?")
        items = headers.items() if isinstance(headers, dict) else headers
        return cls(method=method, path=path, query=query, headers=Headers(items),
                   body=io.BytesIO(body), **kw)

    def body_bytes(self) -> bytes:
        """The whole body, read once. Only for bodies that are parsed, never for streamed payloads."""
        if self._body_bytes is None:
            self.body.seek(0)
            self._body_bytes = self.body.read()
        return self._body_bytes

    def body_longer_than(self, limit: int) -> bool:
        """Whether the body is over `limit` bytes: by its Content-Length, unread, if it has one;
        else by reading at most one byte past `limit` (a shorter body is then `body_bytes`)."""
        declared = self.headers.get("content-length")
        if declared is not None and declared.isdigit():
            return int(declared) > limit
        if self._body_bytes is None:
            self.body.seek(0)
            data = self.body.read(limit + 1)
            if len(data) > limit:
                return True
            self._body_bytes = data
        return len(self._body_bytes) > limit

    def query_list(self) -> list[tuple[str, str]]:
        """Decoded query parameters in order; a key without '=' has the value ''."""
        if self._query_list is None:
            self._query_list = parse_qsl(self.query, keep_blank_values=True) if self.query else []
        return self._query_list

    @property
    def host(self) -> str:
        return self.headers.get("host", "") or ""


@dataclass
class HttpResponse:
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | Iterable[bytes] = b""   # bytes, or an iterable of chunks for streamed payloads

    def header(self, name: str) -> str | None:
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return None
