"""A table's counts (DescribeTable's ItemCount and TableSizeBytes, and each index's), exact at
every read without a stored write per item write.

An item write changes its table's counts. Adding that change to the stored TableStats in the
write's transaction cost a tenth of a PutItem (one more statement, one more page to commit), so
writes add it, once committed, to this process's `Ledger` instead, and readers add the ledger's
pending change to what is stored. The scheduler stores the pending changes every few seconds
(`flush`), and the runtime once more at a clean stop.

A crash (kill -9) loses the pending changes, never the items. So the first write to a table
after each flush stores its change directly, in its own transaction, with `unflushed` set to
this process's token; the flush that stores the rest sets it back to 0. A TableStats found
with another process's token is left from a process that stopped before its flush: its table
is counted again from its items and index records (`recount`), by the first read or write that
touches it.

The ledger is touched only while the store's write lock is held (in a call's transaction, or
in the commit callbacks that run under it), so a reader never sees a change twice or not at
all.
"""
from __future__ import annotations

import secrets

from nuvem.services.dynamodb.models import IndexItem, Item, Table, TableStats

FLUSH_EVERY = 5.0          # seconds


class Ledger:
    def __init__(self) -> None:
        self.token = secrets.randbits(62) + 1            # this process's `unflushed` mark
        self.pending: dict[tuple, TableStats] = {}   # committed changes not yet stored
        self.marked: set[tuple] = set()              # stored with our token since the flush

    def merge(self, key: tuple, change: TableStats) -> None:
        total = self.pending.get(key)
        if total is None:
            self.pending[key] = change
        else:
            add(total, change)

    def forget(self, key: tuple, index: str | None = None) -> None:
        """A table (or one of its indexes) is gone: nothing of it is left to store."""
        if index is None:
            self.pending.pop(key, None)
            self.marked.discard(key)
        elif key in self.pending:
            self.pending[key].indexes.pop(index, None)


def ledger(runtime) -> Ledger:
    """The runtime's ledger, made by the first DynamoDB write or read of counts (under the
    store's write lock), with its flushes scheduled then: a Nuvem that never serves DynamoDB
    runs none."""
    found = runtime.caches.get("dynamodb.stats")
    if found is None:
        found = runtime.caches["dynamodb.stats"] = Ledger()
        if "dynamodb.stats" not in runtime.at_stop:      # a reset drops only the ledger
            runtime.at_stop["dynamodb.stats"] = lambda: flush(runtime)
            runtime.scheduler.every(FLUSH_EVERY, lambda: flush(runtime), coalesce=True)
    return found


def change(table: Table) -> TableStats:
    """A TableStats of zeros, in which writes count what they change (`save` adds it)."""
    return TableStats(account=table.account, region=table.region, table_id=table.id)


def save(ctx, change: TableStats) -> None:
    """Count a write's change (made already): in the ledger once the write commits, or stored
    with it, under this process's mark, when it is the table's first since the last flush."""
    book = ledger(ctx.runtime)
    key = (change.account, change.region, change.table_id)
    if key in book.marked:
        ctx.store.on_commit(lambda: book.merge(key, change))
        return
    stats, recounted = _stored(ctx.store, book, key, mark=book.token)
    if not recounted:               # else the recount has this write's change in it already
        counts = {("items",): change.items, ("size",): change.size,
                  ("unflushed",): book.token - (stats.unflushed if stats else 0)}
        for name, (items, size) in change.indexes.items():
            counts["indexes", name, 0] = items
            counts["indexes", name, 1] = size
        ctx.store.add(TableStats, *key, counts=counts)
    ctx.store.on_commit(lambda: book.marked.add(key))


def stored(ctx, table: Table) -> TableStats | None:
    """The table's stored counts, without the ledger's pending change (for a change made by
    reading and putting them back: an index's backfill)."""
    key = (table.account, table.region, table.id)
    return _stored(ctx.store, ledger(ctx.runtime), key, mark=0)[0]


def _stored(store, book: Ledger, key: tuple, mark: int) -> tuple[TableStats | None, bool]:
    """The stored counts, and whether they were counted again (and stored, with `unflushed`
    = `mark`) because another process left them unflushed."""
    stats = store.get(TableStats, *key)
    if stats is None or stats.unflushed in (0, book.token):
        return stats, False
    stats = recount(store, *key)
    stats.unflushed = mark
    store.put(stats)
    return stats, True


def read(ctx, table: Table) -> TableStats | None:
    """The table's counts as of now: the stored ones plus the ledger's pending change."""
    stats = stored(ctx, table)
    pending = ledger(ctx.runtime).pending.get((table.account, table.region, table.id))
    if stats is not None and pending is not None:
        add(stats, pending)
    return stats


def add(stats: TableStats, change: TableStats) -> None:
    stats.items += change.items
    stats.size += change.size
    for name, (items, size) in change.indexes.items():
        counts = stats.indexes.setdefault(name, [0, 0])
        counts[0] += items
        counts[1] += size


def recount(store, account: str, region: str, table_id: str) -> TableStats:
    stats = TableStats(account=account, region=region, table_id=table_id)
    for item in store.query(Item, account=account, region=region, prefix=(table_id,),
                            fields=("size",)):
        stats.items += 1
        stats.size += item.size
    for entry in store.query(IndexItem, account=account, region=region, prefix=(table_id,),
                             fields=("index", "size")):
        counts = stats.indexes.setdefault(entry.index, [0, 0])
        counts[0] += 1
        counts[1] += entry.size
    return stats


def flush(runtime) -> None:
    """Store the pending changes (the scheduler's job, and the runtime's at stop)."""
    book = runtime.caches.get("dynamodb.stats")      # made only under the write lock
    if book is None or not (book.pending or book.marked):
        return
    with runtime.store.tx() as tx:
        flushed = set(book.marked) | set(book.pending)
        for key in flushed:
            stats = tx.get(TableStats, *key)
            if stats is None:         # its table is gone
                continue
            if key in book.pending:
                add(stats, book.pending[key])
            stats.unflushed = 0
            tx.put(stats)

        def done() -> None:
            for key in flushed:
                book.pending.pop(key, None)
                book.marked.discard(key)
        tx.on_commit(done)
