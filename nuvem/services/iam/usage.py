"""Last-used tracking of access keys and roles (AccessKeyLastUsed, RoleLastUsed).

Authentication tells the runtime which key a call used; `note(tracker, call)` turns that into a
use of an IAM user's access key (time, service, Region) or of the role behind an assumed-role
session (time, Region), kept by the runtime's `nuvem.core.usage.UsageTracker` and written by
`write` at most once per key per minute. Handlers answer `key_last_used`/`role_last_used`, which
prefer the newest use kept in memory to the durable record, so a call is visible at once while
the records lag by up to a minute (AWS documents its own data as approximate).

Keys: ("key", access key id) and ("role", account, role key, RoleId): a role deleted and created
again under the same name has a new RoleId, so it never inherits the old role's use.
"""
from __future__ import annotations

from datetime import datetime

from nuvem.services.iam.models import AccessKey, Role


def note(tracker, call) -> None:
    principal, access_key = call.principal, call.access_key
    if principal is None or not access_key:
        return
    when = call.received_at
    if principal.kind == "user" and access_key.startswith("AKIA"):
        tracker.record(("key", access_key), (when, call.service, call.region))
    elif principal.kind == "assumed-role" and principal.entity_arn:
        role_id = principal.user_id.split(":", 1)[0]
        name = principal.entity_arn.rsplit("/", 1)[-1]
        tracker.record(("role", principal.account, name.lower(), role_id), (when, call.region))


def write(tx, key, use) -> None:
    """Store `use` on its record, inside the tracker's transaction (the record may be gone)."""
    if key[0] == "key":
        record = tx.get(AccessKey, key[1])
        if record is None:
            return
        record.LastUsedDate, record.LastUsedService, record.LastUsedRegion = use
    else:
        _, account, role_key, role_id = key
        record = tx.get(Role, account, role_key)
        if record is None or record.RoleId != role_id:
            return
        record.LastUsedDate, record.LastUsedRegion = use
    tx.put(record)


def key_last_used(ctx, key: AccessKey) -> tuple[datetime | None, str | None, str | None]:
    """(LastUsedDate, ServiceName, Region) of an access key, None for what never happened."""
    use = ctx.runtime.usage.latest(("key", key.AccessKeyId))
    return use if use is not None else (key.LastUsedDate, key.LastUsedService, key.LastUsedRegion)


def role_last_used(ctx, role: Role) -> dict:
    """RoleLastUsed: {} for a role never used, else LastUsedDate and Region."""
    use = ctx.runtime.usage.latest(("role", role.account, role.key, role.RoleId))
    when, region = use if use is not None else (role.LastUsedDate, role.LastUsedRegion)
    return {k: v for k, v in (("LastUsedDate", when), ("Region", region)) if v is not None}
