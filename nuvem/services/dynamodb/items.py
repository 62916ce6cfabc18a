"""Single-item operations: PutItem, GetItem, UpdateItem, DeleteItem; and `store_item`, the one
way any writer (these, batches, transactions, the TTL sweep, restores) changes an item."""
from __future__ import annotations

import math

from nuvem.protocol.serializers import EncodedJson
from nuvem.services.dynamodb import SERVICE, indexes, streams, table_stats, values
from nuvem.services.dynamodb.errors import (ConditionalCheckFailedException,
                                            ResourceNotFoundException, ValidationException)
from nuvem.services.dynamodb.models import IndexItem, Item, Table, TableStats, stored_attrs
from nuvem.services.dynamodb.tables import lookup
from nuvem.services.dynamodb.tables_validation import check_table_name_given

_EXPRESSION_PARAMS = frozenset((
    "ConditionExpression", "UpdateExpression", "ProjectionExpression", "ExpressionAttributeNames",
    "ExpressionAttributeValues", "Expected", "AttributeUpdates", "AttributesToGet",
    "KeyConditionExpression", "FilterExpression", "KeyConditions", "QueryFilter", "ScanFilter",
    "ConditionalOperator"))


# -- tables --------------------------------------------------------------------------------------
def find_table(ctx, name_or_arn: str) -> Table:
    """The table a data-plane call names (by name or ARN); ResourceNotFoundException while it
    does not exist or is still being created (AWS answers the same). Shared: never change it."""
    table = lookup(ctx, name_or_arn, whole_arn=False, shared=True)
    if table is None or table.status in ("CREATING", "DELETING"):
        raise ResourceNotFoundException()
    return table


def table_of(ctx, req: dict) -> Table:
    """`find_table` of the request's own TableName. A name no table can have (CreateTable
    refuses it) gets the validator's complaint instead, as AWS checks the name first."""
    name = req["TableName"]
    try:
        return find_table(ctx, name)
    except ResourceNotFoundException:
        check_table_name_given(name)
        raise


# -- writing -------------------------------------------------------------------------------------
def store_item(ctx, table: Table, pk: bytes, sk: bytes, old: Item | None,
               new_attrs: dict | None, *, service_delete: bool = False,
               size: int | None = None, stats: TableStats | None = None,
               stored: bool = False) -> dict:
    """Write (new_attrs) or delete (None) one item: the Item record, its index records, the
    table's counts and the stream record. Returns {index: (is global, write units)} of the
    indexes it changed, for ConsumedCapacity. `stats`: a caller's `table_stats.change` for many
    items, which it saves once. `stored`: the new Item record is in the store already
    (`put_item_record`)."""
    own_stats = stats is None
    if own_stats:
        stats = table_stats.change(table)
    if old is not None:
        stats.items -= 1
        stats.size -= old.size
    if new_attrs is None:
        if old is not None:
            ctx.store.delete(old)
    else:
        if size is None:
            size = values.item_size(new_attrs)
        if not stored:
            ctx.store.put(Item(account=table.account, region=table.region, table_id=table.id,
                               pk=pk, sk=sk, attrs=new_attrs, size=size))
        stats.items += 1
        stats.size += size
    touched = indexes.update(ctx, table, pk, sk, old.attrs if old else None, new_attrs, stats)
    if own_stats:
        table_stats.save(ctx, stats)
    streams.record_change(ctx, table, old.attrs if old else None, new_attrs,
                          service_delete=service_delete)
    return touched


def get_item_record(ctx, table: Table, pk: bytes, sk: bytes) -> Item | None:
    return ctx.store.get(Item, table.account, table.region, table.id, pk, sk)


def put_item_record(ctx, table: Table, pk: bytes, sk: bytes, attrs: dict, size: int,
                    stats: TableStats | None = None) -> tuple[Item | None, dict]:
    """`store_item` for a put that nothing before it reads the replaced item for (no
    condition, no ReturnValues): tried as an insert first, so a new key, the usual put, costs
    no read. Returns the item it replaced and the indexes it touched."""
    if ctx.store.insert(Item(account=table.account, region=table.region, table_id=table.id,
                             pk=pk, sk=sk, attrs=attrs, size=size)):
        return None, store_item(ctx, table, pk, sk, None, attrs, size=size, stats=stats,
                                stored=True)
    old = get_item_record(ctx, table, pk, sk)
    return old, store_item(ctx, table, pk, sk, old, attrs, size=size, stats=stats)


# -- expressions (the expression helper's modules, imported when a request uses them) -----------
def uses_expressions(req: dict) -> bool:
    return not _EXPRESSION_PARAMS.isdisjoint(req) and \
        any(req.get(p) is not None for p in _EXPRESSION_PARAMS)


def expressions(req: dict, operation: str, value_levels: int = values.MAX_DEPTH):
    """The request's Expressions parser, after the legacy/expression mixing check; None when
    the request has neither."""
    return parser(req, value_levels) if mixing_checked(req, operation) else None


def mixing_checked(req: dict, operation: str) -> bool:
    """Whether the request has expression or legacy parameters, which do not mix (checked)."""
    if not uses_expressions(req):
        return False
    from nuvem.services.dynamodb import legacy
    legacy.check_no_mix(req, operation)
    return True


def key_and_expressions(req: dict, operation: str):
    """`values.key_values` of the request's Key and its `expressions`, checked in DynamoDB's
    order: the mixing check, the Key's values, the expression attribute names and values. The
    Key meets the table's schema (`values.match_key`) once the expressions are parsed."""
    uses = mixing_checked(req, operation)
    key = values.key_values(req.get("Key"))
    return key, parser(req) if uses else None


def parser(req: dict, value_levels: int = values.MAX_DEPTH):
    """The request's Expressions: its expression attribute names and values, checked (values
    nested at most `value_levels` levels)."""
    from nuvem.services.dynamodb.expressions import Expressions
    return Expressions(req.get("ExpressionAttributeNames"), req.get("ExpressionAttributeValues"),
                       value_levels)


def condition(req: dict, ex):
    """The write condition: ConditionExpression or Expected (+ ConditionalOperator)."""
    if ex is None:
        return None
    if req.get("ConditionExpression") is not None:
        return ex.condition(req["ConditionExpression"], "ConditionExpression")
    if req.get("Expected"):
        from nuvem.services.dynamodb import legacy
        return legacy.condition_from_expected(req["Expected"], req.get("ConditionalOperator"))
    return None


def projection(req: dict, ex):
    """ProjectionExpression or AttributesToGet, parsed, or None for the whole item (its paths
    into key attributes are refused by `check_projection_keys` once the table is known)."""
    if ex is None:
        return None
    if req.get("ProjectionExpression") is not None:
        return ex.projection(req["ProjectionExpression"])
    if req.get("AttributesToGet"):
        from nuvem.services.dynamodb import legacy
        return legacy.projection_from_attributes_to_get(req["AttributesToGet"])
    return None


def check_projection_keys(table: Table, proj) -> None:
    if proj is not None:
        indexes.check_scalar_keys(table, proj.paths)


def check_condition(cond, old: Item | None, req: dict) -> None:
    if cond is None:
        return
    from nuvem.services.dynamodb.evaluation import matches
    if not matches(cond, old.attrs if old else None):
        fields = {}
        if req.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and old is not None:
            fields["Item"] = old.attrs
        raise ConditionalCheckFailedException(**fields)


def apply_projection(proj, attrs: dict) -> dict:
    if proj is None:
        return attrs
    from nuvem.services.dynamodb.evaluation import project
    return project(proj, attrs)


# -- capacity and item collections ---------------------------------------------------------------
def consumed(name: str, mode: str | None, table_units: float,
             index_units: dict[str, tuple[bool, float]] | None = None) -> dict | None:
    """ConsumedCapacity for ReturnConsumedCapacity TOTAL or INDEXES (None for NONE)."""
    if mode not in ("TOTAL", "INDEXES"):
        return None
    index_units = index_units or {}
    total = table_units + sum(u for _, u in index_units.values())
    out = {"TableName": name, "CapacityUnits": total}
    if mode == "INDEXES":
        out["Table"] = {"CapacityUnits": table_units}
        for key, is_global in (("GlobalSecondaryIndexes", True),
                               ("LocalSecondaryIndexes", False)):
            part = {n: {"CapacityUnits": u} for n, (g, u) in index_units.items() if g == is_global}
            if part:
                out[key] = part
    return out


def collection_metrics(ctx, table: Table, pk: bytes, attrs: dict, req: dict) -> dict | None:
    """ItemCollectionMetrics (ReturnItemCollectionMetrics=SIZE, tables with LSIs only): the
    size of the items sharing the partition key, as a range in GB."""
    if req.get("ReturnItemCollectionMetrics") != "SIZE" or not table.local_indexes:
        return None
    size = sum(r.size for r in ctx.store.query(
        Item, account=table.account, region=table.region, prefix=(table.id, pk), fields=("size",)))
    for index in table.local_indexes:
        size += sum(r.size for r in ctx.store.query(
            IndexItem, account=table.account, region=table.region,
            prefix=(table.id, index["IndexName"], pk), fields=("size",)))
    gb = size / (1024 ** 3)
    return {"ItemCollectionKey": {table.hash_key: attrs[table.hash_key]},
            "SizeEstimateRangeGB": [float(math.floor(gb)), float(math.floor(gb) + 1)]}


def _return_values(req: dict, allowed: tuple[str, ...]) -> str:
    mode = req.get("ReturnValues") or "NONE"
    if mode not in allowed:
        raise ValidationException("Return values set to invalid value")
    return mode


def _finish(out: dict, ctx, table, req, pk, key_attrs, units, touched) -> dict:
    capacity = consumed(req["TableName"], req.get("ReturnConsumedCapacity"), units, touched)
    if capacity:
        out["ConsumedCapacity"] = capacity
    metrics = collection_metrics(ctx, table, pk, key_attrs, req)
    if metrics:
        out["ItemCollectionMetrics"] = metrics
    return out


def key_update_message(name: str) -> str:
    return ("One or more parameter values were invalid: Cannot update attribute "
            f"{name}. This attribute is part of the key")


def check_update_paths(table: Table, key: dict, update) -> None:
    """An update may not change the key, nor write or read into a key attribute's value."""
    from nuvem.services.dynamodb.evaluation import referenced_paths
    for path in update.target_paths():
        if path and path[0] in key:
            raise ValidationException(key_update_message(path[0]))
    indexes.check_scalar_keys(table, referenced_paths(update))


def _set_as_given(update) -> frozenset[str]:
    """The top-level attributes an update expression SETs to a value as given (`SET a = :v`)."""
    from nuvem.services.dynamodb.expression_parser import SetAction, Value
    return frozenset(a.path.elements[0] for a in update.actions
                     if isinstance(a, SetAction) and len(a.path.elements) == 1
                     and isinstance(a.value, Value))


# -- operations ----------------------------------------------------------------------------------
@SERVICE.op("PutItem")
def put_item(ctx, req: dict) -> dict:
    ex = expressions(req, "PutItem")
    mode = _return_values(req, ("NONE", "ALL_OLD"))
    try:
        item, size = values.item_values(req.get("Item"))
    except values.TooDeep as e:
        raise values.single_item_nesting(e, req["Item"].values()) from None
    cond = condition(req, ex)
    if ex is not None:
        ex.check_unused()
    # the request is checked before the table is looked at, as DynamoDB does
    table = table_of(ctx, req)
    values.check_item_keys(table, item)
    indexes.check_item(table, item)
    pk, sk = values.item_key(table, item)
    if cond is None and mode == "NONE":
        old, touched = put_item_record(ctx, table, pk, sk, item, size)
    else:
        old = get_item_record(ctx, table, pk, sk)
        check_condition(cond, old, req)
        touched = store_item(ctx, table, pk, sk, old, item, size=size)
    out = {}
    if mode == "ALL_OLD" and old is not None:
        out["Attributes"] = old.attrs
    units = values.write_units(max(size, old.size if old else 0))
    return _finish(out, ctx, table, req, pk, item, units, touched)


@SERVICE.op("GetItem")
def get_item(ctx, req: dict) -> dict:
    key, ex = key_and_expressions(req, "GetItem")
    proj = projection(req, ex)
    if ex is not None:
        ex.check_unused()
    table = table_of(ctx, req)
    check_projection_keys(table, proj)
    values.match_key(table, key)
    pk, sk = values.item_key(table, key)
    out, size = {}, 0
    if proj is None:        # the whole item: its stored JSON goes out as it is
        found = ctx.store.get_document(Item, table.account, table.region, table.id, pk, sk)
        if found is not None:
            text, size = stored_attrs(Item, *found)
            out["Item"] = EncodedJson(text)
    else:
        found = get_item_record(ctx, table, pk, sk)
        if found is not None:
            out["Item"], size = apply_projection(proj, found.attrs), found.size
    units = values.read_units(size, bool(req.get("ConsistentRead")))
    capacity = consumed(req["TableName"], req.get("ReturnConsumedCapacity"), units)
    if capacity:
        out["ConsumedCapacity"] = capacity
    return out


@SERVICE.op("DeleteItem")
def delete_item(ctx, req: dict) -> dict:
    key, ex = key_and_expressions(req, "DeleteItem")
    mode = _return_values(req, ("NONE", "ALL_OLD"))
    cond = condition(req, ex)
    if ex is not None:
        ex.check_unused()
    table = table_of(ctx, req)
    values.match_key(table, key)
    pk, sk = values.item_key(table, key)
    old = get_item_record(ctx, table, pk, sk)
    check_condition(cond, old, req)
    touched = store_item(ctx, table, pk, sk, old, None) if old is not None else {}
    out = {}
    if mode == "ALL_OLD" and old is not None:
        out["Attributes"] = old.attrs
    units = values.write_units(old.size if old else 0)
    return _finish(out, ctx, table, req, pk, key, units, touched)


@SERVICE.op("UpdateItem")
def update_item(ctx, req: dict) -> dict:
    try:
        key, ex = key_and_expressions(req, "UpdateItem")
    except values.TooDeep as e:
        raise values.single_item_nesting(
            e, (req.get("ExpressionAttributeValues") or {}).values()) from None
    mode = _return_values(req, ("NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"))
    update = None
    if ex is not None:
        if req.get("UpdateExpression") is not None:
            update = ex.update(req["UpdateExpression"])
        elif req.get("AttributeUpdates"):
            from nuvem.services.dynamodb import legacy
            update = legacy.update_from_attribute_updates(req["AttributeUpdates"])
    cond = condition(req, ex)
    if ex is not None:
        ex.check_unused()
    table = table_of(ctx, req)
    values.match_key(table, key)
    if update is not None:
        check_update_paths(table, key, update)
    pk, sk = values.item_key(table, key)
    old = get_item_record(ctx, table, pk, sk)
    check_condition(cond, old, req)
    if old is None and update is not None and update.removes_only():
        return _finish({}, ctx, table, req, pk, key, values.write_units(0), {})
    old_attrs = old.attrs if old is not None else None
    if update is not None:
        from nuvem.services.dynamodb.evaluation import apply_update
        # values from ExpressionAttributeValues are stored canonical (numbers) like any other
        new = {k: values.check_value(v) for k, v in apply_update(update, old_attrs, key).items()}
    else:
        new = dict(old_attrs) if old_attrs is not None else dict(key)
    for name in values.key_names(table):
        if new.get(name) != key[name]:
            raise ValidationException(key_update_message(name))
    values.check_size(new, updated=True)
    by_expression = req.get("UpdateExpression") is not None
    indexes.check_item(table, new, by_update_expression=by_expression,
                       given=_set_as_given(update) if by_expression else frozenset())
    touched = store_item(ctx, table, pk, sk, old, new)
    out = {}
    if mode == "ALL_OLD" and old_attrs:
        out["Attributes"] = old_attrs
    elif mode == "ALL_NEW":
        out["Attributes"] = new
    elif mode in ("UPDATED_OLD", "UPDATED_NEW") and update is not None:
        from nuvem.services.dynamodb.evaluation import updated_attributes
        changed = updated_attributes(update, old_attrs, new, mode)
        if changed:
            out["Attributes"] = changed
    units = values.write_units(max(values.item_size(new), old.size if old else 0))
    return _finish(out, ctx, table, req, pk, key, units, touched)
