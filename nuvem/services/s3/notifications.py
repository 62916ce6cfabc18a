"""Event notifications (filled in with the notification family)."""
from __future__ import annotations


def notify(ctx, bucket, event_name: str, obj) -> None:
    return None
