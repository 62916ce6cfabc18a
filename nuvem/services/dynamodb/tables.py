"""DynamoDB's control plane: tables (create, describe, list, update, delete), tags, resource
policies (the table policy the authorizer consults), limits, endpoints, continuous backups.

Tables are ready at once: CreateTable answers CREATING (as DynamoDB does) and every later call
sees ACTIVE, so `table_exists` waiters return on their first poll. A new global secondary index is
backfilled inside UpdateTable's transaction.
"""
from __future__ import annotations

import json
import uuid
from datetime import timedelta

from nuvem.context import Call
from nuvem.errors import NotImplementedYet
from nuvem.iam.middleware import ResourceView
from nuvem.services.dynamodb import SERVICE, table_stats
from nuvem.services.dynamodb.errors import (LimitExceededException, PolicyNotFoundException,
                                            ResourceInUseException, ResourceNotFoundException,
                                            TableNotFoundException, ValidationException)
from nuvem.services.dynamodb.models import IndexItem, Item, Table, TableStats
from nuvem.services.dynamodb.tables_validation import (INVALID, MAX_PROJECTED, check_billing,
                                                       check_create, check_index_throughput,
                                                       check_key_schema, check_projection,
                                                       check_sse, check_stream, check_tag_count,
                                                       check_table_class,
                                                       check_table_name_given, check_tags,
                                                       check_throughput_bounds,
                                                       constraint_errors, invalid,
                                                       name_problems, pattern_problems,
                                                       undefined_keys)

ACCOUNT_MAX_CAPACITY = 80000
TABLE_MAX_CAPACITY = 40000
MAX_POLICY_BYTES = 20480


# -- finding tables ------------------------------------------------------------------------------
def parse_arn(arn: str) -> tuple[str, str, str, str] | None:
    """(region, account, table, rest) of a DynamoDB table (or index, stream, backup) ARN."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "dynamodb":
        return None
    resource = parts[5].split("/")
    if len(resource) < 2 or resource[0] != "table" or not resource[1]:
        return None
    return parts[3], parts[4], resource[1], "/".join(resource[2:])


def lookup(ctx: Call, name_or_arn: str, *, whole_arn: bool = True,
           shared: bool = False) -> Table | None:
    """The table a TableName (or table ARN) names, read once per call: the authorizer and the
    handler share it (`call.memo`). `whole_arn=False` also takes an ARN below the table (an
    index's) as its table. `shared`: an instance other calls may hold too (`get_shared`), for
    callers that never change it: the item operations and the authorizer."""
    account, region, name = ctx.account, ctx.region, name_or_arn
    if name_or_arn.startswith("arn:"):
        parsed = parse_arn(name_or_arn)
        if parsed is not None and not (whole_arn and parsed[3]):
            region, account, name = parsed[0], parsed[1], parsed[2]
    key = ("dynamodb.Table", account, region, name, shared)
    seen = ctx.memo.get(key)
    if seen is not None and seen[0] is ctx.tx:
        return seen[1]
    table = (ctx.store.get_shared if shared else ctx.store.get)(Table, account, region, name)
    if table is not None and ctx.tx is not None:
        ctx.memo[key] = (ctx.tx, table)
    return table


def find(ctx: Call, name_or_arn: str, *, error=None) -> Table:
    """The table a TableName (or table ARN) names, or ResourceNotFoundException."""
    table = lookup(ctx, name_or_arn)
    if table is None:
        if error is None:   # a backup's or export's table is refused in their own words
            check_table_name_given(name_or_arn)
        parsed = parse_arn(name_or_arn)
        name = parsed[2] if parsed and not parsed[3] else name_or_arn
        if error is not None:
            raise error(name)
        raise ResourceNotFoundException(f"Requested resource not found: Table: {name} not found")
    return table


def _by_resource_arn(ctx: Call, arn: str, *, streams: bool = False):
    """The table a ResourceArn (tags, policies) names, with DynamoDB's ARN complaints; with
    `streams`, a stream ARN names its Stream (policies may be set on streams too)."""
    def refused(policy_words: str) -> ValidationException:
        # the tagging operations word any ARN naming no possible table of the region alike
        # (dynalite's AWS-recorded listTagsOfResource.js, ack-api-quirks' live catalogue)
        return invalid(policy_words) if streams else ValidationException(
            f"Invalid TableArn: Invalid ResourceArn provided as input {arn}")

    if not arn.startswith("arn:"):
        raise refused(f"ARNs must start with 'arn:': {arn}")
    parsed = parse_arn(arn)
    if parsed is None:
        raise refused(f"Provided Arn is not a DynamoDB resource arn: {arn}")
    region, account, name, rest = parsed
    if region != ctx.region or (not streams and name_problems(name, "tableName")):
        raise refused(f"Invalid resource Arn: {arn}")
    if rest and not (streams and rest.startswith("stream/") and rest.count("/") == 1):
        raise invalid("Invalid resource arn provided, only table or stream is accepted. "
                      f"Provided resource arn: {arn}")
    if rest:
        from nuvem.services.dynamodb.models import Stream
        found = ctx.store.get(Stream, account, region, name, rest.split("/", 1)[1])
    else:
        found = ctx.store.get(Table, account, region, name)
    if found is None:
        raise ResourceNotFoundException(f"Requested resource not found: ResourcArn: {arn} "
                                        "not found")
    return found


# -- descriptions --------------------------------------------------------------------------------
def _throughput(given: dict | None) -> dict:
    given = given or {}
    return {"NumberOfDecreasesToday": 0, "ReadCapacityUnits": given.get("ReadCapacityUnits", 0),
            "WriteCapacityUnits": given.get("WriteCapacityUnits", 0)}


def describe(ctx: Call, table: Table, status: str | None = None,
             index_status: dict[str, str] | None = None) -> dict:
    """TableDescription, with the exact counts (table_stats.py)."""
    stats = table_stats.read(ctx, table)
    counts = stats.indexes if stats is not None else {}
    out: dict = {
        "AttributeDefinitions": table.attribute_definitions,
        "TableName": table.name, "KeySchema": table.key_schema,
        "TableStatus": status or table.status, "CreationDateTime": table.created,
        "ProvisionedThroughput": _provisioned(table),
        "TableSizeBytes": stats.size if stats else 0, "ItemCount": stats.items if stats else 0,
        "TableArn": table.arn, "TableId": table.id,
        "DeletionProtectionEnabled": table.deletion_protection,
    }
    if table.billing_mode == "PAY_PER_REQUEST" or table.billing_changed is not None:
        # a table created on demand has been so since its creation
        out["BillingModeSummary"] = {
            "BillingMode": table.billing_mode,
            "LastUpdateToPayPerRequestDateTime": table.billing_changed or table.created}
    for key, indexes in (("LocalSecondaryIndexes", table.local_indexes),
                         ("GlobalSecondaryIndexes", table.global_indexes)):
        if indexes:
            out[key] = []
            for index in indexes:
                described = dict(index)
                items, size = (counts.get(index["IndexName"]) or [0, 0])[:2]
                described.update(IndexSizeBytes=size, ItemCount=items,
                                 IndexArn=f"{table.arn}/index/{index['IndexName']}")
                if index_status and index["IndexName"] in index_status:
                    described["IndexStatus"] = index_status[index["IndexName"]]
                    if described["IndexStatus"] == "CREATING":
                        described["Backfilling"] = False
                if described.get("IndexStatus") == "ACTIVE":
                    described["WarmThroughput"] = {**_warm(table, index), "Status": "ACTIVE"}
                out[key].append(described)
    if table.stream:
        out["StreamSpecification"] = table.stream
    if table.stream_label:
        out["LatestStreamLabel"] = table.stream_label
        out["LatestStreamArn"] = f"{table.arn}/stream/{table.stream_label}"
    if table.sse:
        out["SSEDescription"] = table.sse
    # the default class is shown only once a request named it
    if table.table_class_given or table.table_class != "STANDARD":
        out["TableClassSummary"] = {"TableClass": table.table_class}
        if table.table_class_changed is not None:
            out["TableClassSummary"]["LastUpdateDateTime"] = table.table_class_changed
    if table.restored_from:
        out["RestoreSummary"] = table.restored_from
    if table.on_demand:
        out["OnDemandThroughput"] = table.on_demand
    out["WarmThroughput"] = {**_warm(table), "Status": "ACTIVE"}
    return out


def _provisioned(table: Table) -> dict:
    out = _throughput(table.provisioned)
    out["NumberOfDecreasesToday"] = table.decreases_today
    if table.last_increase is not None:
        out["LastIncreaseDateTime"] = table.last_increase
    if table.last_decrease is not None:
        out["LastDecreaseDateTime"] = table.last_decrease
    return out


# What every table can take at once before any pre-warming (reads, writes per second).
_WARM_BASELINE = {"ReadUnitsPerSecond": 12000, "WriteUnitsPerSecond": 4000}
_CAPACITY_OF = {"ReadUnitsPerSecond": "ReadCapacityUnits",
                "WriteUnitsPerSecond": "WriteCapacityUnits"}


def _warm(table: Table, index: dict | None = None) -> dict:
    """The warm throughput of the table (or of one of its GSIs): what was configured, else the
    on-demand baseline, raised to the provisioned throughput (a new peak); a provisioned table
    that configured none shows its provisioned throughput, as DescribeTable does."""
    configured = table.warm if index is None else None
    on_demand = _WARM_BASELINE if table.billing_mode == "PAY_PER_REQUEST" else {}
    provisioned = table.provisioned if index is None else index["ProvisionedThroughput"]
    return {unit: max((configured or on_demand).get(unit, 0),
                      provisioned.get(_CAPACITY_OF[unit]) or 0)
            for unit in _WARM_BASELINE}


def _configure_warm(table: Table, given: dict) -> None:
    """Sets the units a request gives (the others keep their value); warm throughput only
    grows: not below the baseline, nor below what the table already has."""
    current = _warm(table)
    for unit, value in given.items():
        if value < _WARM_BASELINE[unit]:
            raise invalid(f"Requested {unit} of {value} is lower than the minimum warm "
                          f"throughput of {_WARM_BASELINE[unit]}")
        if value < current[unit]:
            raise invalid(f"Requested {unit} of {value} is lower than current WarmThroughput "
                          f"{unit} of {current[unit]}")
    table.warm = {**current, **given}


def _index_record(index: dict, mode: str, glob: bool) -> dict:
    """An index as the Table record keeps it (DescribeTable's form, without counts)."""
    out = {"IndexName": index["IndexName"], "KeySchema": index["KeySchema"],
           "Projection": index["Projection"]}
    if glob:
        out["IndexStatus"] = "ACTIVE"
        out["ProvisionedThroughput"] = _throughput(
            index.get("ProvisionedThroughput") if mode == "PROVISIONED" else None)
        if index.get("OnDemandThroughput"):
            out["OnDemandThroughput"] = index["OnDemandThroughput"]
    return out


def _sse(ctx: Call, spec: dict | None) -> dict | None:
    # without Enabled, an SSEType turns encryption on (as DynamoDB takes it)
    if not spec or not spec.get("Enabled", bool(spec.get("SSEType"))):
        return None
    key = spec.get("KMSMasterKeyId")
    if not key:      # the AWS managed key aws/dynamodb: one stable id per account and region
        key = str(uuid.uuid5(uuid.NAMESPACE_URL, f"kms:{ctx.account}:{ctx.region}:aws/dynamodb"))
    if not key.startswith("arn:"):
        resource = key if key.startswith("alias/") else f"key/{key}"
        key = f"arn:aws:kms:{ctx.region}:{ctx.account}:{resource}"
    return {"Status": "ENABLED", "SSEType": "KMS", "KMSMasterKeyArn": key}


# -- CreateTable / DescribeTable / ListTables / DeleteTable ---------------------------------------
@SERVICE.op("CreateTable")
def create_table(ctx: Call, req: dict) -> dict:
    check_create(req)
    name = req["TableName"]
    if ctx.store.get(Table, ctx.account, ctx.region, name) is not None:
        raise ResourceInUseException(f"Table already exists: {name}")
    mode = req.get("BillingMode") or "PROVISIONED"
    table = Table(account=ctx.account, region=ctx.region, name=name, id=ctx.ids.uuid(),
                  created=ctx.now, key_schema=req["KeySchema"],
                  attribute_definitions=req["AttributeDefinitions"], billing_mode=mode,
                  provisioned=_throughput(req.get("ProvisionedThroughput")),
                  on_demand=req.get("OnDemandThroughput"),
                  global_indexes=[_index_record(i, mode, True)
                                  for i in req.get("GlobalSecondaryIndexes") or []],
                  local_indexes=[_index_record(i, mode, False)
                                 for i in req.get("LocalSecondaryIndexes") or []],
                  deletion_protection=bool(req.get("DeletionProtectionEnabled")),
                  table_class=req.get("TableClass") or "STANDARD",
                  table_class_given=req.get("TableClass") is not None,
                  sse=_sse(ctx, req.get("SSESpecification")))
    if mode == "PAY_PER_REQUEST":
        table.provisioned = _throughput(None)
    if req.get("WarmThroughput"):
        _configure_warm(table, req["WarmThroughput"])
    policy = req.get("ResourcePolicy")
    if policy:
        _check_policy(policy)
        table.policy, table.policy_revision = policy, _revision(ctx, None)
    ctx.store.put(table)
    ctx.store.put(TableStats(account=table.account, region=table.region, table_id=table.id))
    spec = req.get("StreamSpecification")
    if spec and spec.get("StreamEnabled"):
        from nuvem.services.dynamodb import streams
        streams.enable(ctx, table, spec["StreamViewType"])
        ctx.store.put(table)
    tags = req.get("Tags")
    if tags:
        ctx.store.tag(table.arn, {t["Key"]: t["Value"] for t in tags})
    creating = {i["IndexName"]: "CREATING" for i in table.global_indexes}
    out = describe(ctx, table, "CREATING", creating)
    if table.warm is None:
        del out["WarmThroughput"]     # CreateTable echoes only a configured one
    return {"TableDescription": out}


@SERVICE.op("DescribeTable")
def describe_table(ctx: Call, req: dict) -> dict:
    return {"Table": describe(ctx, find(ctx, req["TableName"]))}


@SERVICE.op("ListTables")
def list_tables(ctx: Call, req: dict) -> dict:
    limit = req.get("Limit") or 100
    start = req.get("ExclusiveStartTableName")
    kwargs = {"start_after": (start,)} if start else {}
    found = [t.name for t in ctx.store.query(Table, account=ctx.account, region=ctx.region,
                                             limit=limit + 1, fields=("name",), **kwargs)]
    out: dict = {"TableNames": found[:limit]}
    if len(found) > limit:
        out["LastEvaluatedTableName"] = found[limit - 1]
    return out


# DeleteTable's TableDescription leaves out the schema DescribeTable gives (Alternator's
# AWS-checked test_table.py::test_delete_table_description, _with_si).
_NOT_IN_DELETE_DESCRIPTION = ("AttributeDefinitions", "KeySchema", "CreationDateTime",
                              "LocalSecondaryIndexes", "GlobalSecondaryIndexes")


@SERVICE.op("DeleteTable")
def delete_table(ctx: Call, req: dict) -> dict:
    table = find(ctx, req["TableName"])
    if table.deletion_protection:
        raise ValidationException("Resource cannot be deleted as it is currently protected "
                                  "against deletion. Disable deletion protection first.")
    description = describe(ctx, table, "DELETING")
    for schema_field in _NOT_IN_DELETE_DESCRIPTION:
        description.pop(schema_field, None)
    drop_contents(ctx, table)
    if table.stream:
        from nuvem.services.dynamodb import streams
        streams.disable(ctx, table)
    ctx.store.delete(table)
    return {"TableDescription": description}


def drop_contents(ctx: Call, table: Table) -> None:
    """Deletes a table's items, index items, stats and TTL entries."""
    from nuvem.services.dynamodb import ttl
    ttl.forget(ctx, table)
    for cls in (Item, IndexItem):
        for record in list(ctx.store.query(cls, account=table.account, region=table.region,
                                           prefix=(table.id,))):
            ctx.store.delete(record)
    ctx.store.delete(TableStats, table.account, table.region, table.id)
    book = table_stats.ledger(ctx.runtime)
    ctx.store.on_commit(lambda: book.forget((table.account, table.region, table.id)))


# -- UpdateTable ---------------------------------------------------------------------------------
_NOTHING = ("At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, "
            "GlobalSecondaryIndexUpdates, SSESpecification, ReplicaUpdates, "
            "MultiAccountReplicaReady, ReplicaTransitRoleArn, MultiRegionConsistency, "
            "DeletionProtectionEnabled, OnDemandThroughput, WarmThroughput or TableClass is "
            "required")


@SERVICE.op("UpdateTable")
def update_table(ctx: Call, req: dict) -> dict:
    check_throughput_bounds(req.get("ProvisionedThroughput"))   # before the table is looked up
    table = find(ctx, req["TableName"])
    changes = [k for k in ("ProvisionedThroughput", "BillingMode", "StreamSpecification",
                           "GlobalSecondaryIndexUpdates", "SSESpecification",
                           "DeletionProtectionEnabled", "OnDemandThroughput", "TableClass",
                           "ReplicaUpdates", "WarmThroughput") if req.get(k) is not None]
    if req.get("GlobalSecondaryIndexUpdates") == []:    # AWS takes an empty list as no change
        changes.remove("GlobalSecondaryIndexUpdates")
    if not changes:
        raise ValidationException(_NOTHING)
    for only, label in (("SSESpecification", "Server-Side Encryption modification"),
                        ("TableClass", "TableClass modification"),
                        ("DeletionProtectionEnabled", "DeletionProtection modification")):
        if only in changes and len(changes) > 1:
            raise invalid(f"{label} must be the only operation in the request")
    if req.get("WarmThroughput"):       # an empty one leaves other refusals to speak (as AWS)
        if any("Create" in u for u in req.get("GlobalSecondaryIndexUpdates") or ()):
            raise invalid("Create global secondary index cannot be specified when updating "
                          "WarmThroughput")
        if set(changes) - {"WarmThroughput", "GlobalSecondaryIndexUpdates"}:
            raise invalid("WarmThroughput must be the only operation in the request")
    if "OnDemandThroughput" in changes and set(changes) - {"OnDemandThroughput", "BillingMode"}:
        raise invalid("OnDemandThroughput can only be combined with BillingMode in an "
                      "UpdateTable request")
    if "ReplicaUpdates" in changes:
        raise NotImplementedYet("Nuvem does not implement global table replicas yet.",
                                code="NotImplemented")
    stream_change = "StreamSpecification" in changes
    if stream_change and "ProvisionedThroughput" in changes:
        raise invalid("You cannot modify stream status while updating table IOPS")
    if stream_change and "GlobalSecondaryIndexUpdates" in changes:
        raise invalid("You cannot create or delete index while changing stream status")
    index_status: dict[str, str] = {}
    if "WarmThroughput" in changes:
        _configure_warm(table, req["WarmThroughput"])
    in_force = table.billing_mode, table.provisioned, table.decreases_today
    _update_billing(ctx, table, req)
    if stream_change:
        _update_stream(ctx, table, req["StreamSpecification"])
    if "GlobalSecondaryIndexUpdates" in changes:
        index_status = _update_indexes(ctx, table, req)
    if "DeletionProtectionEnabled" in changes:
        table.deletion_protection = bool(req["DeletionProtectionEnabled"])
    if "TableClass" in changes:
        check_table_class(req["TableClass"])
        table.table_class, table.table_class_given = req["TableClass"], True
        table.table_class_changed = ctx.now
    sse_change = None
    if "SSESpecification" in changes:
        sse_change = _update_sse(ctx, table, req["SSESpecification"])
    if "OnDemandThroughput" in changes:
        table.on_demand = req["OnDemandThroughput"]
    ctx.store.put(table)
    description = describe(ctx, table, "UPDATING", index_status)
    if "ProvisionedThroughput" in changes and table.billing_mode == in_force[0]:
        # AWS answers with the units still in force (and the day's decreases before this
        # one) beside the new increase or decrease time: the change applies while UPDATING
        _, units, decreases = in_force
        description["ProvisionedThroughput"].update(
            ReadCapacityUnits=units["ReadCapacityUnits"],
            WriteCapacityUnits=units["WriteCapacityUnits"], NumberOfDecreasesToday=decreases)
    if sse_change:
        description["SSEDescription"] = sse_change
    return {"TableDescription": description}


def _update_billing(ctx: Call, table: Table, req: dict) -> None:
    mode = req.get("BillingMode") or table.billing_mode
    throughput = req.get("ProvisionedThroughput")
    if mode == "PAY_PER_REQUEST":
        if throughput:
            raise invalid("Neither ReadCapacityUnits nor WriteCapacityUnits can be specified "
                          "when BillingMode is PAY_PER_REQUEST")
        if table.billing_mode != mode:
            table.billing_mode, table.billing_changed = mode, ctx.now
            table.provisioned = _throughput(None)
            for index in table.global_indexes:
                index["ProvisionedThroughput"] = _throughput(None)
        return
    if table.billing_mode != mode:          # to PROVISIONED
        if not throughput:
            raise invalid("ProvisionedThroughput must be specified when BillingMode is "
                          "PROVISIONED")
        check_billing(mode, throughput)
        table.warm = _warm(table)           # the on-demand baseline stays as a past peak
        table.billing_mode = mode
        table.provisioned = _throughput(throughput)
        for index in table.global_indexes:   # indexes not named in the request take the table's
            index["ProvisionedThroughput"] = _throughput(throughput)
        return
    if not throughput:
        return
    check_billing(mode, throughput)
    old = table.provisioned
    read, write = throughput["ReadCapacityUnits"], throughput["WriteCapacityUnits"]
    if (read, write) == (old.get("ReadCapacityUnits"), old.get("WriteCapacityUnits")):
        raise ValidationException(
            "The provisioned throughput for the table will not change. The requested value "
            "equals the current value. Current ReadCapacityUnits provisioned for the table: "
            f"{old.get('ReadCapacityUnits')}. Requested ReadCapacityUnits: {read}. Current "
            "WriteCapacityUnits provisioned for the table: "
            f"{old.get('WriteCapacityUnits')}. Requested WriteCapacityUnits: {write}. Refer to "
            "the Amazon DynamoDB Developer Guide for current limits and how to request higher "
            "limits.")
    if read < old.get("ReadCapacityUnits", 0) or write < old.get("WriteCapacityUnits", 0):
        if table.last_decrease is None or table.last_decrease.date() != ctx.now.date():
            table.decreases_today = 0
        table.decreases_today += 1
        table.last_decrease = ctx.now
    if read > old.get("ReadCapacityUnits", 0) or write > old.get("WriteCapacityUnits", 0):
        table.last_increase = ctx.now
    table.provisioned = _throughput(throughput)


def _update_stream(ctx: Call, table: Table, spec: dict) -> None:
    from nuvem.services.dynamodb import streams
    check_stream(spec, creating=False)
    if spec.get("StreamEnabled"):
        if table.stream:
            raise ValidationException(f"Table already has an enabled stream: TableName: "
                                      f"{table.name}")
        streams.enable(ctx, table, spec["StreamViewType"])
    else:
        if not table.stream:
            raise ValidationException(f"Table has no stream to disable: TableName: {table.name}")
        streams.disable(ctx, table)


def _update_sse(ctx: Call, table: Table, spec: dict) -> dict:
    """Apply an SSE change; returns the SSEDescription UpdateTable answers with: the key being
    moved to (or, when turning KMS off, away from) as UPDATING, as DynamoDB shows it."""
    check_sse(spec)
    wanted = _sse(ctx, spec)
    if wanted is None and table.sse is None:
        raise invalid("Table is already encrypted by default")
    if wanted is not None and table.sse is not None and \
            wanted["KMSMasterKeyArn"] == table.sse.get("KMSMasterKeyArn"):
        raise invalid("Table is already encrypted with given KMSMasterKeyId. Use "
                      "KMSMasterKeyId parameter if you want to change Master Key")
    shown = {**(wanted or table.sse), "Status": "UPDATING"}
    table.sse = wanted
    return shown


def _update_indexes(ctx: Call, table: Table, req: dict) -> dict[str, str]:
    from nuvem.services.dynamodb import indexes
    updates = req["GlobalSecondaryIndexUpdates"]
    problems = [problem for i, update in enumerate(updates, 1) if update.get("Create")
                for problem in pattern_problems(
                    update["Create"]["IndexName"],
                    f"globalSecondaryIndexUpdates.{i}.member.create.indexName")]
    if problems:
        raise constraint_errors(problems)
    names: set[str] = set()
    online = 0
    for update in updates:
        actions = [k for k in ("Create", "Update", "Delete") if update.get(k)]
        if not actions:
            raise invalid("One of GlobalSecondaryIndexUpdate.Update, "
                          "GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Delete "
                          "must not be null")
        if len(actions) > 1:
            raise invalid("Only one global secondary index action is allowed per "
                          "GlobalSecondaryIndexUpdate object")
        name = update[actions[0]]["IndexName"]
        if name in names:
            raise invalid("Only one global secondary index update per index is allowed "
                          f"simultaneously. Index: {name}")
        names.add(name)
        online += actions[0] != "Update"
    if online > 1:
        raise LimitExceededException("Subscriber limit exceeded: Only 1 online index can be "
                                     "created or deleted simultaneously per table")
    status: dict[str, str] = {}
    for update in updates:
        if update.get("Create"):
            index = update["Create"]
            _create_index(ctx, table, index, req.get("AttributeDefinitions") or [])
            indexes.backfill(ctx, table, next(i for i in table.global_indexes
                                              if i["IndexName"] == index["IndexName"]))
            status[index["IndexName"]] = "CREATING"
        elif update.get("Update"):
            _change_index(ctx, table, update["Update"])
            status[update["Update"]["IndexName"]] = "UPDATING"
        else:
            name = update["Delete"]["IndexName"]
            _global_index(table, name, "delete")
            indexes.drop(ctx, table, name)
            table.global_indexes = [i for i in table.global_indexes if i["IndexName"] != name]
            _prune_definitions(table)
    return status


def _global_index(table: Table, name: str, verb: str) -> dict:
    for index in table.global_indexes:
        if index["IndexName"] == name:
            return index
    if any(i["IndexName"] == name for i in table.local_indexes):
        raise ValidationException(f"Cannot {verb} an index that is not a GlobalSecondaryIndex: "
                                  f"{name}")
    raise ResourceNotFoundException(f"Requested resource not found: Index: {name} not found "
                                    f"in Table: {table.name}")


def _create_index(ctx: Call, table: Table, index: dict, definitions: list[dict]) -> None:
    name = index["IndexName"]
    if any(i["IndexName"] == name for i in table.global_indexes + table.local_indexes):
        raise ValidationException("Attempting to create an index which already exists")
    if len(table.global_indexes) >= 20:
        raise LimitExceededException("GlobalSecondaryIndex count exceeds the per-table limit "
                                     "of 20")
    check_key_schema(index["KeySchema"])
    projected = check_projection(index.get("Projection")) + sum(
        len(i["Projection"].get("NonKeyAttributes") or ())
        for i in table.global_indexes + table.local_indexes)
    if projected > MAX_PROJECTED:
        raise invalid("The number of NonKeyAttributes projected into all secondary indexes "
                      f"exceeds the limit of {MAX_PROJECTED}")
    check_index_throughput(table.billing_mode, index, creating_table=False)
    known = {d["AttributeName"]: d["AttributeType"] for d in table.attribute_definitions}
    given = {d["AttributeName"]: d["AttributeType"] for d in definitions}
    keys = [k["AttributeName"] for k in index["KeySchema"]]
    # the index's keys are declared again, even those the table already knows
    if any(k not in given for k in keys):
        raise undefined_keys(keys, [d["AttributeName"] for d in definitions])
    for name, kind in given.items():
        if known.get(name, kind) != kind:
            existing = next(schema for schema in [table.key_schema] + [
                i["KeySchema"] for i in table.global_indexes + table.local_indexes]
                if any(k["AttributeName"] == name for k in schema))
            raise invalid("Attributes cannot be redefined. Please check that your attribute has "
                          "the same type as previously defined. Existing schema: "
                          f"{_schema_text(existing, known)} New schema: "
                          f"{_schema_text(index['KeySchema'], {**known, **given})}")
    table.global_indexes.append(_index_record(index, table.billing_mode, True))
    table.attribute_definitions = [{"AttributeName": name, "AttributeType": kind}
                                   for name, kind in {**known, **given}.items()]
    _prune_definitions(table)


def _schema_text(key_schema: list[dict], types: dict) -> str:
    """A key schema as DynamoDB's messages show it: Schema:[SchemaElement: key{x:S:HASH}]."""
    return "Schema:[" + ", ".join(
        f"SchemaElement: key{{{k['AttributeName']}:{types[k['AttributeName']]}:{k['KeyType']}}}"
        for k in key_schema) + "]"


def _change_index(ctx: Call, table: Table, update: dict) -> None:
    index = _global_index(table, update["IndexName"], "update")
    given = update.get("ProvisionedThroughput")
    if table.billing_mode == "PAY_PER_REQUEST":
        if given:
            raise invalid(f"The only Updates for index: {update['IndexName']} when "
                          "TableThroughputMode is PAY_PER_REQUEST can be to OnDemandThroughput, "
                          "WarmThroughput")
    elif given:
        old = index.get("ProvisionedThroughput") or {}
        if (given["ReadCapacityUnits"], given["WriteCapacityUnits"]) == \
                (old.get("ReadCapacityUnits"), old.get("WriteCapacityUnits")):
            raise ValidationException(
                f"The provisioned throughput for the index {update['IndexName']} will not "
                "change. The requested value equals the current value. Current "
                f"ReadCapacityUnits provisioned for the index: {old.get('ReadCapacityUnits')}. "
                f"Requested ReadCapacityUnits: {given['ReadCapacityUnits']}. Current "
                "WriteCapacityUnits provisioned for the index: "
                f"{old.get('WriteCapacityUnits')}. Requested WriteCapacityUnits: "
                f"{given['WriteCapacityUnits']}. Refer to the Amazon DynamoDB Developer Guide "
                "for current limits and how to request higher limits.")
        index["ProvisionedThroughput"] = _throughput(given)
    if update.get("OnDemandThroughput"):
        index["OnDemandThroughput"] = update["OnDemandThroughput"]


def _prune_definitions(table: Table) -> None:
    """Attribute definitions that no key uses any more are dropped, as DynamoDB does."""
    used = {k["AttributeName"] for k in table.key_schema}
    for index in table.global_indexes + table.local_indexes:
        used.update(k["AttributeName"] for k in index["KeySchema"])
    table.attribute_definitions = [d for d in table.attribute_definitions
                                   if d["AttributeName"] in used]


# -- tags ----------------------------------------------------------------------------------------
@SERVICE.op("TagResource")
def tag_resource(ctx: Call, req: dict) -> dict:
    table = _by_resource_arn(ctx, req["ResourceArn"])
    tags = req.get("Tags") or []
    if not tags:
        raise ValidationException("Atleast one Tag needs to be provided as Input.")
    current = ctx.store.tags(table.arn)
    check_tags(tags, len(set(current) - {t["Key"] for t in tags}))
    ctx.store.tag(table.arn, {t["Key"]: t["Value"] for t in tags})
    return {}


@SERVICE.op("UntagResource")
def untag_resource(ctx: Call, req: dict) -> dict:
    table = _by_resource_arn(ctx, req["ResourceArn"])
    keys = req.get("TagKeys") or []
    if not keys:
        raise ValidationException("Atleast one Tag Key needs to be provided as Input.")
    check_tag_count(len(keys))
    ctx.store.untag(table.arn, keys)
    return {}


@SERVICE.op("ListTagsOfResource")
def list_tags_of_resource(ctx: Call, req: dict) -> dict:
    table = _by_resource_arn(ctx, req["ResourceArn"])
    tags = ctx.store.tags(table.arn)
    return {"Tags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())]}


# -- limits, endpoints ---------------------------------------------------------------------------
@SERVICE.op("DescribeLimits")
def describe_limits(ctx: Call, req: dict) -> dict:
    return {"AccountMaxReadCapacityUnits": ACCOUNT_MAX_CAPACITY,
            "AccountMaxWriteCapacityUnits": ACCOUNT_MAX_CAPACITY,
            "TableMaxReadCapacityUnits": TABLE_MAX_CAPACITY,
            "TableMaxWriteCapacityUnits": TABLE_MAX_CAPACITY}


@SERVICE.op("DescribeEndpoints")
def describe_endpoints(ctx: Call, req: dict) -> dict:
    host = ctx.request.host or f"dynamodb.{ctx.region}.amazonaws.com"
    return {"Endpoints": [{"Address": host, "CachePeriodInMinutes": 1440}]}


# -- resource policies ---------------------------------------------------------------------------
def _check_policy(policy: str) -> None:
    if len(policy.encode()) > MAX_POLICY_BYTES:
        raise invalid(f"Maximum policy size of {MAX_POLICY_BYTES} bytes exceeded")
    try:
        doc = json.loads(policy)
    except ValueError:
        doc = None
    if not isinstance(doc, dict):
        raise invalid("Invalid policy document: This policy contains invalid Json")
    statements = doc.get("Statement")
    if not statements:
        raise invalid("Invalid policy document: Could not parse the policy: Statement is empty!")
    for statement in statements if isinstance(statements, list) else [statements]:
        if not isinstance(statement, dict) or "Resource" not in statement:
            raise invalid("Invalid policy document: Missing required field Resource")


def _revision(ctx: Call, previous: str | None) -> str:
    """RevisionId: the epoch milliseconds of the change, always above the previous one."""
    stamp = int(ctx.now.timestamp() * 1000)
    if previous is not None and previous.isdigit() and stamp <= int(previous):
        stamp = int(previous) + 1
    return str(stamp)


def _revision_mismatch(target, expected: str) -> PolicyNotFoundException:
    kind = "table" if isinstance(target, Table) else "stream"
    return PolicyNotFoundException(
        f"Resource-based policy not found for the provided ResourceArn: Requested update for "
        f"policy revision id {expected}, but the policy associated to target {kind} "
        f"{target.arn} has revision id {target.policy_revision}.")


@SERVICE.op("PutResourcePolicy")
def put_resource_policy(ctx: Call, req: dict) -> dict:
    table = _by_resource_arn(ctx, req["ResourceArn"], streams=True)
    _check_policy(req["Policy"])
    expected = req.get("ExpectedRevisionId")
    if expected is not None:
        if expected == "NO_POLICY":
            if table.policy is not None:
                raise _revision_mismatch(table, expected)
        elif expected != table.policy_revision:
            raise _revision_mismatch(table, expected)
    table.policy = req["Policy"]
    table.policy_revision = _revision(ctx, table.policy_revision)
    ctx.store.put(table)
    return {"RevisionId": table.policy_revision}


@SERVICE.op("GetResourcePolicy")
def get_resource_policy(ctx: Call, req: dict) -> dict:
    table = _by_resource_arn(ctx, req["ResourceArn"], streams=True)
    if table.policy is None:
        raise PolicyNotFoundException("Resource-based policy not found for the provided "
                                      f"ResourceArn: {req['ResourceArn']}")
    return {"Policy": table.policy, "RevisionId": table.policy_revision}


@SERVICE.op("DeleteResourcePolicy")
def delete_resource_policy(ctx: Call, req: dict) -> dict:
    table = _by_resource_arn(ctx, req["ResourceArn"], streams=True)
    if table.policy is None:
        raise PolicyNotFoundException("Resource-based policy not found for the provided "
                                      f"ResourceArn: {req['ResourceArn']}")
    expected = req.get("ExpectedRevisionId")
    if expected is not None and expected != table.policy_revision:
        raise _revision_mismatch(table, expected)
    table.policy = None
    table.policy_revision = _revision(ctx, table.policy_revision)
    ctx.store.put(table)
    return {"RevisionId": table.policy_revision}


def resource_view(call: Call, access) -> ResourceView | None:
    """The table's owner and resource policy (which also covers its indexes), so cross-account
    callers are decided by the table policy."""
    arn = access.resources[0] if access.resources else ""
    parsed = parse_arn(arn)
    if parsed is None or "*" in arn:
        return None
    region, account, name, rest = parsed
    if rest.startswith("stream/"):
        return _stream_view(call, region, account, name, rest.split("/")[1])
    if rest and not rest.startswith("index/"):
        return ResourceView(account=account)
    if call.tx is not None:
        table = lookup(call, arn.split("/index/")[0], whole_arn=False, shared=True)
    else:
        with call.runtime.store.read() as read:
            table = read.get(Table, account, region, name)
    if table is None:
        return ResourceView(account=account, exists=False)
    return ResourceView(account=account, policy=(f"table-policy:{table.arn}", table.policy)
                        if table.policy else None)


def owner_of(call: Call) -> tuple[str, bool] | None:
    """The table an item operation names (by name or ARN): its owner and whether it has a
    resource policy."""
    name = call.params.get("TableName")
    table = lookup(call, name, shared=True) if name and call.tx is not None else None
    return (table.account, bool(table.policy)) if table is not None else None


def _stream_view(call: Call, region: str, account: str, table: str, label: str) -> ResourceView:
    from nuvem.services.dynamodb.models import Stream
    if call.tx is not None:
        stream = call.tx.get(Stream, account, region, table, label)
    else:
        with call.runtime.store.read() as read:
            stream = read.get(Stream, account, region, table, label)
    if stream is None:
        return ResourceView(account=account, exists=False)
    return ResourceView(account=account, policy=(f"stream-policy:{stream.arn}", stream.policy)
                        if stream.policy else None)


SERVICE.resource_view = resource_view


# -- continuous backups (point-in-time recovery settings) ----------------------------------------
def continuous_backups(ctx: Call, table: Table) -> dict:
    pitr: dict = {"PointInTimeRecoveryStatus": "ENABLED" if table.pitr else "DISABLED"}
    if table.pitr:
        earliest = max(table.pitr_since or table.created,
                       ctx.now - timedelta(days=table.pitr_recovery_days))
        # the latest restorable time is now: restores copy the table as it is (backups.py)
        pitr.update(RecoveryPeriodInDays=table.pitr_recovery_days,
                    EarliestRestorableDateTime=earliest, LatestRestorableDateTime=ctx.now)
    return {"ContinuousBackupsStatus": "ENABLED", "PointInTimeRecoveryDescription": pitr}


def _table_not_found(name: str) -> TableNotFoundException:
    return TableNotFoundException(f"Table not found: {name}")


@SERVICE.op("DescribeContinuousBackups")
def describe_continuous_backups(ctx: Call, req: dict) -> dict:
    table = find(ctx, req["TableName"], error=_table_not_found)
    return {"ContinuousBackupsDescription": continuous_backups(ctx, table)}


@SERVICE.op("UpdateContinuousBackups")
def update_continuous_backups(ctx: Call, req: dict) -> dict:
    table = find(ctx, req["TableName"], error=_table_not_found)
    spec = req["PointInTimeRecoverySpecification"]
    enabled = spec["PointInTimeRecoveryEnabled"]
    days = spec.get("RecoveryPeriodInDays")
    if not enabled and days is not None:
        raise ValidationException("Invalid Request: Cannot specify RecoveryPeriodInDays when "
                                  "disabling point-in-time recovery.")
    if days is not None and not 1 <= days <= 35:
        raise ValidationException(INVALID + "RecoveryPeriodInDays must be between 1 and 35")
    if enabled and not table.pitr:
        table.pitr_since = ctx.now
    table.pitr = bool(enabled)
    if enabled:
        table.pitr_recovery_days = days or table.pitr_recovery_days or 35
    else:
        table.pitr_since = None
    ctx.store.put(table)
    return {"ContinuousBackupsDescription": continuous_backups(ctx, table)}


SERVICE.owner_of = owner_of
SERVICE.owner_ops = frozenset({"PutItem", "GetItem", "UpdateItem", "DeleteItem", "Query", "Scan",
                               "DescribeTable"})
