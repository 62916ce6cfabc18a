"""Time to live: UpdateTimeToLive, DescribeTimeToLive and the expiry sweep.

Items of a table with TTL on that hold a Number in its TTL attribute have a `TtlEntry` keyed by
their expiry first (epoch seconds), kept in step by every write (`track`, from
streams.record_change, in the write's transaction) and filled for existing items when TTL is
turned on. The sweep (services.PERIODIC "dynamodb.ttl", every minute) reads only the entries that
are due, so it costs one empty range read when nothing expires. Entries are checked against the
item before it is deleted; stale ones are dropped (turning TTL off and DeleteTable drop a table's
entries at once, through their table_id index).
Deletions go through items.store_item as service deletions, so streams show them with
userIdentity dynamodb.amazonaws.com.
"""
from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from nuvem.context import Call
from nuvem.services.dynamodb import SERVICE
from nuvem.services.dynamodb.errors import ValidationException
from nuvem.services.dynamodb.models import Item, Table, TtlEntry
from nuvem.services.dynamodb.tables_validation import check_table_name_present, constraint_errors

log = logging.getLogger("nuvem.dynamodb")

CHANGE_INTERVAL = timedelta(hours=1)
# DynamoDB leaves alone items whose TTL value is more than five years in the past.
TOO_OLD = 5 * 365 * 86400
BATCH = 100


def expiry(attrs: dict | None, name: str | None) -> int | None:
    """The epoch second an item expires at, or None (no TTL attribute, or not a Number)."""
    if not attrs or not name:
        return None
    value = attrs.get(name)
    if not isinstance(value, dict) or "N" not in value:
        return None
    try:
        seconds = int(Decimal(value["N"]).to_integral_value(rounding="ROUND_FLOOR"))
    except (InvalidOperation, ValueError):
        return None
    return seconds if -(1 << 62) < seconds < (1 << 62) else None


def _entry(table: Table, pk: bytes, sk: bytes, expires: int) -> TtlEntry:
    return TtlEntry(expires=expires, account=table.account, region=table.region,
                    table_id=table.id, pk=pk, sk=sk, table=table.name)


def track(ctx, table: Table, old: dict | None, new: dict | None) -> None:
    """Keeps the item's TtlEntry in step with a write (old/new: attributes before and after)."""
    if table.ttl_status != "ENABLED" or not table.ttl_attribute:
        return
    before, after = expiry(old, table.ttl_attribute), expiry(new, table.ttl_attribute)
    if before == after:
        return
    from nuvem.services.dynamodb import values
    pk, sk = values.item_key(table, new if new is not None else old)
    if before is not None:
        ctx.store.delete(TtlEntry, before, table.account, table.region, table.id, pk, sk)
    if after is not None:
        ctx.store.put(_entry(table, pk, sk, after))


def forget(ctx, table: Table) -> None:
    """Drops a table's entries (TTL turned off, table deleted)."""
    for entry in list(ctx.store.query(TtlEntry, index=("table_id", table.id))):
        ctx.store.delete(entry)


def _backfill(ctx, table: Table) -> None:
    """Entries for the items already in a table when TTL is turned on."""
    for item in ctx.store.query(Item, account=table.account, region=table.region,
                                prefix=(table.id,)):
        expires = expiry(item.attrs, table.ttl_attribute)
        if expires is not None:
            ctx.store.put(_entry(table, item.pk, item.sk, expires))


def _description(table: Table) -> dict:
    out = {"TimeToLiveStatus": table.ttl_status}
    if table.ttl_status == "ENABLED" and table.ttl_attribute:
        out["AttributeName"] = table.ttl_attribute
    return out


@SERVICE.op("DescribeTimeToLive")
def describe_time_to_live(ctx: Call, req: dict) -> dict:
    from nuvem.services.dynamodb.tables import find
    check_table_name_present(req)
    return {"TimeToLiveDescription": _description(find(ctx, req["TableName"]))}


@SERVICE.op("UpdateTimeToLive")
def update_time_to_live(ctx: Call, req: dict) -> dict:
    from nuvem.services.dynamodb.tables import find
    check_table_name_present(req)
    spec = req.get("TimeToLiveSpecification")
    if spec is None:
        raise constraint_errors(["Value null at 'timeToLiveSpecification' failed to satisfy "
                                 "constraint: Member must not be null"])
    enabled, name = spec["Enabled"], spec["AttributeName"]
    if not name:    # DynamoDB's words, not the validator's (the model overlay leaves it to us)
        raise ValidationException("TimeToLiveSpecification.AttributeName must be non empty")
    table = find(ctx, req["TableName"])
    active = table.ttl_status == "ENABLED"
    if active and table.ttl_attribute != name:      # to enable anew or to disable alike
        raise ValidationException("TimeToLive is active on a different AttributeName: current "
                                  f"AttributeName is {table.ttl_attribute}")
    if enabled and active:
        raise ValidationException("TimeToLive is already enabled")
    if not enabled and not active:
        raise ValidationException("TimeToLive is already disabled")
    if table.ttl_changed is not None and ctx.now - table.ttl_changed < CHANGE_INTERVAL:
        raise ValidationException("Time to live has been modified multiple times within a fixed "
                                  "interval")
    table.ttl_changed = ctx.now
    if enabled:
        table.ttl_status, table.ttl_attribute = "ENABLED", name
        _backfill(ctx, table)
    else:
        table.ttl_status, table.ttl_attribute = "DISABLED", None
        forget(ctx, table)
    ctx.store.put(table)
    return {"TimeToLiveSpecification": {"Enabled": bool(enabled), "AttributeName": name}}


# -- the sweep -----------------------------------------------------------------------------------
def sweep(runtime) -> int:
    """Deletes the items whose TTL value is in the past (runtime clock), then trims the streams'
    records older than 24 hours. Returns how many items it deleted."""
    from nuvem.services.dynamodb import items, streams
    deleted = 0
    now = int(runtime.clock.now().timestamp())
    while True:
        with runtime.store.read() as read:
            due = list(read.query(TtlEntry, lt=(now,), limit=BATCH))
        if not due:
            break
        for entry in due:
            try:
                with runtime.store.tx() as tx:
                    deleted += _expire(runtime, tx, entry, now, items)
            except Exception:
                log.exception("TTL deletion of an item of table %s failed", entry.table)
                with runtime.store.tx() as tx:       # never retry it forever
                    tx.delete(entry)
        if len(due) < BATCH:
            break
    try:
        streams.trim(runtime)
    except Exception:
        log.exception("trimming DynamoDB stream records failed")
    return deleted


def _expire(runtime, tx, entry: TtlEntry, now: int, items) -> int:
    if tx.get(TtlEntry, entry.expires, entry.account, entry.region, entry.table_id, entry.pk,
              entry.sk) is None:
        return 0                                         # a write got there first
    table = tx.get(Table, entry.account, entry.region, entry.table)
    item = tx.get(Item, entry.account, entry.region, entry.table_id, entry.pk, entry.sk)
    live = (table is not None and table.id == entry.table_id and table.ttl_status == "ENABLED"
            and item is not None and expiry(item.attrs, table.ttl_attribute) == entry.expires)
    if not live or entry.expires < now - TOO_OLD:
        tx.delete(entry)
        return 0
    call = Call.by_service(runtime, tx, "dynamodb", "TimeToLiveSweep", account=entry.account,
                           region=entry.region)
    items.store_item(call, table, entry.pk, entry.sk, item, None, service_delete=True)
    tx.delete(entry)          # store_item's track already did, unless TTL was toggled meanwhile
    return 1
