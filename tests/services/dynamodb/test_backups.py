"""On-demand backups and restores over the wire: CreateBackup copies the items, ListBackups,
DescribeBackup, DeleteBackup, RestoreTableFromBackup (with overrides), and point-in-time restores
to the latest restorable time."""
from datetime import datetime, timedelta, timezone

import pytest
from botocore.exceptions import ClientError

from tests.services.dynamodb.control_fixtures import (dynamodb, fail, simple_table,  # noqa: F401
                                                      table_name)


def filled(client, name, count=3, **kwargs):
    simple_table(client, name, **kwargs)
    for i in range(count):
        client.put_item(TableName=name, Item={"pk": {"S": f"k{i}"}, "g": {"S": "x"},
                                              "blob": {"B": bytes([i, 0, 255])}})


def test_backup_and_restore(dynamodb, table_name):
    filled(dynamodb, table_name, GlobalSecondaryIndexes=[{
        "IndexName": "by-g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
        "Projection": {"ProjectionType": "KEYS_ONLY"}}], AttributeDefinitions=[
        {"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "g", "AttributeType": "S"}])
    details = dynamodb.create_backup(TableName=table_name, BackupName="nightly")["BackupDetails"]
    arn = details["BackupArn"]
    assert arn.startswith(f"arn:aws:dynamodb:us-east-1:000000000000:table/{table_name}/backup/")
    assert details["BackupStatus"] == "CREATING" and details["BackupType"] == "USER"
    # later writes are not in the backup
    dynamodb.put_item(TableName=table_name, Item={"pk": {"S": "after"}})
    dynamodb.delete_item(TableName=table_name, Key={"pk": {"S": "k0"}})
    described = dynamodb.describe_backup(BackupArn=arn)["BackupDescription"]
    assert described["BackupDetails"]["BackupStatus"] == "AVAILABLE"
    assert described["BackupDetails"]["BackupName"] == "nightly"
    assert described["SourceTableDetails"]["TableName"] == table_name
    assert described["SourceTableDetails"]["ItemCount"] == 3
    assert described["SourceTableDetails"]["BillingMode"] == "PAY_PER_REQUEST"
    assert described["SourceTableFeatureDetails"]["GlobalSecondaryIndexes"][0]["IndexName"] == "by-g"
    target = f"{table_name}-restored"
    out = dynamodb.restore_table_from_backup(TargetTableName=target, BackupArn=arn)
    assert out["TableDescription"]["TableStatus"] == "CREATING"
    assert out["TableDescription"]["RestoreSummary"]["RestoreInProgress"] is True
    dynamodb.get_waiter("table_exists").wait(TableName=target)
    table = dynamodb.describe_table(TableName=target)["Table"]
    assert table["RestoreSummary"]["SourceBackupArn"] == arn
    assert table["RestoreSummary"]["SourceTableArn"].endswith(f"table/{table_name}")
    assert table["RestoreSummary"]["RestoreInProgress"] is False
    assert table["ItemCount"] == 3 and table["GlobalSecondaryIndexes"][0]["ItemCount"] == 3
    items = dynamodb.scan(TableName=target)["Items"]
    assert sorted(i["pk"]["S"] for i in items) == ["k0", "k1", "k2"]
    assert {bytes(i["blob"]["B"]) for i in items} == {bytes([n, 0, 255]) for n in range(3)}
    found = dynamodb.query(TableName=target, IndexName="by-g", KeyConditionExpression="g = :g",
                           ExpressionAttributeValues={":g": {"S": "x"}})["Items"]
    assert len(found) == 3
    with pytest.raises(ClientError) as e:
        dynamodb.restore_table_from_backup(TargetTableName=target, BackupArn=arn)
    assert fail(e) == ("TableAlreadyExistsException", 400, f"Table already exists: {target}")


def test_list_and_delete_backups(dynamodb, table_name):
    filled(dynamodb, table_name, 1)
    arns = [dynamodb.create_backup(TableName=table_name, BackupName=f"b-{i}")["BackupDetails"][
        "BackupArn"] for i in range(3)]
    listed = dynamodb.list_backups(TableName=table_name)["BackupSummaries"]
    assert sorted(b["BackupArn"] for b in listed) == sorted(arns)
    assert {b["TableName"] for b in listed} == {table_name}
    assert all(b["BackupStatus"] == "AVAILABLE" and b["BackupSizeBytes"] > 0 for b in listed)
    page = dynamodb.list_backups(TableName=table_name, Limit=2)
    assert len(page["BackupSummaries"]) == 2
    rest = dynamodb.list_backups(TableName=table_name,
                                 ExclusiveStartBackupArn=page["LastEvaluatedBackupArn"])
    assert len(rest["BackupSummaries"]) == 1 and "LastEvaluatedBackupArn" not in rest
    future = datetime.now(timezone.utc) + timedelta(days=1)
    assert dynamodb.list_backups(TableName=table_name,
                                 TimeRangeLowerBound=future)["BackupSummaries"] == []
    gone = dynamodb.delete_backup(BackupArn=arns[0])["BackupDescription"]
    assert gone["BackupDetails"]["BackupStatus"] == "DELETED"
    with pytest.raises(ClientError) as e:
        dynamodb.describe_backup(BackupArn=arns[0])
    assert fail(e) == ("BackupNotFoundException", 400, f"Backup not found: {arns[0]}")
    # a backup outlives its table
    dynamodb.delete_table(TableName=table_name)
    assert dynamodb.describe_backup(BackupArn=arns[1])["BackupDescription"]["BackupDetails"][
        "BackupStatus"] == "AVAILABLE"


def test_backup_errors(dynamodb, table_name):
    with pytest.raises(ClientError) as e:
        dynamodb.create_backup(TableName="no-such-table", BackupName="bk1")
    assert fail(e) == ("TableNotFoundException", 400, "Table not found: no-such-table")
    with pytest.raises(ClientError) as e:
        dynamodb.restore_table_from_backup(
            TargetTableName=table_name,
            BackupArn="arn:aws:dynamodb:us-east-1:000000000000:table/x/backup/01-abc")
    assert fail(e)[:2] == ("BackupNotFoundException", 400)
    # an ARN that is no backup's at all (ack-api-quirks' live catalogue)
    for call in (lambda arn: dynamodb.describe_backup(BackupArn=arn),
                 lambda arn: dynamodb.delete_backup(BackupArn=arn),
                 lambda arn: dynamodb.restore_table_from_backup(TargetTableName=table_name,
                                                                BackupArn=arn)):
        for arn in ("x" * 40, "arn:aws:dynamodb:us-east-1:000000000000:table/x/stream/01-abc"):
            with pytest.raises(ClientError) as e:
                call(arn)
            assert fail(e) == ("ValidationException", 400, "Invalid Backup ARN")


def test_restore_with_billing_override(dynamodb, table_name):
    filled(dynamodb, table_name, 2)
    arn = dynamodb.create_backup(TableName=table_name, BackupName="bk2")["BackupDetails"]["BackupArn"]
    with pytest.raises(ClientError) as e:
        dynamodb.restore_table_from_backup(TargetTableName=f"{table_name}-p", BackupArn=arn,
                                           BillingModeOverride="PROVISIONED")
    assert fail(e) == ("ValidationException", 400, "Invalid Request: Must override "
                       "ProvisionedThroughput if BillingMode is overridden to PROVISIONED")
    dynamodb.restore_table_from_backup(
        TargetTableName=f"{table_name}-p", BackupArn=arn, BillingModeOverride="PROVISIONED",
        ProvisionedThroughputOverride={"ReadCapacityUnits": 4, "WriteCapacityUnits": 2})
    table = dynamodb.describe_table(TableName=f"{table_name}-p")["Table"]
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 4
    assert table["ItemCount"] == 2


def test_point_in_time_restore(dynamodb, table_name):
    filled(dynamodb, table_name, 2)
    target = f"{table_name}-pitr"
    with pytest.raises(ClientError) as e:
        dynamodb.restore_table_to_point_in_time(SourceTableName=table_name,
                                                TargetTableName=target,
                                                UseLatestRestorableTime=True)
    assert fail(e) == ("PointInTimeRecoveryUnavailableException", 400,
                       f"Point in time recovery is not enabled for table '{table_name}'")
    dynamodb.update_continuous_backups(TableName=table_name, PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": True})
    with pytest.raises(ClientError) as e:
        dynamodb.restore_table_to_point_in_time(SourceTableName=table_name,
                                                TargetTableName=target)
    assert fail(e)[:2] == ("ValidationException", 400)
    with pytest.raises(ClientError) as e:
        dynamodb.restore_table_to_point_in_time(
            SourceTableName=table_name, TargetTableName=target,
            RestoreDateTime=datetime.now(timezone.utc) - timedelta(days=3))
    assert fail(e)[:2] == ("InvalidRestoreTimeException", 400)
    out = dynamodb.restore_table_to_point_in_time(SourceTableName=table_name,
                                                  TargetTableName=target,
                                                  UseLatestRestorableTime=True)
    assert out["TableDescription"]["RestoreSummary"]["SourceTableArn"].endswith(table_name)
    assert sorted(i["pk"]["S"] for i in dynamodb.scan(TableName=target)["Items"]) == ["k0", "k1"]


def test_export_to_s3(nuvem, dynamodb, table_name):
    import gzip
    import json
    filled(dynamodb, table_name, 2)
    arn = dynamodb.describe_table(TableName=table_name)["Table"]["TableArn"]
    s3 = nuvem.client("s3")
    bucket = f"exports-{table_name.lower().replace('_', '-')}"[:60]
    s3.create_bucket(Bucket=bucket)
    with pytest.raises(ClientError) as e:
        dynamodb.export_table_to_point_in_time(TableArn=arn, S3Bucket=bucket)
    assert fail(e)[:2] == ("PointInTimeRecoveryUnavailableException", 400)
    dynamodb.update_continuous_backups(TableName=table_name, PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": True})
    started = dynamodb.export_table_to_point_in_time(TableArn=arn, S3Bucket=bucket,
                                                     S3Prefix="dumps")["ExportDescription"]
    assert started["ExportStatus"] == "IN_PROGRESS"
    export = dynamodb.describe_export(ExportArn=started["ExportArn"])["ExportDescription"]
    assert export["ExportStatus"] == "COMPLETED" and export["ItemCount"] == 2
    assert export["ExportFormat"] == "DYNAMODB_JSON"
    summary = json.loads(s3.get_object(Bucket=bucket, Key=export["ExportManifest"])["Body"].read())
    assert summary["exportArn"] == export["ExportArn"] and summary["itemCount"] == 2
    files = json.loads(s3.get_object(Bucket=bucket, Key=summary["manifestFilesS3Key"])[
        "Body"].read())
    assert files["dataFileS3Key"].startswith("dumps/AWSDynamoDB/")
    data = gzip.decompress(s3.get_object(Bucket=bucket, Key=files["dataFileS3Key"])["Body"].read())
    items = [json.loads(line)["Item"] for line in data.decode().splitlines()]
    assert sorted(i["pk"]["S"] for i in items) == ["k0", "k1"]
    assert {i["blob"]["B"] for i in items} == {"AAD/", "AQD/"}          # base64 of the bytes
    listed = dynamodb.list_exports(TableArn=arn)["ExportSummaries"]
    assert listed == [{"ExportArn": export["ExportArn"], "ExportStatus": "COMPLETED",
                       "ExportType": "FULL_EXPORT"}]
    failed = dynamodb.export_table_to_point_in_time(TableArn=arn, S3Bucket=f"{bucket}-missing")
    arn_failed = failed["ExportDescription"]["ExportArn"]
    gone = dynamodb.describe_export(ExportArn=arn_failed)["ExportDescription"]
    assert gone["ExportStatus"] == "FAILED" and gone["FailureCode"] == "NoSuchBucket"
    with pytest.raises(ClientError) as e:
        dynamodb.describe_export(ExportArn=arn + "/export/01-nothing")
    assert fail(e)[:2] == ("ExportNotFoundException", 400)
