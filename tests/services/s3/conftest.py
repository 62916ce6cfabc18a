import itertools

import pytest

_names = itertools.count()


@pytest.fixture
def s3(nuvem):
    return nuvem.client("s3")


@pytest.fixture
def bucket(s3, request):
    """A fresh bucket per test (the server is shared by the session)."""
    name = f"t-{request.node.name[:30].lower().replace('_', '-').strip('-')}-{next(_names)}"
    name = "".join(c for c in name if c.isalnum() or c == "-")[:63].rstrip("-")
    s3.create_bucket(Bucket=name)
    return name
