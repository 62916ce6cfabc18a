"""The narrow view of STS that authentication and authorization read (never the records)."""
from __future__ import annotations

from nuvem.services.sts.models import Session


def session(view, access_key_id: str) -> Session | None:
    """The temporary credentials of an `ASIA...` key, or None."""
    return view.get(Session, access_key_id)
