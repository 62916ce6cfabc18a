import itertools
import re

import pytest

_names = itertools.count()


@pytest.fixture
def sqs(nuvem):
    return nuvem.client("sqs")


@pytest.fixture
def qname(request):
    """A queue name unique in the session (tests share one server)."""
    return f"{re.sub(r'[^A-Za-z0-9_-]', '-', request.node.name[:40])}-{next(_names)}"


def advance(server, seconds: float) -> None:
    server.admin("POST", "/_nuvem/clock", {"advance": seconds})


def error(e):
    """(code, HTTP status) of a botocore ClientError."""
    return e.value.response["Error"]["Code"], e.value.response["ResponseMetadata"]["HTTPStatusCode"]
