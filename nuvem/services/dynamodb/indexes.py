"""Secondary indexes: `IndexItem` records kept in step with the table's items, in the write's
transaction.

An item is in an index only when it has the index's key attributes (a sparse index). An index
item holds the projected attributes: the table's and the index's keys (KEYS_ONLY), plus the
listed NonKeyAttributes (INCLUDE), or everything (ALL).
"""
from __future__ import annotations

from nuvem.services.dynamodb import table_stats, values
from nuvem.services.dynamodb.errors import ValidationException
from nuvem.services.dynamodb.models import IndexItem, Item, TableStats


def all_indexes(table) -> list[tuple[dict, bool]]:
    """(index description, is global) for every index of the table, LSIs first."""
    return ([(i, False) for i in table.local_indexes or []]
            + [(i, True) for i in table.global_indexes or []])


def find(table, name: str) -> tuple[dict, bool] | None:
    return next(((i, g) for i, g in all_indexes(table) if i["IndexName"] == name), None)


def key_attrs(index: dict) -> tuple[str, str | None]:
    schema = index["KeySchema"]
    hash_key = next(k["AttributeName"] for k in schema if k["KeyType"] == "HASH")
    range_key = next((k["AttributeName"] for k in schema if k["KeyType"] == "RANGE"), None)
    return hash_key, range_key


SCALAR_KEYS = ("Key attributes must be scalars; list random access '[]' and map lookup '.' are "
               "not allowed")


def check_scalar_keys(table, paths) -> None:
    """Refuse a document path into a key attribute, the table's or an index's (projections,
    filters, update targets)."""
    nested = {p[0] for p in paths if len(p) > 1}
    if not nested:
        return
    for name in values.key_names(table):
        if name in nested:
            raise ValidationException(f"{SCALAR_KEYS}: Key: {name}")
    for index, _ in all_indexes(table):
        for name in key_attrs(index):
            if name in nested:
                raise ValidationException(f"{SCALAR_KEYS}: IndexKey: {name}")


def projected_names(table, index: dict) -> set[str] | None:
    """The attribute names an index holds; None means all of them (ProjectionType ALL)."""
    projection = index.get("Projection") or {}
    kind = projection.get("ProjectionType", "ALL")
    if kind == "ALL":
        return None
    names = set(values.key_names(table)) | {n for n in key_attrs(index) if n}
    if kind == "INCLUDE":
        names |= set(projection.get("NonKeyAttributes") or [])
    return names


def not_held(paths, held: set[str]) -> list[str]:
    """The top-level names of `paths` not in `held`, each once, in the order written."""
    return list(dict.fromkeys(p[0] for p in paths if p and p[0] not in held))


def check_filter_held(table, index: dict, paths) -> None:
    """A read of an index filters only on attributes it holds (an LSI too, although it reads
    the rest from the table when asked to)."""
    held = projected_names(table, index)
    missing = [] if held is None else not_held(paths, held)
    if missing:
        raise ValidationException(f"One or more parameter values were invalid: Secondary index "
                                  f"{index['IndexName']} does not project one or more filter "
                                  f"attributes: [{', '.join(missing)}]")


def project(table, index: dict, attrs: dict) -> dict:
    names = projected_names(table, index)
    return dict(attrs) if names is None else {k: v for k, v in attrs.items() if k in names}


def _key_values(table, attrs: dict):
    """(index, position, name, value) of each index key attribute the item has, the indexes by
    name: of two indexes an attribute keys, AWS's complaints name the first by name."""
    for index, _ in sorted(all_indexes(table), key=lambda pair: pair[0]["IndexName"]):
        for position, name in enumerate(key_attrs(index)):
            if name is not None and name in attrs:
                yield index, position, name, attrs[name]


def _empty_key(index: dict, name: str, kind: str) -> ValidationException:
    return ValidationException(
        "One or more parameter values are not valid. A value specified for a secondary index "
        "key is not supported. The AttributeValue for a key attribute cannot contain an empty "
        f"{'string' if kind == 'S' else 'binary'} value. IndexName: {index['IndexName']}, "
        f"IndexKey: {name}")


def check_no_empty_keys(table, attrs: dict, *, by_update_expression: bool = False) -> None:
    """Refuse an empty string or binary as an index key value: a transaction fails the whole
    request over it (`by_update_expression`: in AWS's words for an Update action), where an
    index key of another type only cancels the transaction."""
    for index, _, name, value in _key_values(table, attrs):
        kind = next(iter(value))
        if kind != table.attribute_type(name) or kind not in ("S", "B") or len(value[kind]):
            continue
        if by_update_expression:
            raise ValidationException(
                "One or more parameter values are not valid. The update expression attempted to "
                "update a secondary index key to a value that is not supported. The "
                "AttributeValue for a key attribute cannot contain an empty "
                f"{'string' if kind == 'S' else 'binary'} value.")
        raise _empty_key(index, name, kind)


def check_item(table, attrs: dict, by_update_expression: bool = False,
               given: frozenset[str] = frozenset()) -> None:
    """Refuse an item whose index key attributes have the wrong type, are empty or too big
    (DynamoDB checks them on every write, also for an index still backfilling). `given`: the
    attributes an update expression sets to a value as given, whose type is refused as a put's."""
    for index, position, name, value in _key_values(table, attrs):
        expected = table.attribute_type(name)
        actual = next(iter(value))
        if actual != expected and by_update_expression and name not in given:
            raise ValidationException("The update expression attempted to update the "
                                      "secondary index key to unsupported type")
        if actual != expected:
            raise ValidationException(
                "One or more parameter values were invalid: Type mismatch for Index Key "
                f"{name} Expected: {expected} Actual: {actual} IndexName: {index['IndexName']}")
        if actual not in ("S", "B"):
            continue
        if len(value[actual]) == 0:
            raise _empty_key(index, name, actual)
        problem = values.key_size_problem(actual, value[actual], position == 0)
        if problem is not None and by_update_expression:
            raise ValidationException("The update expression attempted to update the "
                                      "secondary index key beyond allowed size limits")
        if problem is not None:
            raise ValidationException(problem)


def entry(table, index: dict, pk: bytes, sk: bytes, attrs: dict | None) -> IndexItem | None:
    """The index's record for an item, or None when the item is not in the index."""
    if attrs is None:
        return None
    hash_key, range_key = key_attrs(index)
    if hash_key not in attrs or (range_key and range_key not in attrs):
        return None
    for position, name in enumerate((hash_key, range_key)):
        # only a backfill meets a key of the wrong type, empty or too big (writes refuse
        # them): such items stay out
        if name and not _indexable(attrs[name], table.attribute_type(name), position == 0):
            return None
    ipk = values.key_bytes(attrs[hash_key])
    isk = values.key_bytes(attrs[range_key]) if range_key else b""
    projected = project(table, index, attrs)
    return IndexItem(account=table.account, region=table.region, table_id=table.id,
                     index=index["IndexName"], ipk=ipk, isk=isk, pk=pk, sk=sk,
                     attrs=projected, size=values.item_size(projected))


def _indexable(value: dict, expected: str, is_hash: bool) -> bool:
    (kind, raw), = value.items()
    return kind == expected and (kind == "N" or (
        len(raw) > 0 and values.key_size_problem(kind, raw, is_hash) is None))


def update(ctx, table, pk: bytes, sk: bytes, old: dict | None, new: dict | None,
           stats: TableStats) -> dict[str, tuple[bool, float]]:
    """Rewrite the item's index records; returns {index: (is global, write units)} for the
    indexes the write touched (ConsumedCapacity with INDEXES)."""
    touched = {}
    for index, is_global in all_indexes(table):
        before = entry(table, index, pk, sk, old)
        after = entry(table, index, pk, sk, new)
        if before is None and after is None:
            continue
        if before is not None and after is not None and before.attrs == after.attrs and \
                (before.ipk, before.isk) == (after.ipk, after.isk):
            continue    # the index holds the same entry: DynamoDB charges it no write
        name = index["IndexName"]
        counts = stats.indexes.setdefault(name, [0, 0])
        units = 0.0
        if before is not None:
            counts[0] -= 1
            counts[1] -= before.size
            if after is None or (before.ipk, before.isk) != (after.ipk, after.isk):
                ctx.store.delete(before)
                units += values.write_units(before.size)
        if after is not None:
            counts[0] += 1
            counts[1] += after.size
            ctx.store.put(after)
            units += values.write_units(after.size)
        touched[name] = (is_global, units)
    return touched


def backfill(ctx, table, index: dict) -> None:
    """Fill a new GSI from the table's items (UpdateTable's Create)."""
    stats = table_stats.stored(ctx, table) or TableStats(
        account=table.account, region=table.region, table_id=table.id)
    counts = stats.indexes.setdefault(index["IndexName"], [0, 0])
    for item in ctx.store.query(Item, account=table.account, region=table.region,
                                prefix=(table.id,)):
        record = entry(table, index, item.pk, item.sk, item.attrs)
        if record is None:
            continue
        ctx.store.put(record)
        counts[0] += 1
        counts[1] += record.size
    ctx.store.put(stats)


def drop(ctx, table, index_name: str) -> None:
    """Delete an index's records (UpdateTable's Delete)."""
    keys = [(r.ipk, r.isk, r.pk, r.sk) for r in ctx.store.query(
        IndexItem, account=table.account, region=table.region, prefix=(table.id, index_name),
        fields=("ipk", "isk", "pk", "sk"))]
    for key in keys:
        ctx.store.delete(IndexItem, table.account, table.region, table.id, index_name, *key)
    stats = table_stats.stored(ctx, table)
    if stats is not None and stats.indexes.pop(index_name, None) is not None:
        ctx.store.put(stats)
    book = table_stats.ledger(ctx.runtime)
    ctx.store.on_commit(lambda: book.forget((table.account, table.region, table.id),
                                            index_name))
