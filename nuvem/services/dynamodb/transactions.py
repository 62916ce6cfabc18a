"""TransactWriteItems and TransactGetItems, and the all-or-nothing core PartiQL's ExecuteTransaction
shares with them.

A transaction runs in three steps: every action is validated (a bad request fails the call with a
ValidationException, a missing table with ResourceNotFoundException, before anything is read);
then every action's condition is evaluated against the item as it is (all of them, so the
cancellation reasons name each action); only when all pass is anything written.

Conflicts: DynamoDB cancels a transaction that meets another one in flight on the same item
(TransactionConflict). In Nuvem a call is one store transaction and the store serializes writing
transactions, so two transactions never interleave: each sees the items as the one before it left
them, and none can half-apply. TransactionConflict is therefore never a reason here, which is
within what DynamoDB promises (serializable isolation between transactions). A shared backend
must keep that guarantee (PostgreSQL: SERIALIZABLE transactions, retried on serialization
failures), or concurrent transfers could lose updates.

ClientRequestToken: a `TransactionToken` record keeps, for 10 minutes, a hash of the request that
used the token and its answer. The same token with the same request answers the same without
writing again (its ConsumedCapacity then counts the reads, as AWS documents); with a different
request it is an IdempotentParameterMismatchException.
"""
from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

from nuvem.services.dynamodb import SERVICE, values
from nuvem.services.dynamodb.errors import (IdempotentParameterMismatchException,
                                            TransactionCanceledException, ValidationException)
from nuvem.services.dynamodb.expression_parser import SetAction, Value
from nuvem.services.dynamodb.items import (apply_projection, check_projection_keys,
                                           check_update_paths, collection_metrics, condition,
                                           expressions, find_table, get_item_record,
                                           key_update_message, projection, store_item)
from nuvem.services.dynamodb.models import Table
from nuvem.store.records import Scope, record

MAX_REQUEST_BYTES = 4 * 1024 * 1024
TOKEN_LIFETIME = timedelta(minutes=10)
_KINDS = ("ConditionCheck", "Put", "Delete", "Update")
_CANCELLED = "Transaction cancelled, please refer cancellation reasons for specific reasons"
SAME_ITEM = "Transaction request cannot include multiple operations on one item"
# a transaction takes ExpressionAttributeValues a level deeper than an item may nest
VALUE_LEVELS = values.MAX_DEPTH + 1


@record("dynamodb.TransactionToken", scope=Scope.REGION, key=("token",))
@dataclass
class TransactionToken:
    """A ClientRequestToken seen in the last 10 minutes: the request's hash and its answer."""
    account: str
    region: str
    token: str
    digest: str
    expires: datetime
    response: dict = field(default_factory=dict)
    reads: list = field(default_factory=list)     # [table name, table id, pk, sk] per action


# -- actions -------------------------------------------------------------------------------------
@dataclass
class Action:
    """One planned write of a transaction (or of a PartiQL statement).

    `test(old attrs | None)` answers a failure code (ConditionalCheckFailed, DuplicateItem) or
    None; `build(old attrs | None)` the new item, None to delete it; ConditionCheck has no build.
    A ValidationException from `build` cancels the transaction with a ValidationError reason.
    """
    kind: str                                   # ConditionCheck | Put | Update | Delete
    table: Table
    key: dict
    pk: bytes
    sk: bytes
    test: Callable[[dict | None], str | None]
    build: Callable[[dict | None], dict | None] | None = None
    return_old: bool = False                    # ReturnValuesOnConditionCheckFailure=ALL_OLD
    size: int = 0                               # the item (Put) or key size, for the 4 MB cap
    old: object = None                          # the Item record read, set by `evaluate`
    new: dict | None = None                     # the new item, set by `evaluate`
    invalid: str | None = None                  # why a Put's item was refused, if it was


def condition_test(cond) -> Callable[[dict | None], str | None]:
    """`test` for a parsed condition (or None: always passes)."""
    def test(attrs):
        if cond is None:
            return None
        from nuvem.services.dynamodb.evaluation import matches
        return None if matches(cond, attrs) else "ConditionalCheckFailed"
    return test


def check_distinct(actions: list[Action]) -> None:
    seen = set()
    for action in actions:
        ident = (action.table.id, action.pk, action.sk)
        if ident in seen:
            raise ValidationException(SAME_ITEM)
        seen.add(ident)


def evaluate(ctx, actions: list[Action]) -> list[dict] | None:
    """Read every action's item and test it; None when all pass (each action's `new` is then
    set), else the CancellationReasons, one per action."""
    reasons, failed = [], False
    for action in actions:
        action.old = get_item_record(ctx, action.table, action.pk, action.sk)
        old_attrs = action.old.attrs if action.old is not None else None
        code = action.test(old_attrs)
        if code is not None:
            failed = True
            reason = {"Code": code, "Message": _REASON_MESSAGES.get(code, code)}
            if action.return_old and old_attrs is not None:
                reason["Item"] = old_attrs
            reasons.append(reason)
            continue
        if action.build is not None:
            try:
                action.new = action.build(old_attrs)
            except ValidationException as e:
                failed = True
                reasons.append({"Code": "ValidationError", "Message": e.message})
                continue
        reasons.append({"Code": "None"})
    return reasons if failed else None


_REASON_MESSAGES = {"ConditionalCheckFailed": "The conditional request failed",
                    "DuplicateItem": "Duplicate primary key exists in table"}


def cancelled(reasons: list[dict]) -> TransactionCanceledException:
    codes = ", ".join(r["Code"] for r in reasons)
    return TransactionCanceledException(f"{_CANCELLED} [{codes}]", CancellationReasons=reasons)


def apply(ctx, actions: list[Action], req: dict, *, transactional: bool = True) -> dict:
    """Write what `evaluate` planned. Returns the output's ConsumedCapacity (a list, one entry
    per table) and ItemCollectionMetrics (by table name), as asked for."""
    mode = req.get("ReturnConsumedCapacity")
    per_table: dict[str, list] = {}                  # name -> [units, {index: (global, units)}]
    metrics: dict[str, list] = {}
    for action in actions:
        old = action.old
        touched = {}
        if action.kind == "ConditionCheck":
            size = old.size if old is not None else 0
        elif action.new is None:
            size = old.size if old is not None else 0
            if old is not None:
                touched = store_item(ctx, action.table, action.pk, action.sk, old, None)
        else:
            size = max(values.item_size(action.new), old.size if old is not None else 0)
            touched = store_item(ctx, action.table, action.pk, action.sk, old, action.new)
        entry = per_table.setdefault(action.table.name, [0.0, {}])
        entry[0] += values.write_units(size, transactional=transactional)
        factor = 2 if transactional else 1
        for index, (is_global, units) in touched.items():
            before = entry[1].get(index, (is_global, 0.0))[1]
            entry[1][index] = (is_global, before + units * factor)
        if action.kind != "ConditionCheck":
            m = collection_metrics(ctx, action.table, action.pk, action.key, req)
            if m:
                metrics.setdefault(action.table.name, []).append(m)
    out: dict = {}
    capacity = capacity_list(mode, per_table, "Write" if transactional else None)
    if capacity:
        out["ConsumedCapacity"] = capacity
    if metrics:
        out["ItemCollectionMetrics"] = metrics
    return out


def capacity_list(mode, per_table: dict, split: str | None = None) -> list[dict]:
    """ConsumedCapacity, one entry per table. A transaction's (`split` "Read" or "Write") also
    gives each figure as ReadCapacityUnits or WriteCapacityUnits, as DynamoDB reports only for
    transactions."""
    from nuvem.services.dynamodb.items import consumed
    out = []
    for name, (units, index_units) in per_table.items():
        entry = consumed(name, mode, units, index_units)
        if entry and split:
            arms = [entry, entry.get("Table")]
            for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
                arms.extend(entry.get(key, {}).values())
            for arm in filter(None, arms):
                arm[f"{split}CapacityUnits"] = arm["CapacityUnits"]
        if entry:
            out.append(entry)
    return out


# -- idempotency ---------------------------------------------------------------------------------
def plain(value):
    if isinstance(value, (bytes, bytearray)):
        return {"$b": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def request_digest(operation: str, req: dict) -> str:
    body = {k: v for k, v in req.items()
            if k not in ("ClientRequestToken", "ReturnConsumedCapacity")}
    text = json.dumps([operation, plain(body)], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def replay(ctx, operation: str, req: dict) -> dict | None:
    """The answer a previous identical request with this ClientRequestToken got, or None."""
    token = req.get("ClientRequestToken")
    if not token:
        return None
    seen = ctx.store.get(TransactionToken, ctx.account, ctx.region, token)
    if seen is None or seen.expires <= ctx.now:
        return None
    if seen.digest != request_digest(operation, req):
        raise IdempotentParameterMismatchException(
            "The request uses the same client token as a previous, but non-identical request")
    out = dict(seen.response)
    out.pop("ConsumedCapacity", None)
    mode = req.get("ReturnConsumedCapacity")
    if mode in ("TOTAL", "INDEXES"):
        # a repeat reads the items instead of writing them (AWS: "returns the number of read
        # capacity units consumed in reading the item")
        per_table: dict[str, list] = {}
        for name, table_id, pk, sk in seen.reads:
            table = ctx.store.get(Table, ctx.account, ctx.region, name)
            item = get_item_record(ctx, table, _unb64(pk), _unb64(sk)) \
                if table is not None and table.id == table_id else None
            entry = per_table.setdefault(name, [0.0, {}])
            entry[0] += values.read_units(item.size if item else 0, True)
        capacity = capacity_list(mode, per_table, "Read")
        if capacity:
            out["ConsumedCapacity"] = capacity
    return out


def _unb64(text: str) -> bytes:
    return base64.b64decode(text)


def sweep(runtime) -> int:
    """Forgets the tokens past their 10 minutes (a periodic job; `replay` ignores them anyway).
    Returns how many it dropped."""
    now = runtime.clock.now()
    with runtime.store.read() as read:
        expired = [(t.account, t.region, t.token) for t in read.query(
            TransactionToken, fields=("account", "region", "token", "expires"))
            if t.expires <= now]
    with runtime.store.tx() as tx:
        for key in expired:
            tx.delete(TransactionToken, *key)
    return len(expired)


def remember(ctx, operation: str, req: dict, actions: list, response: dict) -> None:
    token = req.get("ClientRequestToken")
    if not token:
        return
    ctx.store.put(TransactionToken(
        account=ctx.account, region=ctx.region, token=token,
        digest=request_digest(operation, req), expires=ctx.now + TOKEN_LIFETIME,
        response=response,
        reads=[[a.table.name, a.table.id, base64.b64encode(a.pk).decode(),
                base64.b64encode(a.sk).decode()] for a in actions]))


# -- TransactWriteItems --------------------------------------------------------------------------
def check_total_size(actions: list[Action]) -> None:
    """The aggregate size of the items (and keys) of a transaction is at most 4 MB; AWS's
    message says so twice."""
    size = sum(a.size for a in actions)
    if size > MAX_REQUEST_BYTES:
        limit = "Transaction payload size cannot exceed 4MB. Payload Size: "
        raise ValidationException(f"{limit}: {limit}{size}")


def _plan(ctx, entry: dict) -> Action:
    present = [k for k in _KINDS if entry.get(k) is not None]
    if len(present) != 1:
        raise ValidationException("TransactItems can only contain one of Check, Put, Update or "
                                  "Delete")
    kind = present[0]
    spec = entry[kind]
    table = find_table(ctx, spec["TableName"])
    # the single-item operation with the same parameters (for the legacy-mixing check)
    ex = expressions(spec, {"ConditionCheck": "DeleteItem", "Put": "PutItem",
                            "Delete": "DeleteItem", "Update": "UpdateItem"}[kind], VALUE_LEVELS)
    return_old = spec.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD"
    invalid = None
    if kind == "Put":
        from nuvem.services.dynamodb import indexes
        # a malformed value fails the request; what the table refuses cancels the transaction
        item = spec.get("Item") or {}
        values.check_attribute_names(item)
        item = {name: values.check_value(v) for name, v in item.items()}
        values.check_no_empty_keys(table, item)
        indexes.check_no_empty_keys(table, item)
        # a Put's size is known from the request: too big fails it (an Update's cancels)
        values.check_size(item)
        try:
            item, _ = values.check_item(table, item)
            indexes.check_item(table, item)
        except ValidationException as e:
            # DynamoDB cancels the transaction over a bad item rather than refusing the request
            invalid, item = e.message, {}
        key = values.key_of(table, item) if invalid is None else {}
        build = (lambda old, item=item: item)
    else:
        key, invalid = _checked_key(table, spec.get("Key"))
        build = None
        if kind == "Delete":
            build = (lambda old: None)
    cond = condition(spec, ex)
    if kind == "Update":
        update = ex.update(spec["UpdateExpression"])
        check_update_paths(table, key, update)
        _check_no_empty_index_keys(table, update)
        build = update_builder(table, key, update)
    if ex is not None:
        ex.check_unused()
    pk, sk = values.item_key(table, key) if invalid is None else (b"", b"")
    size = values.item_size(item if kind == "Put" else key)
    return Action(kind, table, key, pk, sk, condition_test(cond), build, return_old, size,
                  invalid=invalid)


def _check_no_empty_index_keys(table: Table, update) -> None:
    """An Update action that sets an index key attribute to an empty value fails the request
    (as a Put's empty index key does), before any item is read."""
    from nuvem.services.dynamodb import indexes
    given = {a.path.elements[0]: a.value.value for a in update.actions
             if isinstance(a, SetAction) and isinstance(a.value, Value)
             and len(a.path.elements) == 1}
    indexes.check_no_empty_keys(table, given, by_update_expression=True)


def _checked_key(table: Table, key: dict | None) -> tuple[dict, str | None]:
    """`values.check_key` of an action's Key and None, or ({}, the refusal) when it does not
    match the schema: that cancels the transaction, where an empty key value fails the
    request."""
    try:
        return values.check_key(table, key), None
    except ValidationException as e:
        if e.message != values.KEY_MISMATCH:
            raise
        return {}, e.message


def check_refusals(refusals: list[str | None]) -> None:
    """An action whose item (or key) the table refuses cancels the transaction: `refusals` has
    each action's reason or None; the first one is the only reason given."""
    first = next((i for i, refusal in enumerate(refusals) if refusal is not None), None)
    if first is not None:
        raise cancelled([{"Code": "ValidationError", "Message": refusal} if i == first
                         else {"Code": "None"} for i, refusal in enumerate(refusals)])


def update_builder(table: Table, key: dict, update) -> Callable:
    def build(old: dict | None) -> dict | None:
        from nuvem.services.dynamodb import indexes
        from nuvem.services.dynamodb.evaluation import apply_update
        if old is None and update.removes_only():
            return None
        try:
            new = {k: values.check_value(v) for k, v in apply_update(update, old, key).items()}
        except values.TooDeep:
            raise ValidationException("Nesting Levels have exceeded supported limits") from None
        for name in values.key_names(table):
            if new.get(name) != key[name]:
                raise ValidationException(key_update_message(name))
        values.check_size(new, updated=True)
        # an Update action's index key of another type is worded as a Put's, unlike UpdateItem's
        indexes.check_item(table, new)
        return new
    return build


def _check_value_depths(entries: list) -> None:
    """ExpressionAttributeValues nested past VALUE_LEVELS, refused before any table is looked
    up, naming the value's key."""
    for entry in entries:
        for spec in entry.values() if type(entry) is dict else ():
            given = spec.get("ExpressionAttributeValues") if type(spec) is dict else None
            for key, value in given.items() if type(given) is dict else ():
                if values.nesting_levels(value, VALUE_LEVELS) > VALUE_LEVELS:
                    raise ValidationException("ExpressionAttributeValues contains invalid "
                                              f"value: {values.NESTING} for key {key}")


@SERVICE.op("TransactWriteItems")
def transact_write_items(ctx, req: dict) -> dict:
    entries = req.get("TransactItems") or []
    previous = replay(ctx, "TransactWriteItems", req)
    if previous is not None:
        return previous
    _check_value_depths(entries)
    actions = [_plan(ctx, entry) for entry in entries]
    check_refusals([a.invalid for a in actions])
    check_distinct(actions)
    check_total_size(actions)
    reasons = evaluate(ctx, actions)
    if reasons is not None:
        raise cancelled(reasons)
    out = apply(ctx, actions, req)
    remember(ctx, "TransactWriteItems", req, actions, out)
    return out


# -- TransactGetItems ----------------------------------------------------------------------------
@dataclass
class Read:
    table: Table
    pk: bytes
    sk: bytes
    proj: object = None


def read_all(ctx, reads: list[Read], mode: str | None) -> dict:
    """Responses (one per read, {} for a missing item) and ConsumedCapacity (transactional)."""
    responses, per_table = [], {}
    for read in reads:
        item = get_item_record(ctx, read.table, read.pk, read.sk)
        entry = per_table.setdefault(read.table.name, [0.0, {}])
        entry[0] += values.read_units(item.size if item else 0, True, transactional=True)
        responses.append({"Item": apply_projection(read.proj, item.attrs)} if item else {})
    out = {"Responses": responses}
    capacity = capacity_list(mode, per_table, "Read")
    if capacity:
        out["ConsumedCapacity"] = capacity
    return out


@SERVICE.op("TransactGetItems")
def transact_get_items(ctx, req: dict) -> dict:
    entries = req.get("TransactItems") or []
    reads, seen, refusals = [], set(), []
    for entry in entries:
        spec = entry.get("Get")
        if spec is None:
            raise ValidationException("TransactItems can only contain Get")
        table = find_table(ctx, spec["TableName"])
        ex = expressions(spec, "GetItem")
        proj = projection(spec, ex)
        check_projection_keys(table, proj)
        if ex is not None:
            ex.check_unused()
        key, refusal = _checked_key(table, spec.get("Key"))
        refusals.append(refusal)
        if refusal is not None:
            continue
        pk, sk = values.item_key(table, key)
        if (table.id, pk, sk) in seen:
            raise ValidationException(SAME_ITEM)
        seen.add((table.id, pk, sk))
        reads.append(Read(table, pk, sk, proj))
    check_refusals(refusals)
    return read_all(ctx, reads, req.get("ReturnConsumedCapacity"))
