"""CreateTable's and UpdateTable's checks, with DynamoDB's messages (the model's bounds and enums
are checked before the handler runs, protocol/validate.py)."""
from __future__ import annotations

import re

from nuvem.protocol.validate import tag_text_ok
from nuvem.services.dynamodb.errors import ValidationException

INVALID = "One or more parameter values were invalid: "
_NAME = re.compile(r"^[a-zA-Z0-9_.-]+$")
MAX_GSI = 20
MAX_LSI = 5
MAX_PROJECTED = 100
MAX_TAGS = 50
MAX_CAPACITY_UNITS = 1_000_000_000_000


def invalid(detail: str) -> ValidationException:
    return ValidationException(INVALID + detail)


def constraint_errors(problems: list[str]) -> ValidationException:
    """The generic validator's form: "N validation error(s) detected: Value ... at ...; ..."."""
    n = len(problems)
    head = f"{n} validation error{'s' if n > 1 else ''} detected: "
    return ValidationException(head + "; ".join(problems))


def pattern_problems(name: str, member: str) -> list[str]:
    if _NAME.match(name):
        return []
    return [f"Value '{name}' at '{member}' failed to satisfy constraint: Member must satisfy "
            "regular expression pattern: [a-zA-Z0-9_.-]+"]


def name_problems(name: str, member: str, *, shortest: int = 3) -> list[str]:
    """What is wrong with a table, index or backup name (the generic validator leaves patterns
    out, and the item operations' TableName, which may be an ARN, has other bounds)."""
    problems = pattern_problems(name, member)
    if len(name) < shortest:
        problems.append(f"Value '{name}' at '{member}' failed to satisfy constraint: Member must "
                        f"have length greater than or equal to {shortest}")
    if len(name) > 255:
        problems.append(f"Value '{name}' at '{member}' failed to satisfy constraint: Member must "
                        "have length less than or equal to 255")
    return problems


def check_table_name_given(name_or_arn: str) -> None:
    """For a table not found: a TableName no table can have (CreateTable refuses it) gets the
    validator's complaint instead, as AWS checks the name before it looks for the table."""
    if not name_or_arn.startswith("arn:"):
        # the member is the ARN-capable shape: at least 1 character, not 3
        problems = name_problems(name_or_arn, "tableName", shortest=1)
        if problems:
            raise constraint_errors(problems)


def check_name(name: str, member: str = "tableName", *, more: list[str] = ()) -> None:
    """A table, index or backup name; `more`: other such problems of the request, reported
    together."""
    problems = name_problems(name, member) + list(more)
    if problems:
        raise constraint_errors(problems)


def _key_schema_problems(schema: list[dict]) -> list[str]:
    """A table's key has at most two attributes (the model no longer says so: GSIs may have
    more)."""
    if len(schema) <= 2:
        return []
    shown = ", ".join(f"KeySchemaElement(attributeName={k.get('AttributeName')}, "
                      f"keyType={k.get('KeyType')})" for k in schema)
    return [f"Value '[{shown}]' at 'keySchema' failed to satisfy constraint: Member must have "
            "length less than or equal to 2"]


def check_key_schema(schema: list[dict]) -> None:
    if not schema or schema[0].get("KeyType") != "HASH":
        raise ValidationException("Invalid KeySchema: The first KeySchemaElement is not a HASH "
                                  "key type")
    if len(schema) > 1:
        # the names before the second element's type (dynalite's AWS-recorded createTable.js '5')
        if schema[0]["AttributeName"] == schema[1]["AttributeName"]:
            raise ValidationException("Both the Hash Key and the Range Key element in the "
                                      "KeySchema have the same name")
        if schema[1].get("KeyType") != "RANGE":
            raise ValidationException("Invalid KeySchema: The second KeySchemaElement is not a "
                                      "RANGE key type")


def check_projection(projection: dict | None) -> int:
    """Returns how many NonKeyAttributes the projection names."""
    projection = projection or {}
    kind = projection.get("ProjectionType")
    extra = projection.get("NonKeyAttributes")
    if kind is None:
        raise invalid("Unknown ProjectionType: null")
    if kind == "INCLUDE" and not extra:
        raise invalid("ProjectionType is INCLUDE, but NonKeyAttributes is not specified")
    if kind != "INCLUDE" and extra is not None:
        raise invalid(f"ProjectionType is {kind}, but NonKeyAttributes is specified")
    seen: set[str] = set()
    for name in extra or ():
        if name in seen:
            raise invalid(f"Duplicate element in NonKeyAttributes: {name}")
        seen.add(name)
    return len(seen)


TABLE_CLASSES = ("STANDARD", "STANDARD_INFREQUENT_ACCESS")


def check_table_class(table_class: str | None) -> None:
    """DynamoDB words this refusal itself (the model overlay drops the enum)."""
    if table_class is not None and table_class not in TABLE_CLASSES:
        raise ValidationException("Invalid table-class parameter provided. Please try again "
                                  "with a valid table-class value: "
                                  f"[{', '.join(TABLE_CLASSES)}].")


def check_throughput_bounds(throughput: dict | None) -> None:
    """Provisioned units past DynamoDB's bound, read units reported first."""
    for name in ("ReadCapacityUnits", "WriteCapacityUnits"):
        value = (throughput or {}).get(name)
        if value is not None and value > MAX_CAPACITY_UNITS:
            raise ValidationException(f"Given value {value} for {name} is out of bounds")


def check_billing(mode: str, throughput: dict | None) -> None:
    if mode == "PAY_PER_REQUEST" and throughput:
        raise invalid("Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when "
                      "BillingMode is PAY_PER_REQUEST")
    if mode == "PROVISIONED" and (not throughput or "ReadCapacityUnits" not in throughput
                                  or "WriteCapacityUnits" not in throughput):
        raise invalid("ReadCapacityUnits and WriteCapacityUnits must both be specified when "
                      "BillingMode is PROVISIONED")


def check_index_throughput(mode: str, index: dict, creating_table: bool) -> None:
    name = index["IndexName"]
    given = index.get("ProvisionedThroughput")
    if mode == "PROVISIONED" and not given:
        raise invalid(f"ProvisionedThroughput is not specified for index: {name}" if creating_table
                      else f"ProvisionedThroughput must be specified for index: {name}")
    if mode == "PAY_PER_REQUEST" and given:
        raise invalid(f"ProvisionedThroughput should not be specified for index: {name} when "
                      "BillingMode is PAY_PER_REQUEST" if creating_table else
                      "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified for "
                      f"index: {name} when BillingMode is PAY_PER_REQUEST")


def check_table_name_present(req: dict) -> None:
    """DynamoDB's own words for a missing TableName where the model overlay leaves it to us
    (CreateTable, DescribeTimeToLive, UpdateTimeToLive)."""
    if "TableName" not in req:
        raise ValidationException("The parameter 'TableName' is required but was not present "
                                  "in the request")


def check_create(req: dict) -> None:
    """Every CreateTable rule, in the order DynamoDB reports them."""
    check_table_name_present(req)
    check_name(req["TableName"], more=_key_schema_problems(req["KeySchema"]) + [
        problem for param, member in (("LocalSecondaryIndexes", "localSecondaryIndexes"),
                                      ("GlobalSecondaryIndexes", "globalSecondaryIndexes"))
        for i, index in enumerate(req.get(param) or [], 1)
        for problem in pattern_problems(index["IndexName"], f"{member}.{i}.member.indexName")])
    check_table_class(req.get("TableClass"))
    check_throughput_bounds(req.get("ProvisionedThroughput"))
    definitions = req.get("AttributeDefinitions") or []
    names = [d["AttributeName"] for d in definitions]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise ValidationException(f"Attribute Name is duplicated: {name}")
    schema = req["KeySchema"]
    keys = [k["AttributeName"] for k in schema]
    # a two-attribute key naming an undefined attribute, or one attribute twice over a single
    # definition, is refused before the key types are looked at
    if len(keys) == 2 and (any(k not in names for k in keys)
                           or (keys[0] == keys[1] and len(names) == 1)):
        raise ValidationException("Invalid KeySchema: Some index key attribute have no definition")
    check_key_schema(schema)
    lsis = req.get("LocalSecondaryIndexes")
    gsis = req.get("GlobalSecondaryIndexes")
    mode = req.get("BillingMode") or "PROVISIONED"
    check_billing(mode, req.get("ProvisionedThroughput"))
    used = [k["AttributeName"] for k in schema]
    if lsis is not None:
        if not lsis:
            raise invalid("List of LocalSecondaryIndexes is empty")
        if len(schema) < 2:
            raise invalid("Table KeySchema does not have a range key, which is required when "
                          "specifying a LocalSecondaryIndex")
        if len(lsis) > MAX_LSI:
            raise invalid(f"Number of LocalSecondaryIndexes exceeds per-table limit of {MAX_LSI}")
    if gsis is not None:
        if not gsis:
            raise invalid("List of GlobalSecondaryIndexes is empty")
        if len(gsis) > MAX_GSI:
            raise invalid(f"GlobalSecondaryIndex count exceeds the per-table limit of {MAX_GSI}")
    seen: set[str] = set()
    projected = 0
    # index by index: its keys defined, its key schema, an LSI's range key and hash key, its
    # projection (dynalite's AWS-recorded createTable.js '15' to '21')
    for index in (lsis or []) + (gsis or []):
        name = index["IndexName"]
        if name in seen:
            raise invalid(f"Duplicate index name: {name}")
        seen.add(name)
        keys = [k["AttributeName"] for k in index["KeySchema"]]
        if any(k not in names for k in keys):
            raise undefined_keys(keys, names)
        check_key_schema(index["KeySchema"])
        if index in (lsis or []):
            if len(keys) < 2:
                raise invalid(f"Index KeySchema does not have a range key for index: {name}")
            if keys[0] != schema[0]["AttributeName"]:
                raise invalid(f"Index KeySchema does not have the same leading hash key as "
                              f"table KeySchema for index: {name}. index hash key: {keys[0]}, "
                              f"table hash key: {schema[0]['AttributeName']}")
        projected += check_projection(index.get("Projection"))
        used += keys
    for index in gsis or []:
        check_index_throughput(mode, index, creating_table=True)
    if projected > MAX_PROJECTED:
        raise invalid("The number of NonKeyAttributes projected into all secondary indexes "
                      f"exceeds the limit of {MAX_PROJECTED}")
    distinct = list(dict.fromkeys(used))
    if any(k not in names for k in distinct):
        raise undefined_keys(distinct, names)
    if len(names) != len(distinct):
        if lsis is None and gsis is None:
            raise invalid("Number of attributes in KeySchema does not exactly match number of "
                          "attributes defined in AttributeDefinitions")
        raise invalid(f"Some AttributeDefinitions are not used. AttributeDefinitions: "
                      f"[{', '.join(names)}], keys used: [{', '.join(distinct)}]")
    check_stream(req.get("StreamSpecification"), creating=True)
    check_sse(req.get("SSESpecification"))
    check_tags(req.get("Tags"))


def undefined_keys(keys: list[str], names: list[str]) -> ValidationException:
    return invalid("Some index key attributes are not defined in AttributeDefinitions. "
                   f"Keys: [{', '.join(keys)}], AttributeDefinitions: [{', '.join(names)}]")


def check_stream(spec: dict | None, creating: bool) -> None:
    if spec is None:
        return
    enabled, view = spec.get("StreamEnabled"), spec.get("StreamViewType")
    if enabled and not view:
        raise invalid("Table is being created with a stream enabled, UpdateViewType is required"
                      if creating else "If stream is being enabled then UpdateViewType is "
                      "required")
    if not enabled and view:
        raise invalid("Table is being created with a stream disabled, UpdateViewType should not "
                      "be specified" if creating else "If stream is being disabled, then "
                      "UpdateViewType must not be specified")


def check_sse(spec: dict | None) -> None:
    if not spec:
        return
    if spec.get("Enabled") is False:
        if spec.get("SSEType"):
            raise invalid("SSEType can not be specified if Enabled is false")
        if spec.get("KMSMasterKeyId"):
            raise invalid("KMSMasterKeyId can not be specified if Enabled is false")
    if spec.get("SSEType") == "AES256":
        raise invalid("SSEType AES256 is not supported")
    if spec.get("KMSMasterKeyId") and not spec.get("SSEType"):
        raise invalid("SSEType KMS is required if KMSMasterKeyId is specified")


def check_tags(tags: list[dict] | None, existing: int = 0) -> None:
    if not tags:
        return
    keys = set()
    for tag in tags:
        key, value = tag.get("Key"), tag.get("Value")
        if key.startswith("aws:"):
            raise ValidationException(f"Tag Key cannot be prefixed with aws:, Key: {key}")
        if not tag_text_ok(key):
            raise ValidationException(f"The Tag Key provided is invalid, Key: {key}")
        if value is None or not tag_text_ok(value):
            raise ValidationException("The Tag Value provided is invalid, Value: "
                                      f"{'null' if value is None else value}")
        if key in keys:
            raise ValidationException("Duplicate Tag Keys provided as input: Duplicate Tag Key "
                                      f"found {key}")
        keys.add(key)
    check_tag_count(len(keys) + existing)


def check_tag_count(count: int) -> None:
    if count > MAX_TAGS:
        raise ValidationException("Number of Tags exceed the current limit for the provided "
                                  "ResourceArn")
