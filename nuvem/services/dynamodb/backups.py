"""On-demand backups (CreateBackup, ListBackups, DescribeBackup, DeleteBackup,
RestoreTableFromBackup), RestoreTableToPointInTime, and exports to S3 (ExportTableToPointInTime,
DescribeExport, ListExports).

A backup copies the table's items into BackupItem records in CreateBackup's transaction, with the
table's schema, so a restore rebuilds the table (indexes and counts through items.store_item).
As DynamoDB, a restored table does not carry the source's tags, stream, TTL or PITR settings.

Point-in-time restores support the latest restorable time only (the table as it is now):
DescribeContinuousBackups reports now as LatestRestorableDateTime, and an earlier RestoreDateTime
is answered with NotImplemented, since Nuvem keeps no item history. Exports likewise write the
table as it is now (full exports in DynamoDB JSON), through S3's front door as the caller.
"""
from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
from datetime import datetime, timedelta

from nuvem.context import Call
from nuvem.errors import AwsError, NotImplementedYet
from nuvem.services.dynamodb import SERVICE, table_stats
from nuvem.services.dynamodb.errors import (BackupNotFoundException, ExportNotFoundException,
                                            IdempotentParameterMismatchException,
                                            InvalidRestoreTimeException,
                                            PointInTimeRecoveryUnavailableException,
                                            TableAlreadyExistsException, TableNotFoundException,
                                            ValidationException)
from nuvem.services.dynamodb.models import (Backup, BackupItem, Export, Item, Table, TableStats)


def _table_not_found(name: str) -> TableNotFoundException:
    return TableNotFoundException(f"Table not found: {name}")


def _backup(ctx: Call, arn: str) -> Backup:
    parts = arn.split(":", 5)
    resource = parts[5].split("/") if len(parts) == 6 else []
    if parts[0] != "arn" or len(resource) != 4 or resource[0] != "table" or \
            resource[2] != "backup" or parts[2] != "dynamodb":
        raise ValidationException("Invalid Backup ARN")
    backup = ctx.store.get(Backup, parts[4], parts[3], arn)
    if backup is None:
        raise BackupNotFoundException(f"Backup not found: {arn}")
    return backup


def _details(backup: Backup, status: str | None = None) -> dict:
    return {"BackupArn": backup.arn, "BackupName": backup.name, "BackupSizeBytes": backup.size,
            "BackupStatus": status or backup.status, "BackupType": backup.backup_type,
            "BackupCreationDateTime": backup.created}


def _description(backup: Backup, status: str | None = None) -> dict:
    return {"BackupDetails": _details(backup, status), "SourceTableDetails": backup.table,
            "SourceTableFeatureDetails": backup.features}


_SCHEMA = ("key_schema", "attribute_definitions", "billing_mode", "provisioned", "on_demand",
           "global_indexes", "local_indexes", "sse", "table_class")


@SERVICE.op("CreateBackup")
def create_backup(ctx: Call, req: dict) -> dict:
    from nuvem.services.dynamodb.tables import describe, find
    from nuvem.services.dynamodb.tables_validation import check_name
    table = find(ctx, req["TableName"], error=_table_not_found)
    check_name(req["BackupName"], "backupName")
    stamp = int(ctx.now.timestamp() * 1000)
    arn = f"{table.arn}/backup/{stamp:014d}-{ctx.ids.hex(8)}"
    stats = table_stats.read(ctx, table)
    described = describe(ctx, table)
    source = {"TableName": table.name, "TableId": table.id, "TableArn": table.arn,
              "TableSizeBytes": stats.size if stats else 0, "KeySchema": table.key_schema,
              "TableCreationDateTime": table.created,
              "ProvisionedThroughput": {k: table.provisioned.get(k, 0) for k in
                                        ("ReadCapacityUnits", "WriteCapacityUnits")},
              "ItemCount": stats.items if stats else 0, "BillingMode": table.billing_mode}
    if table.on_demand:
        source["OnDemandThroughput"] = table.on_demand
    features: dict = {}
    for key, wanted in (("LocalSecondaryIndexes", ("IndexName", "KeySchema", "Projection")),
                        ("GlobalSecondaryIndexes", ("IndexName", "KeySchema", "Projection",
                                                    "ProvisionedThroughput"))):
        if described.get(key):
            features[key] = [{k: i[k] for k in wanted if k in i} for i in described[key]]
            for index in features[key]:
                if "ProvisionedThroughput" in index:
                    index["ProvisionedThroughput"] = {
                        k: index["ProvisionedThroughput"].get(k, 0)
                        for k in ("ReadCapacityUnits", "WriteCapacityUnits")}
    if table.stream:
        features["StreamDescription"] = table.stream
    features["TimeToLiveDescription"] = {"TimeToLiveStatus": table.ttl_status,
                                         **({"AttributeName": table.ttl_attribute}
                                            if table.ttl_attribute else {})}
    if table.sse:
        features["SSEDescription"] = table.sse
    backup = Backup(account=table.account, region=table.region, arn=arn, name=req["BackupName"],
                    table=source, features=features, created=ctx.now,
                    size=stats.size if stats else 0, items=stats.items if stats else 0,
                    source={k: getattr(table, k) for k in _SCHEMA})
    for item in ctx.store.query(Item, account=table.account, region=table.region,
                                prefix=(table.id,)):
        ctx.store.put(BackupItem(account=table.account, region=table.region, backup=arn,
                                 pk=item.pk, sk=item.sk, attrs=item.attrs))
    ctx.store.put(backup)
    return {"BackupDetails": _details(backup, "CREATING")}


@SERVICE.op("DescribeBackup")
def describe_backup(ctx: Call, req: dict) -> dict:
    return {"BackupDescription": _description(_backup(ctx, req["BackupArn"]))}


@SERVICE.op("DeleteBackup")
def delete_backup(ctx: Call, req: dict) -> dict:
    backup = _backup(ctx, req["BackupArn"])
    for item in list(ctx.store.query(BackupItem, account=backup.account, region=backup.region,
                                     prefix=(backup.arn,))):
        ctx.store.delete(item)
    ctx.store.delete(backup)
    return {"BackupDescription": _description(backup, "DELETED")}


@SERVICE.op("ListBackups")
def list_backups(ctx: Call, req: dict) -> dict:
    limit = req.get("Limit") or 100
    lower, upper = req.get("TimeRangeLowerBound"), req.get("TimeRangeUpperBound")
    if lower is not None and upper is not None and lower > upper:
        raise ValidationException("One or more parameter values were invalid: Time range lower "
                                  "bound must be less than or equal to upper bound")
    kind = req.get("BackupType") or "USER"
    name = req.get("TableName")
    start = req.get("ExclusiveStartBackupArn")
    kwargs = {"start_after": (start,)} if start else {}
    if name:
        kwargs["startswith"] = f"arn:aws:dynamodb:{ctx.region}:{ctx.account}:table/{name}/backup/"
    found = []
    for backup in ctx.store.query(Backup, account=ctx.account, region=ctx.region, **kwargs):
        if kind != "ALL" and backup.backup_type != kind:
            continue
        if (lower is not None and backup.created < lower) or \
                (upper is not None and backup.created > upper):
            continue
        found.append(backup)
        if len(found) > limit:
            break
    out: dict = {"BackupSummaries": [
        {"TableName": b.table["TableName"], "TableId": b.table["TableId"],
         "TableArn": b.table["TableArn"], **_details(b)} for b in found[:limit]]}
    if len(found) > limit:
        out["LastEvaluatedBackupArn"] = found[limit - 1].arn
    return out


# -- restores ------------------------------------------------------------------------------------
def _new_table(ctx: Call, name: str, schema: dict, req: dict) -> Table:
    """A table for a restore: the source's schema, with the request's overrides."""
    from nuvem.services.dynamodb.tables import _index_record, _sse, _throughput
    from nuvem.services.dynamodb.tables_validation import check_name
    check_name(name, "targetTableName")
    if ctx.store.get(Table, ctx.account, ctx.region, name) is not None:
        raise TableAlreadyExistsException(f"Table already exists: {name}")
    table = Table(account=ctx.account, region=ctx.region, name=name, id=ctx.ids.uuid(),
                  created=ctx.now, key_schema=schema["key_schema"],
                  attribute_definitions=schema["attribute_definitions"],
                  billing_mode=schema["billing_mode"], provisioned=schema["provisioned"],
                  on_demand=schema.get("on_demand"), global_indexes=schema["global_indexes"],
                  local_indexes=schema["local_indexes"], sse=schema.get("sse"),
                  table_class=schema.get("table_class") or "STANDARD")
    mode = req.get("BillingModeOverride")
    throughput = req.get("ProvisionedThroughputOverride")
    if mode == "PAY_PER_REQUEST" and throughput:
        raise ValidationException("Invalid Request: Cannot override ProvisionedThroughput if "
                                  "BillingMode is overridden to PAY_PER_REQUEST")
    if mode == "PROVISIONED" and not throughput and table.billing_mode != "PROVISIONED":
        raise ValidationException("Invalid Request: Must override ProvisionedThroughput if "
                                  "BillingMode is overridden to PROVISIONED")
    if mode:
        table.billing_mode = mode
        if mode == "PAY_PER_REQUEST":
            table.provisioned = _throughput(None)
            for index in table.global_indexes:
                index["ProvisionedThroughput"] = _throughput(None)
    if throughput:
        table.provisioned = _throughput(throughput)
    for key, glob in (("GlobalSecondaryIndexOverride", True),
                      ("LocalSecondaryIndexOverride", False)):
        override = req.get(key)
        if override is None:
            continue
        known = {i["IndexName"] for i in (table.global_indexes if glob else table.local_indexes)}
        for index in override:
            if index["IndexName"] not in known:
                raise ValidationException(f"Invalid Request: Index {index['IndexName']} does not "
                                          "match a secondary index that existed in the source "
                                          "table and cannot be created during the restore "
                                          "operation")
        chosen = [_index_record(i, table.billing_mode, glob) for i in override]
        if glob:
            table.global_indexes = chosen
        else:
            table.local_indexes = chosen
    if req.get("SSESpecificationOverride") is not None:
        table.sse = _sse(ctx, req["SSESpecificationOverride"])
    ctx.store.put(table)
    ctx.store.put(TableStats(account=table.account, region=table.region, table_id=table.id))
    return table


def _restored(ctx: Call, table: Table, summary: dict) -> dict:
    from nuvem.services.dynamodb.tables import describe
    table.restored_from = summary
    ctx.store.put(table)
    out = describe(ctx, table, "CREATING")
    out["RestoreSummary"] = {**summary, "RestoreInProgress": True}
    return {"TableDescription": out}


@SERVICE.op("RestoreTableFromBackup")
def restore_table_from_backup(ctx: Call, req: dict) -> dict:
    from nuvem.services.dynamodb import items
    backup = _backup(ctx, req["BackupArn"])
    table = _new_table(ctx, req["TargetTableName"], backup.source, req)
    for saved in ctx.store.query(BackupItem, account=backup.account, region=backup.region,
                                 prefix=(backup.arn,)):
        items.store_item(ctx, table, saved.pk, saved.sk, None, saved.attrs)
    return _restored(ctx, table, {"SourceBackupArn": backup.arn,
                                  "SourceTableArn": backup.table["TableArn"],
                                  "RestoreDateTime": ctx.now, "RestoreInProgress": False})


@SERVICE.op("RestoreTableToPointInTime")
def restore_table_to_point_in_time(ctx: Call, req: dict) -> dict:
    from nuvem.services.dynamodb import items
    from nuvem.services.dynamodb.tables import continuous_backups, find
    source_name = req.get("SourceTableArn") or req.get("SourceTableName")
    if not source_name or (req.get("SourceTableArn") and req.get("SourceTableName")):
        raise ValidationException("Invalid Request: Must provide exactly one of: "
                                  "sourceTableArn, sourceTableName")
    latest, when = req.get("UseLatestRestorableTime"), req.get("RestoreDateTime")
    if bool(latest) == (when is not None):
        raise ValidationException("Invalid Request: Either one of RestoreDateTime or "
                                  "UseLatestRestorableTime must be specified, but not both")
    source = find(ctx, source_name, error=_table_not_found)
    if not source.pitr:
        raise PointInTimeRecoveryUnavailableException(
            f"Point in time recovery is not enabled for table '{source.name}'")
    if when is not None:
        window = continuous_backups(ctx, source)["PointInTimeRecoveryDescription"]
        earliest: datetime = window["EarliestRestorableDateTime"]
        if when < earliest or when > ctx.now:
            raise InvalidRestoreTimeException(
                f"Invalid Restore Time: The restore time {when.isoformat()} must be between "
                f"{earliest.isoformat()} and {ctx.now.isoformat()}")
        if ctx.now - when > timedelta(seconds=1):
            raise NotImplementedYet("Nuvem restores a table to its latest restorable time only "
                                    "(UseLatestRestorableTime); it keeps no item history.",
                                    code="NotImplemented")
    table = _new_table(ctx, req["TargetTableName"],
                       {k: getattr(source, k) for k in
                        ("key_schema", "attribute_definitions", "billing_mode", "provisioned",
                         "on_demand", "global_indexes", "local_indexes", "sse", "table_class")},
                       req)
    for item in list(ctx.store.query(Item, account=source.account, region=source.region,
                                     prefix=(source.id,))):
        items.store_item(ctx, table, item.pk, item.sk, None, item.attrs)
    return _restored(ctx, table, {"SourceTableArn": source.arn, "RestoreDateTime": ctx.now,
                                  "RestoreInProgress": False})


# -- exports to S3 -------------------------------------------------------------------------------
def _plain(value: dict):
    """An AttributeValue in DynamoDB JSON, as export files hold it (binary as base64)."""
    (kind, v), = value.items()
    if kind == "B":
        return {"B": base64.b64encode(v).decode()}
    if kind == "BS":
        return {"BS": [base64.b64encode(b).decode() for b in v]}
    if kind == "M":
        return {"M": {k: _plain(x) for k, x in v.items()}}
    if kind == "L":
        return {"L": [_plain(x) for x in v]}
    return {kind: v}


def _export(ctx: Call, arn: str) -> Export:
    parts = arn.split(":", 5)
    found = None
    if len(parts) == 6 and "/export/" in parts[5]:
        found = ctx.store.get(Export, parts[4], parts[3], arn)
    if found is None:
        raise ExportNotFoundException(f"Export not found: {arn}")
    return found


@SERVICE.op("ExportTableToPointInTime")
def export_table_to_point_in_time(ctx: Call, req: dict) -> dict:
    """A full export of the table as it is now, in DynamoDB JSON: one gzipped data file and the
    two manifests, written to the bucket as the caller (its S3 permissions apply)."""
    from nuvem.services.dynamodb.tables import find
    token = req.get("ClientToken")
    if token:
        for done in ctx.store.query(Export, account=ctx.account, region=ctx.region):
            if done.client_token == token:
                if done.table_arn != req["TableArn"] or \
                        done.description["S3Bucket"] != req["S3Bucket"]:
                    raise IdempotentParameterMismatchException(
                        "Idempotent parameter mismatch for ClientToken " + token)
                return {"ExportDescription": done.description}
    table = find(ctx, req["TableArn"], error=_table_not_found)
    if req.get("ExportType", "FULL_EXPORT") != "FULL_EXPORT" or \
            (req.get("ExportFormat") or "DYNAMODB_JSON") != "DYNAMODB_JSON":
        raise NotImplementedYet("Nuvem exports FULL_EXPORT in DYNAMODB_JSON format only.",
                                code="NotImplemented")
    if not table.pitr:
        raise PointInTimeRecoveryUnavailableException(
            f"Point in time recovery is not enabled for table '{table.name}'")
    when = req.get("ExportTime")
    if when is not None and (when > ctx.now or ctx.now - when > timedelta(seconds=1)):
        raise NotImplementedYet("Nuvem exports a table as it is now (leave ExportTime out); it "
                                "keeps no item history.", code="NotImplemented")
    stamp = int(ctx.now.timestamp() * 1000)
    export_id = f"{stamp:014d}-{ctx.ids.hex(8)}"
    arn = f"{table.arn}/export/{export_id}"
    bucket = req["S3Bucket"]
    prefix = (req.get("S3Prefix") or "").strip("/")
    base = f"{prefix}/AWSDynamoDB/{export_id}" if prefix else f"AWSDynamoDB/{export_id}"
    lines, size = [], 0
    for item in ctx.store.query(Item, account=table.account, region=table.region,
                                prefix=(table.id,)):
        lines.append(json.dumps({"Item": {k: _plain(v) for k, v in item.attrs.items()}},
                                separators=(",", ":")))
        size += item.size
    data = gzip.compress(("\n".join(lines) + "\n").encode() if lines else b"")
    data_key = f"{base}/data/{ctx.ids.hex(26)}.json.gz"
    description = {
        "ExportArn": arn, "ExportStatus": "COMPLETED", "StartTime": ctx.now,
        "EndTime": ctx.now, "ExportManifest": f"{base}/manifest-summary.json",
        "TableArn": table.arn, "TableId": table.id, "ExportTime": ctx.now, "S3Bucket": bucket,
        "S3BucketOwner": req.get("S3BucketOwner") or ctx.account, "S3Prefix": prefix or None,
        "S3SseAlgorithm": req.get("S3SseAlgorithm") or "AES256",
        "ExportFormat": "DYNAMODB_JSON", "BilledSizeBytes": size, "ItemCount": len(lines),
        "ExportType": "FULL_EXPORT"}
    if token:
        description["ClientToken"] = token
    if req.get("S3SseKmsKeyId"):
        description["S3SseKmsKeyId"] = req["S3SseKmsKeyId"]
    description = {k: v for k, v in description.items() if v is not None}
    files = json.dumps({"itemCount": len(lines), "md5Checksum":
                        base64.b64encode(hashlib.md5(data).digest()).decode(),
                        "etag": hashlib.md5(data).hexdigest(), "dataFileS3Key": data_key})
    summary = json.dumps({
        "version": "2020-06-30", "exportArn": arn, "startTime": ctx.now.isoformat(),
        "endTime": ctx.now.isoformat(), "tableArn": table.arn, "tableId": table.id,
        "exportTime": ctx.now.isoformat(), "s3Bucket": bucket, "s3Prefix": prefix or None,
        "s3SseAlgorithm": description["S3SseAlgorithm"], "s3SseKmsKeyId": None,
        "manifestFilesS3Key": f"{base}/manifest-files.json", "billedSizeBytes": size,
        "itemCount": len(lines), "outputFormat": "DYNAMODB_JSON", "exportType": "FULL_EXPORT"})
    try:
        for key, body in ((data_key, data), (f"{base}/manifest-files.json", files.encode()),
                          (f"{base}/manifest-summary.json", summary.encode())):
            ctx.internal.call("s3", "PutObject", {"Bucket": bucket, "Key": key,
                                                  "Body": io.BytesIO(body)},
                              principal=ctx.principal, account=ctx.account, region=ctx.region,
                              validated=True)
    except AwsError as e:     # the export fails; the call succeeds, as DynamoDB's does
        description.update(ExportStatus="FAILED", FailureCode=e.code, FailureMessage=e.message)
        description.pop("ExportManifest", None)
    ctx.store.put(Export(account=table.account, region=table.region, arn=arn,
                         table_arn=table.arn, description=description, client_token=token))
    return {"ExportDescription": {**description, "ExportStatus": "IN_PROGRESS"}
            if description["ExportStatus"] == "COMPLETED" else description}


@SERVICE.op("DescribeExport")
def describe_export(ctx: Call, req: dict) -> dict:
    return {"ExportDescription": _export(ctx, req["ExportArn"]).description}


@SERVICE.op("ListExports")
def list_exports(ctx: Call, req: dict) -> dict:
    limit = req.get("MaxResults") or 25
    kwargs = {"start_after": (req["NextToken"],)} if req.get("NextToken") else {}
    if req.get("TableArn"):
        kwargs["startswith"] = req["TableArn"] + "/export/"
    found = list(ctx.store.query(Export, account=ctx.account, region=ctx.region,
                                 limit=limit + 1, **kwargs))
    out: dict = {"ExportSummaries": [
        {"ExportArn": e.arn, "ExportStatus": e.description["ExportStatus"],
         "ExportType": e.description.get("ExportType", "FULL_EXPORT")} for e in found[:limit]]}
    if len(found) > limit:
        out["NextToken"] = found[limit - 1].arn
    return out
