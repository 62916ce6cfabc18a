"""PartiQL: ExecuteStatement, BatchExecuteStatement and ExecuteTransaction.

Statements parse (partiql_parser.py) to the expression AST, so conditions evaluate exactly as
ConditionExpression / FilterExpression do. A SELECT whose WHERE has an equality on the partition
key reads that partition's key range in sort-key order (narrowed by a sort-key condition when
there is one), like a Query; any other SELECT reads the whole table or index, like a Scan; the
whole WHERE then filters what was read. Limit counts items read, a page stops at 1 MB, and
NextToken carries the last key read.

UPDATE and DELETE name one item: their WHERE must have an equality on every key attribute
(ANDed at the top); the rest of the WHERE is the write's condition. UPDATE writes only an item
that exists, INSERT only one that does not (DuplicateItemException). Writes run through the
transaction core (transactions.py): ExecuteTransaction is all-or-nothing exactly as
TransactWriteItems is.
"""
from __future__ import annotations

import base64
import json

from nuvem.services import owner_check
from nuvem.services.dynamodb import SERVICE, indexes, values
from nuvem.services.dynamodb.errors import (ConditionalCheckFailedException,
                                            DuplicateItemException, ResourceNotFoundException,
                                            ValidationException)
from nuvem.services.dynamodb.expression_parser import (AddAction, And, Between, Compare,
                                                       Condition, DeleteAction, FuncCond, In,
                                                       Not, Or, Path, Projection, RemoveAction,
                                                       SetAction, Update, Value)
from nuvem.services.dynamodb.items import key_update_message, find_table
from nuvem.services.dynamodb import transactions as tx
from nuvem.services.dynamodb.partiql_parser import (Delete, Exists, Insert, Select,
                                                     checked_parameters, parse)
from nuvem.services.dynamodb.partiql_parser import Update as UpdateStatement

MAX_BATCH = 25
OVERLAPPING = "Overlapping conditions with range keys are not supported in where clause"
MAX_BRANCHES = 100          # a WHERE with more OR-ed branches than this is not planned as reads
MANDATORY_KEY = "Where clause does not contain a mandatory equality on all key attributes"
EXISTS_ONLY_IN_TRANSACTIONS = "EXISTS is supported only in ExecuteTransaction"
_INVALID_TOKEN = "Invalid NextToken"


# -- WHERE analysis ------------------------------------------------------------------------------
def _conjuncts(node) -> list:
    if node is None:
        return []
    if isinstance(node, And):
        return _conjuncts(node.left) + _conjuncts(node.right)
    return [node]


def _and(nodes: list):
    root = None
    for node in nodes:
        root = node if root is None else And(root, node)
    return root


def _on(node, name: str):
    """(value, op) when `node` compares the top-level attribute `name` with a value."""
    if isinstance(node, Compare):
        left, right, op = node.left, node.right, node.op
        if isinstance(right, Path) and isinstance(left, Value):
            left, right = right, left
            op = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(op, op)
        if isinstance(left, Path) and left.elements == (name,) and isinstance(right, Value):
            return op, [right.value]
    elif isinstance(node, Between):
        if isinstance(node.operand, Path) and node.operand.elements == (name,) and \
                isinstance(node.low, Value) and isinstance(node.high, Value):
            return "BETWEEN", [node.low.value, node.high.value]
    elif isinstance(node, FuncCond) and node.func.name == "begins_with":
        path, prefix = node.func.args
        if isinstance(path, Path) and path.elements == (name,) and isinstance(prefix, Value):
            return "begins_with", [prefix.value]
    return None


def key_from_where(table, where) -> tuple[dict, object]:
    """The item a write's WHERE names, and the rest of the WHERE (its condition, or None)."""
    key, rest = {}, []
    names = values.key_names(table)
    for node in _conjuncts(where):
        found = None
        for name in names:
            hit = _on(node, name)
            if name not in key and hit is not None and hit[0] == "=":
                found = (name, hit[1][0])
                break
        if found is None:
            rest.append(node)
        else:
            key[found[0]] = found[1]
    if set(key) != set(names):
        raise ValidationException(MANDATORY_KEY)
    key = values.check_key(table, key)
    return key, _and(rest)


# -- SELECT --------------------------------------------------------------------------------------
def _unplain(value):
    if isinstance(value, dict):
        if set(value) == {"$b"}:
            return base64.b64decode(value["$b"])
        return {k: _unplain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unplain(v) for v in value]
    return value


def encode_token(key: dict) -> str:
    return base64.b64encode(json.dumps(tx.plain(key), separators=(",", ":")).encode()).decode()


def decode_token(token: str) -> dict:
    try:
        key = _unplain(json.loads(base64.b64decode(token.encode(), validate=True)))
    except (ValueError, TypeError):
        raise ValidationException(_INVALID_TOKEN) from None
    if not isinstance(key, dict):
        raise ValidationException(_INVALID_TOKEN)
    return key


def _bounds(source, hash_value: dict, range_hit) -> dict:
    """The store range of one partition (narrowed by a sort-key condition), as queries.py
    reads it."""
    full = source.base + (values.key_bytes(hash_value),)
    if range_hit is None:
        return {}
    op, vals = range_hit
    rv = [values.key_bytes(v) for v in vals]
    if op == "=":
        return {"ge": full + (rv[0],), "le": full + (rv[0], "")}
    if op == "<":
        return {"lt": full + (rv[0],)}
    if op == "<=":
        return {"le": full + (rv[0], "")}
    if op == ">":
        return {"ge": full + (rv[0], "")}
    if op == ">=":
        return {"ge": full + (rv[0],)}
    if op == "BETWEEN":
        return {"ge": full + (rv[0],), "le": full + (rv[1], "")}
    return {"startswith": rv[0]}


def _key_typed(source, name: str, value: dict) -> bool:
    return next(iter(value)) == source.table.attribute_type(name)


def _branches(node, keys: tuple) -> list[list] | None:
    """The WHERE as OR-ed branches of AND-ed conditions, a key attribute's IN list giving a
    branch per value; None past MAX_BRANCHES."""
    if isinstance(node, Or):
        left, right = _branches(node.left, keys), _branches(node.right, keys)
        return None if left is None or right is None else left + right
    if isinstance(node, And):
        left, right = _branches(node.left, keys), _branches(node.right, keys)
        if left is None or right is None or len(left) * len(right) > MAX_BRANCHES:
            return None
        return [a + b for a in left for b in right]
    if isinstance(node, In) and isinstance(node.operand, Path) and \
            node.operand.elements in keys and all(isinstance(o, Value) for o in node.options):
        return [[Compare("=", node.operand, option)] for option in node.options]
    return [[node]]


# A sort key range: (low, high) with low (bytes, 0 inclusive | 1 exclusive) and high (bytes,
# 1 inclusive | 0 exclusive), None unbounded, so the larger low and the smaller high are tighter.
_RANGE_OF = {"=": lambda v: ((v, 0), (v, 1)), "<": lambda v: (None, (v, 0)),
             "<=": lambda v: (None, (v, 1)), ">": lambda v: ((v, 1), None),
             ">=": lambda v: ((v, 0), None),
             # 1025 FF bytes follow every sort key (at most 1024 bytes) with the prefix
             "begins_with": lambda v: ((v, 0), (v + b"\xff" * 1025, 0))}


def _before(high, low) -> bool:
    """Whether a range ending at `high` ends before one starting at `low`."""
    return high is not None and low is not None and (
        high[0] < low[0] or (high[0] == low[0] and not (high[1] == 1 and low[1] == 0)))


def _branch_read(source, branch: list):
    """(partition, sort key range) a branch reads, or None when it is no key read: no
    equality on the partition key, or a negated sort key condition."""
    partition, low, high = None, None, None
    for node in branch:
        hit = _on(node, source.hash_key)
        if hit is not None and hit[0] == "=" and partition is None:
            if not _key_typed(source, source.hash_key, hit[1][0]):
                return None
            partition = values.key_bytes(hit[1][0])
            continue
        if not source.range_key:
            continue
        inner = node.operand if isinstance(node, Not) else node
        hit = _on(inner, source.range_key)
        if isinstance(node, Not) and (hit is not None or (
                isinstance(inner, In) and isinstance(inner.operand, Path)
                and inner.operand.elements == (source.range_key,))):
            return None
        if hit is None:
            continue
        op, given = hit
        if op == "<>" or not all(_key_typed(source, source.range_key, v) for v in given):
            return None
        keys = [values.key_bytes(v) for v in given]
        lo, hi = ((keys[0], 0), (keys[1], 1)) if op == "BETWEEN" else _RANGE_OF[op](keys[0])
        low = lo if low is None or (lo is not None and lo > low) else low
        high = hi if high is None or (hi is not None and hi < high) else high
    return None if partition is None else (partition, low, high)


def _check_no_overlap(source, where) -> None:
    """AWS reads a WHERE whose OR-ed branches all pin the partition key as one key read per
    branch, and refuses branches reading overlapping sort key ranges of one partition; any
    other WHERE is a scan and refuses nothing."""
    branches = _branches(where, ((source.hash_key,), (source.range_key,)))
    if branches is None or len(branches) < 2:
        return
    reads: dict[bytes, list] = {}
    for branch in branches:
        read = _branch_read(source, branch)
        if read is None:
            return
        partition, low, high = read
        if not _before(high, low):               # an empty range reads nothing
            reads.setdefault(partition, []).append((low, high))
    for ranges in reads.values():
        for i, (low, high) in enumerate(ranges):
            for other_low, other_high in ranges[i + 1:]:
                if not (_before(high, other_low) or _before(other_high, low)):
                    raise ValidationException(OVERLAPPING)


def _check_index_holds(table, index: dict, is_global: bool, stmt: Select) -> None:
    """A SELECT on an index filters only on attributes the index holds, and reads from a GSI
    only those (an LSI's others are fetched from the table)."""
    from nuvem.services.dynamodb.evaluation import referenced_paths
    if stmt.where is not None:
        indexes.check_filter_held(table, index, referenced_paths(Condition(stmt.where, "WHERE")))
    held = indexes.projected_names(table, index)
    missing = (indexes.not_held(stmt.projection or [], held)
               if is_global and held is not None else [])
    if missing:
        raise ValidationException(f"One or more parameter values were invalid: Global secondary "
                                  f"index {index['IndexName']} does not project "
                                  f"[{', '.join(missing)}]")


def run_select(ctx, stmt: Select, req: dict) -> dict:
    from nuvem.services.dynamodb.queries import run_page, Source
    table = find_table(ctx, stmt.table)
    if stmt.index is not None:
        # PartiQL's own wordings: Query's name the index and say "Consistent reads ..."
        found = indexes.find(table, stmt.index)
        if found is None:
            raise ValidationException("The table does not have the specified index")
        if found[1] and req.get("ConsistentRead"):
            raise ValidationException("Strongly consistent read is not supported on Global "
                                      "Secondary Indexes")
        _check_index_holds(table, *found, stmt)
    inner = {"TableName": table.name, "IndexName": stmt.index,
             "ConsistentRead": req.get("ConsistentRead"), "Limit": req.get("Limit"),
             "ReturnConsumedCapacity": req.get("ReturnConsumedCapacity")}
    source = Source(table, inner)
    start = None
    if req.get("NextToken"):
        inner["ExclusiveStartKey"] = decode_token(req["NextToken"])
        start = values.key_values(inner["ExclusiveStartKey"])
    start = source.start_after(start)
    _check_no_overlap(source, stmt.where)
    conjuncts = _conjuncts(stmt.where)
    hash_value = range_hit = None
    for node in conjuncts:
        hit = _on(node, source.hash_key)
        if hit is not None and hit[0] == "=":
            hash_value = hit[1][0]
            break
    if source.range_key:
        for node in conjuncts:
            hit = _on(node, source.range_key)
            if hit is not None and hit[0] != "<>" and \
                    all(_key_typed(source, source.range_key, v) for v in hit[1]) and \
                    not (hit[0] == "begins_with" and "N" in hit[1][0]):
                range_hit = hit
                break
    forward = True
    if stmt.order is not None:
        path, descending = stmt.order
        if stmt.where is None:
            raise ValidationException("Must have WHERE clause in the statement when using "
                                      "ORDER BY clause.")
        if hash_value is None:
            raise ValidationException("ORDER BY needs an equality on the partition key in the "
                                      "WHERE clause")
        if path == (source.range_key,):
            forward = not descending
        elif path != (source.hash_key,):          # one partition: its key orders nothing
            raise ValidationException("Order by is supported only on the key attributes")
    proj = Projection(list(stmt.projection)) if stmt.projection else None
    select = "SPECIFIC_ATTRIBUTES" if proj else (
        "ALL_PROJECTED_ATTRIBUTES" if source.index else "ALL_ATTRIBUTES")
    filt = Condition(stmt.where, "WHERE") if stmt.where is not None else None
    if hash_value is not None:
        if not _key_typed(source, source.hash_key, hash_value):
            records = iter(())                      # no item has a key of another type
        else:
            if range_hit is not None and range_hit[0] == "BETWEEN" and \
                    values.key_bytes(range_hit[1][0]) > values.key_bytes(range_hit[1][1]):
                records = iter(())
            else:
                records = source.read(ctx, prefix=(values.key_bytes(hash_value),),
                                      start_after=start, reverse=not forward,
                                      **_bounds(source, hash_value, range_hit))
    else:
        records = source.read(ctx, start_after=start)
    out = run_page(ctx, inner, source, records, select, proj, filt)
    result = {"Items": out["Items"]}
    if "LastEvaluatedKey" in out:
        result["LastEvaluatedKey"] = out["LastEvaluatedKey"]
        result["NextToken"] = encode_token(out["LastEvaluatedKey"])
    if "ConsumedCapacity" in out:
        result["ConsumedCapacity"] = out["ConsumedCapacity"]
    return result


# -- writes --------------------------------------------------------------------------------------
def plan_write(ctx, stmt, spec: dict) -> tuple[tx.Action, object]:
    """The transaction Action of an INSERT, UPDATE, DELETE or EXISTS (a condition check), and
    the Update (for RETURNING)."""
    if isinstance(stmt, Exists):
        table, key, pk, sk, cond, _ = _full_key_read(ctx, stmt.select)
        passes = tx.condition_test(cond)

        def exists(old):
            return "ConditionalCheckFailed" if old is None else passes(old)
        return tx.Action("ConditionCheck", table, key, pk, sk, exists, None,
                         spec.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD",
                         values.item_size(key)), None
    table = find_table(ctx, stmt.table)
    return_old = spec.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD"
    if isinstance(stmt, Insert):
        item, size = values.check_item(table, stmt.item)
        indexes.check_item(table, item)
        key = values.key_of(table, item)
        pk, sk = values.item_key(table, item)
        return tx.Action("Put", table, key, pk, sk,
                         lambda old: "DuplicateItem" if old is not None else None,
                         lambda old: item, return_old, size), None
    key, rest = key_from_where(table, stmt.where)
    pk, sk = values.item_key(table, key)
    size = values.item_size(key)
    cond = Condition(rest, "WHERE") if rest is not None else None
    if isinstance(stmt, Delete):
        return tx.Action("Delete", table, key, pk, sk, tx.condition_test(cond),
                         lambda old: None, return_old, size), None
    actions = []
    for entry in stmt.sets:
        if entry[0] in ("ADD", "DELETE"):
            kind, path, value = entry
            actions.append((AddAction if kind == "ADD" else DeleteAction)(path, value))
        else:
            actions.append(SetAction(entry[0], entry[1]))
    actions += [RemoveAction(p) for p in stmt.removes]
    for action in actions:
        if action.path.elements[0] in key:
            raise ValidationException(key_update_message(action.path.elements[0]))
    update = Update(actions)
    passes = tx.condition_test(cond)

    def test(old):
        if old is None:
            return "ConditionalCheckFailed"
        return passes(old)
    return tx.Action("Update", table, key, pk, sk, test,
                     tx.update_builder(table, key, update), return_old, size), update


def _returned(stmt, action: tx.Action, update) -> list[dict]:
    mode = getattr(stmt, "returning", None)
    old = action.old.attrs if action.old is not None else None
    if mode is None:
        return []
    if mode == "ALL_OLD":
        return [old] if old else []
    if mode == "ALL_NEW":
        return [action.new] if action.new else []
    from nuvem.services.dynamodb.evaluation import updated_attributes
    changed = updated_attributes(update, old, action.new, mode)
    return [changed] if changed else []


def _failure(reason: dict):
    """The error a single statement's failed write raises."""
    code = reason["Code"]
    if code == "DuplicateItem":
        return DuplicateItemException()
    if code == "ConditionalCheckFailed":
        fields = {"Item": reason["Item"]} if "Item" in reason else {}
        return ConditionalCheckFailedException(**fields)
    return ValidationException(reason.get("Message", code))


def run_write(ctx, stmt, spec: dict, req: dict) -> tuple[dict, list]:
    """One write statement on its own: (output, consumed capacity list)."""
    action, update = plan_write(ctx, stmt, spec)
    reasons = tx.evaluate(ctx, [action])
    if reasons is not None:
        raise _failure(reasons[0])
    out = tx.apply(ctx, [action], {"ReturnConsumedCapacity": req.get("ReturnConsumedCapacity")},
                   transactional=False)
    return {"Items": _returned(stmt, action, update)}, out.get("ConsumedCapacity", [])


def _statement(spec: dict, parameters: list | None = None):
    """`spec`'s statement parsed, with its parameters (checked here unless given checked)."""
    if parameters is None:
        parameters = checked_parameters(spec.get("Parameters"))
    return parse(spec.get("Statement") or "", parameters)


# -- operations ----------------------------------------------------------------------------------
@SERVICE.op("ExecuteStatement")
def execute_statement(ctx, req: dict) -> dict:
    stmt = _statement(req)
    if isinstance(stmt, Select):
        return run_select(ctx, stmt, req)
    if isinstance(stmt, Exists):
        raise ValidationException(EXISTS_ONLY_IN_TRANSACTIONS)
    out, capacity = run_write(ctx, stmt, req, req)
    if capacity:
        out["ConsumedCapacity"] = capacity[0]
    return out


def _full_key_read(ctx, stmt: Select) -> tuple:
    """A SELECT inside a batch or transaction: it must name one item of the table."""
    table = find_table(ctx, stmt.table)
    if stmt.index is not None:
        raise ValidationException("Select statements in batches and transactions must not "
                                  "use an index")
    key, rest = key_from_where(table, stmt.where)
    pk, sk = values.item_key(table, key)
    proj = Projection(list(stmt.projection)) if stmt.projection else None
    return table, key, pk, sk, Condition(rest, "WHERE") if rest is not None else None, proj


def _read_one(ctx, table, pk, sk, cond, proj, consistent: bool, transactional: bool):
    from nuvem.services.dynamodb.evaluation import matches
    from nuvem.services.dynamodb.items import apply_projection, get_item_record
    item = get_item_record(ctx, table, pk, sk)
    units = values.read_units(item.size if item else 0, consistent, transactional=transactional)
    if item is None or (cond is not None and not matches(cond, item.attrs)):
        return None, units
    return apply_projection(proj, item.attrs), units


def _add_units(per_table: dict, name: str, units: float) -> None:
    entry = per_table.setdefault(name, [0.0, {}])
    entry[0] += units


@SERVICE.op("BatchExecuteStatement")
def batch_execute_statement(ctx, req: dict) -> dict:
    statements = req.get("Statements") or []
    if len(statements) > MAX_BATCH:
        raise ValidationException(
            "1 validation error detected: Value at 'statements' failed to satisfy constraint: "
            f"Member must have length less than or equal to {MAX_BATCH}")
    mode = req.get("ReturnConsumedCapacity")
    responses, per_table = [], {}
    for spec in statements:
        response: dict = {}
        try:
            stmt = _statement(spec)
            if isinstance(stmt, Exists):
                raise ValidationException(EXISTS_ONLY_IN_TRANSACTIONS)
            response["TableName"] = find_table(ctx, stmt.table).name
            if isinstance(stmt, Select):
                table, _, pk, sk, cond, proj = _full_key_read(ctx, stmt)
                item, units = _read_one(ctx, table, pk, sk, cond, proj,
                                        bool(spec.get("ConsistentRead")), False)
                _add_units(per_table, table.name, units)
                if item is not None:
                    response["Item"] = item
            else:
                action, _ = plan_write(ctx, stmt, spec)
                reasons = tx.evaluate(ctx, [action])
                if reasons is not None:
                    reason = reasons[0]
                    error = {"Code": reason["Code"], "Message": reason.get("Message", "")}
                    if "Item" in reason:
                        error["Item"] = reason["Item"]
                    response["Error"] = error
                    if reason["Code"] != "ValidationError":   # a failed condition still writes
                        size = action.old.size if action.old is not None else 0
                        _add_units(per_table, action.table.name, values.write_units(size))
                else:
                    out = tx.apply(ctx, [action], {"ReturnConsumedCapacity": "TOTAL"},
                                   transactional=False)
                    for entry in out.get("ConsumedCapacity", []):
                        _add_units(per_table, entry["TableName"], entry["CapacityUnits"])
        except ResourceNotFoundException as e:
            response["Error"] = {"Code": "ResourceNotFound", "Message": e.message}
        except ValidationException as e:
            response["Error"] = {"Code": "ValidationError", "Message": e.message}
        responses.append(response)
    out: dict = {"Responses": responses}
    capacity = tx.capacity_list(mode, per_table)
    if capacity:
        out["ConsumedCapacity"] = capacity
    return out


def _transaction_statement(i: int, spec: dict, parameters: list):
    """A transaction's statement: a refusal of it names its place, as AWS words it (not of its
    parameters, all checked before any statement is parsed)."""
    try:
        return _statement(spec, parameters)
    except ValidationException as e:
        raise ValidationException(f"Validation failed in TransactStatements[{i}]: "
                                  f"{e.message}") from None


@SERVICE.op("ExecuteTransaction")
def execute_transaction(ctx, req: dict) -> dict:
    statements = req.get("TransactStatements") or []
    previous = tx.replay(ctx, "ExecuteTransaction", req)
    if previous is not None:
        return previous
    parameters = [checked_parameters(spec.get("Parameters")) for spec in statements]
    parsed = [(_transaction_statement(i, spec, checked), spec)
              for i, (spec, checked) in enumerate(zip(statements, parameters))]
    for i, (stmt, _) in enumerate(parsed):
        if getattr(stmt, "returning", None) is not None:
            problem = "RETURNING clause is not supported in ExecuteTransaction."
        elif isinstance(stmt, Select) and stmt.index is not None:
            problem = "Reads on indices are not supported within transactions."
        else:
            continue
        raise ValidationException(f"Validation failed in TransactStatements[{i}]: {problem}")
    reads = [s for s, _ in parsed if isinstance(s, Select)]
    if reads and len(reads) != len(parsed):
        raise ValidationException("Transactions can either contain only read statements or "
                                  "only write statements")
    mode = req.get("ReturnConsumedCapacity")
    if reads:
        planned = [_full_key_read(ctx, stmt) for stmt in reads]
        seen = set()
        for table, _, pk, sk, _, _ in planned:
            if (table.id, pk, sk) in seen:
                raise ValidationException(tx.SAME_ITEM)
            seen.add((table.id, pk, sk))
        responses, per_table = [], {}
        for table, _, pk, sk, cond, proj in planned:
            item, units = _read_one(ctx, table, pk, sk, cond, proj, True, True)
            _add_units(per_table, table.name, units)
            responses.append({"Item": item} if item is not None else {})
        out = {"Responses": responses}
        capacity = tx.capacity_list(mode, per_table, "Read")
        if capacity:
            out["ConsumedCapacity"] = capacity
        return out
    for i, (stmt, _) in enumerate(parsed):
        if isinstance(stmt, Exists) and \
                key_from_where(find_table(ctx, stmt.select.table), stmt.select.where)[1] is None:
            raise ValidationException(f"Validation failed in TransactStatements[{i}]: EXISTS() "
                                      "must contain a single item read with additional condition")
    actions = [plan_write(ctx, stmt, spec)[0] for stmt, spec in parsed]
    tx.check_distinct(actions)
    tx.check_total_size(actions)
    reasons = tx.evaluate(ctx, actions)
    if reasons is not None:
        raise tx.cancelled(reasons)
    # a transaction of writes answers an empty Responses list, not one entry per statement
    out = {"Responses": [], **tx.apply(ctx, actions, {"ReturnConsumedCapacity": mode})}
    tx.remember(ctx, "ExecuteTransaction", req, actions, out)
    return out


# -- authorization (not wired yet: see the module's report) --------------------------------------
_PARTIQL_ACTIONS = {Select: "dynamodb:PartiQLSelect", Insert: "dynamodb:PartiQLInsert",
                    UpdateStatement: "dynamodb:PartiQLUpdate", Delete: "dynamodb:PartiQLDelete",
                    Exists: "dynamodb:PartiQLSelect"}


def statement_accesses(operation: str, req: dict) -> list[tuple[str, str, str | None]]:
    """(IAM action, table name, index name | None) for each statement of an ExecuteStatement,
    BatchExecuteStatement or ExecuteTransaction request: AWS authorizes PartiQL per statement
    (dynamodb:PartiQLSelect on the table, or on the index a SELECT reads, and PartiQLInsert /
    PartiQLUpdate / PartiQLDelete). A statement that does not parse names nothing (the
    operation then fails with its own error)."""
    specs = {"ExecuteStatement": [req], "BatchExecuteStatement": req.get("Statements") or [],
             "ExecuteTransaction": req.get("TransactStatements") or []}.get(operation, [])
    out = []
    for spec in specs:
        try:
            stmt = _statement(spec)
        except ValidationException:
            continue
        target = stmt.select if isinstance(stmt, Exists) else stmt
        out.append((_PARTIQL_ACTIONS[type(stmt)], target.table,
                    getattr(target, "index", None)))
    return out


def authorize(call, operation) -> None:
    """DynamoDB's authorization: PartiQL calls need their statements' actions on their tables
    (and on the index a SELECT reads); every other call the operation's own accesses."""
    authorizer = call.runtime.authorizer
    accesses = None
    if operation.name in ("ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction"):
        from nuvem.iam.actions import Access
        prefix = f"arn:aws:dynamodb:{call.region}:{call.account}:table/"
        accesses = [Access(action, [prefix + table + (f"/index/{index}" if index else "")])
                    for action, table, index in statement_accesses(operation.name, call.params)]
        if not accesses:    # nothing parses: the handler answers with the statement's error
            return
    authorizer.authorize(call, operation, SERVICE.resource_view, accesses,
                         owner=owner_check(SERVICE, operation))


SERVICE.authorize = authorize
