import itertools

import pytest

_counter = itertools.count()


@pytest.fixture
def iam(nuvem):
    return nuvem.client("iam")


@pytest.fixture
def name():
    """A fresh name per call, so tests sharing one server never collide."""
    return lambda prefix="n": f"{prefix}{next(_counter)}x"
