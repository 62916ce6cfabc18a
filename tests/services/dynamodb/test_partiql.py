"""PartiQL over the wire: ExecuteStatement (SELECT as Query or Scan, INSERT, UPDATE, DELETE),
BatchExecuteStatement and ExecuteTransaction."""
import json

import pytest
from botocore.exceptions import ClientError

from tests.services.dynamodb.conftest import NESTING, error, make_table, nested

MALFORMED = "Statement wasn't well formed, can't be processed: "
CANCELLED = "Transaction cancelled, please refer cancellation reasons for specific reasons "


def S(v):
    return {"S": v}


def N(v):
    return {"N": str(v)}


def run(ddb, statement, *params, **kw):
    if params:
        kw["Parameters"] = list(params)
    return ddb.execute_statement(Statement=statement, **kw)


@pytest.fixture
def orders(ddb, tname):
    make_table(ddb, tname, range_key=("sk", "N"), attrs=[("status", "S")],
               gsis=[("bystatus", "status", "sk", "ALL")])
    for c in ("a", "b"):
        for i in range(1, 6):
            ddb.put_item(TableName=tname, Item={
                "pk": S(c), "sk": N(i), "status": S("open" if i % 2 else "done"),
                "total": N(i * 10), "tags": {"SS": ["x", f"t{i}"]}})
    return tname


def test_insert_select_update_delete(ddb, tname):
    make_table(ddb, tname, range_key=("sk", "N"))
    out = run(ddb, f"""INSERT INTO "{tname}" VALUE {{'pk': 'k', 'sk': 1, 'n': 1.50, 'b': TRUE,
              'z': NULL, 'm': {{'a': [1, 'two']}}, 'ss': <<'p', 'q'>>, 'it''s': ?}}""", S("v"))
    assert out["Items"] == []
    item = run(ddb, f'SELECT * FROM "{tname}" WHERE pk = ? AND sk = 1', S("k"))["Items"]
    assert item == [{"pk": S("k"), "sk": N(1), "n": N("1.5"), "b": {"BOOL": True},
                     "z": {"NULL": True}, "m": {"M": {"a": {"L": [N(1), S("two")]}}},
                     "ss": {"SS": ["p", "q"]}, "it's": S("v")}]
    out = run(ddb, f"""UPDATE "{tname}" SET n = n + ?, extra = 'e' REMOVE b, z
              WHERE pk = 'k' AND sk = 1 RETURNING ALL NEW *""", N(2))
    assert out["Items"][0]["n"] == N("3.5")
    assert "b" not in out["Items"][0] and out["Items"][0]["extra"] == S("e")
    out = run(ddb, f"""UPDATE "{tname}" SET ss = set_add(ss, <<'r'>>) WHERE pk = 'k' AND sk = 1
              RETURNING MODIFIED OLD *""")
    assert out["Items"] == [{"ss": {"SS": ["p", "q"]}}]
    got = ddb.get_item(TableName=tname, Key={"pk": S("k"), "sk": N(1)})["Item"]
    assert sorted(got["ss"]["SS"]) == ["p", "q", "r"]
    out = run(ddb, f'DELETE FROM "{tname}" WHERE pk = \'k\' AND sk = 1 RETURNING ALL OLD *')
    assert out["Items"][0]["pk"] == S("k")
    assert "Item" not in ddb.get_item(TableName=tname, Key={"pk": S("k"), "sk": N(1)})
    # deleting an item that is not there is not an error
    assert run(ddb, f'DELETE FROM "{tname}" WHERE pk = \'k\' AND sk = 1')["Items"] == []


def test_write_errors(ddb, tname):
    make_table(ddb, tname, range_key=("sk", "N"))
    run(ddb, f"INSERT INTO \"{tname}\" VALUE {{'pk': 'k', 'sk': 1, 'v': 1}}")
    with pytest.raises(ClientError) as e:
        run(ddb, f"INSERT INTO \"{tname}\" VALUE {{'pk': 'k', 'sk': 1}}")
    assert error(e) == ("DuplicateItemException", 400, "Duplicate primary key exists in table")
    with pytest.raises(ClientError) as e:
        run(ddb, f"UPDATE \"{tname}\" SET v = 2 WHERE pk = 'k'")
    assert error(e) == ("ValidationException", 400,
                        "Where clause does not contain a mandatory equality on all key attributes")
    with pytest.raises(ClientError) as e:
        run(ddb, f"DELETE FROM \"{tname}\" WHERE pk = 'k' OR sk = 1")
    assert error(e)[2] == "Where clause does not contain a mandatory equality on all key attributes"
    with pytest.raises(ClientError) as e:            # UPDATE writes only an existing item
        run(ddb, f"UPDATE \"{tname}\" SET v = 2 WHERE pk = 'nope' AND sk = 1")
    assert error(e) == ("ConditionalCheckFailedException", 400, "The conditional request failed")
    with pytest.raises(ClientError) as e:
        run(ddb, f"UPDATE \"{tname}\" SET v = 2 WHERE pk = 'k' AND sk = 1 AND v > 5",
            ReturnValuesOnConditionCheckFailure="ALL_OLD")
    assert error(e)[0] == "ConditionalCheckFailedException"
    assert e.value.response["Item"] == {"pk": S("k"), "sk": N(1), "v": N(1)}
    with pytest.raises(ClientError) as e:
        run(ddb, f"DELETE FROM \"{tname}\" WHERE pk = 'k' AND sk = 1 AND v = 7")
    assert error(e)[0] == "ConditionalCheckFailedException"
    with pytest.raises(ClientError) as e:
        run(ddb, f"UPDATE \"{tname}\" SET pk = 'x' WHERE pk = 'k' AND sk = 1")
    assert error(e) == ("ValidationException", 400, "One or more parameter values were invalid: "
                        "Cannot update attribute pk. This attribute is part of the key")
    with pytest.raises(ClientError) as e:
        run(ddb, f"INSERT INTO \"{tname}\" VALUE {{'pk': 'k2'}}")
    assert error(e) == ("ValidationException", 400,
                        "One or more parameter values were invalid: Missing the key sk in the item")
    with pytest.raises(ClientError) as e:
        run(ddb, 'SELECT * FROM "no-such-partiql-table"')
    assert error(e) == ("ResourceNotFoundException", 400, "Requested resource not found")
    assert run(ddb, f'SELECT v FROM "{tname}"')["Items"] == [{"v": N(1)}]


@pytest.mark.parametrize("statement,detail", [
    ("SELEC * FROM t", "Expected data manipulation"),
    ("CREATE TABLE x", "Expected data manipulation"),
    # where an expression should start (paritysuite/dynamodb-conformance's AWS-run cases)
    ('SELECT * FROM "t" WHERE', "Unexpected term"),
    ('SELECT * FROM "t" WHERE;', "Unexpected term"),
    ('SELECT * FROM "t" WHERE NOT', "Unexpected term"),
    ('SELECT * FROM "t" WHERE (', "Unexpected term"),
    ('UPDATE "t" SET a = 1 WHERE', "Unexpected term"),
    ("SELECT * FROM", "Unexpected term"),
    ('SELECT * FROM "t" WHERE ORDER BY a', "Unexpected keyword"),
    ('SELECT * FROM "t" WHERE IS NULL', "Unexpected operator"),
    ('SELECT * FROM "t" WHERE a = LIKE', "Unexpected operator"),
    ("SELECT * FROM \"t\" WHERE a = 'p' AND", "Missing right-hand side expression of infix operator"),
    ("SELECT * FROM \"t\" WHERE a = 'p' OR", "Missing right-hand side expression of infix operator"),
    ("SELECT * FROM \"t\" WHERE a = 'p' AND x IS FOO", "Expected type name"),
    ("DELETE FROM", "Expected identifier for simple path"),
    ("DELETE FROM;", "Expected identifier for simple path"),
    ("DELETE FROM WHERE a = 'p'", "Expected identifier for simple path"),
    ("FROM \"t\" SET c = 1 WHERE a = 'p'", "Unexpected token after expression"),
    # what the tokenizer cannot read gets no detail after the colon (as paritysuite and
    # nubo-db's dynamodb-conformance captured from AWS)
    ("SELECT * FROM \"t\" WHERE a = 'x", ""),
    ('SELECT * FROM "t', ""),
    ("SELECT * FROM \"t\" WHERE a = 1 # note", ""),
    ("SELECT * FROM \"t\" WHERE a = 1 /* note", ""),
    ("SELECT * FROM \"t\" WHERE a = 1e2147483648", ""),
    ("SELECT * FROM \"t\" WHERE a = 1.5e-2147483647", ""),
    ("SELECT * FROM \"t\" WHERE a = 1 foo", "Unexpected token after expression"),
    ("SELECT * FROM \"t\" WHERE a = 1)", "Unexpected token after expression"),
    ("SELECT * FROM \"t\" ORDER BY a WHERE a = 1", "Unexpected token after expression"),
    ("DELETE FROM \"t\" WHERE a = 1 ORDER BY a", "Unexpected token after expression"),
    ("INSERT INTO \"t\" x VALUE {'a': 1}", "Unexpected token after expression"),
    ('SELECT * "t"', "Unexpected token"),
    ("UPDATE \"t\" WHERE a = 1", "Unexpected keyword"),
    ("INSERT INTO \"t\" (a, n) VALUES (1, 2)", "Unexpected token"),
    ("INSERT INTO \"t\" VALUES {'a': 1}", "Unexpected keyword"),
])
def test_malformed_statements(ddb, statement, detail):
    with pytest.raises(ClientError) as e:
        run(ddb, statement)
    assert error(e) == ("ValidationException", 400, MALFORMED + detail)


@pytest.mark.parametrize("statement", ["x IS INT4", "x IS NOT INT8", "x IS DOUBLE PRECISION",
                                       "\"x\" IS CHARACTER VARYING;"])
def test_bare_type_test_parses_but_does_not_run(ddb, statement):
    """A statement that is only a type test parses as PartiQL and is then refused
    (paritysuite/dynamodb-conformance's AWS-run cases)."""
    with pytest.raises(ClientError) as e:
        run(ddb, statement)
    assert error(e) == ("ValidationException", 400, "Unsupported operation: IsType")


def test_parameter_count(ddb, orders):
    with pytest.raises(ClientError) as e:
        run(ddb, f'SELECT * FROM "{orders}" WHERE pk = ?')
    assert error(e) == ("ValidationException", 400,
                        "Number of parameters in request and statement don't match.")
    with pytest.raises(ClientError) as e:
        run(ddb, f"SELECT * FROM \"{orders}\" WHERE pk = 'a'", S("x"))
    assert error(e)[2] == "Number of parameters in request and statement don't match."


def test_select_partition_in_order_with_conditions(ddb, orders):
    items = run(ddb, f'SELECT sk, total FROM "{orders}" WHERE pk = ? AND sk >= 2', S("a"),
                ReturnConsumedCapacity="TOTAL")
    assert [i["sk"]["N"] for i in items["Items"]] == ["2", "3", "4", "5"]
    assert items["Items"][0] == {"sk": N(2), "total": N(20)}
    assert items["ConsumedCapacity"]["TableName"] == orders
    desc = run(ddb, f"""SELECT sk FROM "{orders}" WHERE pk = 'a' AND sk BETWEEN 2 AND 4
               ORDER BY sk DESC""")
    assert [i["sk"]["N"] for i in desc["Items"]] == ["4", "3", "2"]
    found = run(ddb, f"""SELECT pk, sk FROM "{orders}" WHERE "status" = 'open'
                AND (total > 20 OR contains(tags, 't1')) AND begins_with(pk, 'b')""")
    assert sorted(i["sk"]["N"] for i in found["Items"]) == ["1", "3", "5"]
    found = run(ddb, f"""SELECT sk FROM "{orders}" WHERE pk = 'b' AND sk IN [1, 4, 9]
                AND NOT total = 40""")
    assert found["Items"] == [{"sk": N(1)}]
    found = run(ddb, f"""SELECT sk FROM "{orders}" WHERE pk = 'b' AND nothere IS MISSING
                AND size(tags) = 2 AND attribute_exists(total) AND total <> 10""")
    assert [i["sk"]["N"] for i in found["Items"]] == ["2", "3", "4", "5"]
    gsi = run(ddb, f"SELECT pk, sk FROM \"{orders}\".\"bystatus\" WHERE \"status\" = 'done'")
    assert [(i["pk"]["S"], i["sk"]["N"]) for i in gsi["Items"]] == [
        ("a", "2"), ("b", "2"), ("a", "4"), ("b", "4")]
    with pytest.raises(ClientError) as e:
        run(ddb, f'SELECT * FROM "{orders}" ORDER BY sk')
    assert error(e) == ("ValidationException", 400,
                        "Must have WHERE clause in the statement when using ORDER BY clause.")
    with pytest.raises(ClientError) as e:
        run(ddb, f"SELECT * FROM \"{orders}\" WHERE total > 1 ORDER BY sk")
    assert error(e)[:2] == ("ValidationException", 400)
    with pytest.raises(ClientError) as e:
        run(ddb, f"SELECT * FROM \"{orders}\".\"nope\" WHERE pk = 'a'")
    # unlike Query's, PartiQL's message does not name the index
    assert error(e) == ("ValidationException", 400,
                        "The table does not have the specified index")
    with pytest.raises(ClientError) as e:
        run(ddb, f"SELECT * FROM \"{orders}\".bystatus WHERE \"status\" = 'x'",
            ConsistentRead=True)
    assert error(e)[2] == "Strongly consistent read is not supported on Global Secondary Indexes"


def test_select_pages_with_limit_and_next_token(ddb, orders):
    seen, token, pages = [], None, 0
    while True:
        kw = {"Limit": 3}
        if token:
            kw["NextToken"] = token
        page = run(ddb, f'SELECT pk, sk FROM "{orders}"', **kw)
        pages += 1
        seen += [(i["pk"]["S"], int(i["sk"]["N"])) for i in page["Items"]]
        token = page.get("NextToken")
        if not token:
            break
    assert sorted(seen) == [(c, i) for c in "ab" for i in range(1, 6)]
    assert pages == 4
    part = run(ddb, f"SELECT sk FROM \"{orders}\" WHERE pk = 'a'", Limit=2)
    assert [i["sk"]["N"] for i in part["Items"]] == ["1", "2"]
    assert part["LastEvaluatedKey"] == {"pk": S("a"), "sk": N(2)}
    rest = run(ddb, f"SELECT sk FROM \"{orders}\" WHERE pk = 'a'", NextToken=part["NextToken"])
    assert [i["sk"]["N"] for i in rest["Items"]] == ["3", "4", "5"]
    with pytest.raises(ClientError) as e:
        run(ddb, f"SELECT sk FROM \"{orders}\"", NextToken="not-a-token!")
    assert error(e)[:2] == ("ValidationException", 400)


def test_batch_execute_statement(ddb, tname):
    make_table(ddb, tname)
    run(ddb, f"INSERT INTO \"{tname}\" VALUE {{'pk': 'a', 'v': 1}}")
    out = ddb.batch_execute_statement(Statements=[
        {"Statement": f"INSERT INTO \"{tname}\" VALUE {{'pk': 'b', 'v': 2}}"},
        {"Statement": f"INSERT INTO \"{tname}\" VALUE {{'pk': 'a', 'v': 3}}"},
        {"Statement": f"UPDATE \"{tname}\" SET v = 5 WHERE pk = ? AND v = 99",
         "Parameters": [S("a")], "ReturnValuesOnConditionCheckFailure": "ALL_OLD"},
        {"Statement": "DELETE FROM \"no-such-batch-table\" WHERE pk = 'a'"},
        {"Statement": f"UPDATE \"{tname}\" SET v = 5 WHERE v = 1"},
    ], ReturnConsumedCapacity="TOTAL")
    r = out["Responses"]
    assert r[0] == {"TableName": tname}
    assert r[1]["Error"] == {"Code": "DuplicateItem",
                             "Message": "Duplicate primary key exists in table"}
    assert r[2]["Error"]["Code"] == "ConditionalCheckFailed"
    assert r[2]["Error"]["Item"] == {"pk": S("a"), "v": N(1)}
    assert r[3]["Error"] == {"Code": "ResourceNotFound", "Message": "Requested resource not found"}
    assert r[4]["Error"] == {"Code": "ValidationError", "Message": "Where clause does not contain "
                             "a mandatory equality on all key attributes"}
    # the insert, and the two writes whose condition failed (they consume capacity too)
    assert out["ConsumedCapacity"] == [{"TableName": tname, "CapacityUnits": 3.0}]
    reads = ddb.batch_execute_statement(Statements=[
        {"Statement": f"SELECT * FROM \"{tname}\" WHERE pk = 'b'", "ConsistentRead": True},
        {"Statement": f"SELECT v FROM \"{tname}\" WHERE pk = 'zz'"},
        {"Statement": f"SELECT v FROM \"{tname}\" WHERE v = 1"},
    ])["Responses"]
    assert reads[0] == {"TableName": tname, "Item": {"pk": S("b"), "v": N(2)}}
    assert reads[1] == {"TableName": tname}
    assert reads[2]["Error"]["Code"] == "ValidationError"
    with pytest.raises(ClientError) as e:
        ddb.batch_execute_statement(Statements=[
            {"Statement": f"SELECT * FROM \"{tname}\" WHERE pk = '{i}'"} for i in range(26)])
    assert error(e)[:2] == ("ValidationException", 400)


def test_execute_transaction_all_or_nothing(ddb, tname):
    make_table(ddb, tname)
    run(ddb, f"INSERT INTO \"{tname}\" VALUE {{'pk': 'a', 'v': 1}}")
    with pytest.raises(ClientError) as e:
        ddb.execute_transaction(TransactStatements=[
            {"Statement": f"INSERT INTO \"{tname}\" VALUE {{'pk': 'new', 'v': 1}}"},
            {"Statement": f"INSERT INTO \"{tname}\" VALUE {{'pk': 'a', 'v': 2}}"},
            {"Statement": f"UPDATE \"{tname}\" SET v = 3 WHERE pk = 'a2' AND v = 1"}])
    assert error(e) == ("TransactionCanceledException", 400,
                        CANCELLED + "[None, DuplicateItem, ConditionalCheckFailed]")
    assert e.value.response["CancellationReasons"][1] == {
        "Code": "DuplicateItem", "Message": "Duplicate primary key exists in table"}
    assert run(ddb, f"SELECT * FROM \"{tname}\" WHERE pk = 'new'")["Items"] == []
    out = ddb.execute_transaction(TransactStatements=[
        {"Statement": f"INSERT INTO \"{tname}\" VALUE {{'pk': 'new', 'v': 1}}"},
        {"Statement": f"UPDATE \"{tname}\" SET v = v + ? WHERE pk = 'a'", "Parameters": [N(10)]},
    ], ClientRequestToken="ptx-1", ReturnConsumedCapacity="TOTAL")
    assert out["ConsumedCapacity"] == [{"TableName": tname, "CapacityUnits": 4.0,
                                        "WriteCapacityUnits": 4.0}]
    assert out["Responses"] == []        # writes answer no entry per statement (as AWS does)
    ddb.execute_transaction(TransactStatements=[
        {"Statement": f"INSERT INTO \"{tname}\" VALUE {{'pk': 'new', 'v': 1}}"},
        {"Statement": f"UPDATE \"{tname}\" SET v = v + ? WHERE pk = 'a'", "Parameters": [N(10)]},
    ], ClientRequestToken="ptx-1")                       # a repeat: not applied twice
    got = ddb.execute_transaction(TransactStatements=[
        {"Statement": f"SELECT v FROM \"{tname}\" WHERE pk = 'a'"},
        {"Statement": f"SELECT * FROM \"{tname}\" WHERE pk = 'none'"}],
        ReturnConsumedCapacity="TOTAL")
    assert got["Responses"] == [{"Item": {"v": N(11)}}, {}]
    assert got["ConsumedCapacity"] == [{"TableName": tname, "CapacityUnits": 4.0,
                                        "ReadCapacityUnits": 4.0}]
    with pytest.raises(ClientError) as e:
        ddb.execute_transaction(TransactStatements=[
            {"Statement": f"SELECT v FROM \"{tname}\" WHERE pk = 'a'"},
            {"Statement": f"DELETE FROM \"{tname}\" WHERE pk = 'new'"}])
    assert error(e)[:2] == ("ValidationException", 400)
    with pytest.raises(ClientError) as e:
        ddb.execute_transaction(TransactStatements=[
            {"Statement": f"DELETE FROM \"{tname}\" WHERE pk = 'a'"},
            {"Statement": f"UPDATE \"{tname}\" SET v = 1 WHERE pk = 'a'"}])
    assert error(e) == ("ValidationException", 400,
                        "Transaction request cannot include multiple operations on one item")


def test_partiql_with_aws_cli(nuvem, ddb, tname):
    make_table(ddb, tname)
    nuvem.aws_cli("dynamodb", "execute-statement", "--statement",
                  f"INSERT INTO \"{tname}\" VALUE {{'pk': 'cli', 'n': 7}}")
    out = nuvem.aws_cli("dynamodb", "execute-statement", "--statement",
                        f"SELECT * FROM \"{tname}\" WHERE pk = ?", "--parameters",
                        json.dumps([{"S": "cli"}]))
    assert json.loads(out.stdout)["Items"] == [{"pk": {"S": "cli"}, "n": {"N": "7"}}]
    bad = nuvem.aws_cli("dynamodb", "execute-statement", "--statement", "DROP x", check=False)
    assert bad.returncode != 0
    assert "Statement wasn't well formed, can't be processed: Expected data manipulation" \
        in bad.stderr


def test_execute_transaction_exists_condition_check(ddb, tname):
    make_table(ddb, tname)
    run(ddb, f"INSERT INTO \"{tname}\" VALUE {{'pk': 'acct', 'open': TRUE, 'n': 1}}")
    exists = f"EXISTS(SELECT * FROM \"{tname}\" WHERE pk = 'acct' AND \"open\" = TRUE)"
    ddb.execute_transaction(TransactStatements=[
        {"Statement": exists},
        {"Statement": f"INSERT INTO \"{tname}\" VALUE {{'pk': 'order1'}}"}])
    run(ddb, f"UPDATE \"{tname}\" SET \"open\" = FALSE WHERE pk = 'acct'")
    with pytest.raises(ClientError) as e:
        ddb.execute_transaction(TransactStatements=[
            {"Statement": exists, "ReturnValuesOnConditionCheckFailure": "ALL_OLD"},
            {"Statement": f"INSERT INTO \"{tname}\" VALUE {{'pk': 'order2'}}"}])
    assert error(e)[2] == CANCELLED + "[ConditionalCheckFailed, None]"
    assert e.value.response["CancellationReasons"][0]["Item"] == {
        "pk": S("acct"), "open": {"BOOL": False}, "n": N(1)}
    assert run(ddb, f"SELECT pk FROM \"{tname}\" WHERE pk = 'order2'")["Items"] == []
    with pytest.raises(ClientError) as e:                # a missing item fails EXISTS too
        ddb.execute_transaction(TransactStatements=[
            {"Statement": f"EXISTS(SELECT * FROM \"{tname}\" WHERE pk = 'ghost' AND n = 1)"},
            {"Statement": f"DELETE FROM \"{tname}\" WHERE pk = 'order1'"}])
    assert error(e)[2] == CANCELLED + "[ConditionalCheckFailed, None]"
    with pytest.raises(ClientError) as e:                # EXISTS needs a condition beyond the key
        ddb.execute_transaction(TransactStatements=[
            {"Statement": f"DELETE FROM \"{tname}\" WHERE pk = 'order1'"},
            {"Statement": f"EXISTS(SELECT * FROM \"{tname}\" WHERE pk = 'acct')"}])
    assert error(e) == ("ValidationException", 400, "Validation failed in TransactStatements[1]: "
                        "EXISTS() must contain a single item read with additional condition")
    with pytest.raises(ClientError) as e:
        run(ddb, exists)
    assert error(e) == ("ValidationException", 400,
                        "EXISTS is supported only in ExecuteTransaction")


def test_nested_paths_and_negations(ddb, tname):
    make_table(ddb, tname)
    run(ddb, f"""INSERT INTO "{tname}" VALUE {{'pk': 'n', 'm': {{'l': [1, 2, 3], 'x': 'y'}},
             'l': ['a']}}""")
    out = run(ddb, f"""UPDATE "{tname}" SET m.l[1] = 20, m.z = if_not_exists(m.z, 0) + 1,
              l = list_append(l, ['b']) REMOVE m.x WHERE pk = 'n' RETURNING ALL NEW *""")
    assert out["Items"] == [{"pk": S("n"), "l": {"L": [S("a"), S("b")]},
                             "m": {"M": {"l": {"L": [N(1), N(20), N(3)]}, "z": N(1)}}}]
    got = run(ddb, f"""SELECT m.l[1], l[0] FROM "{tname}" WHERE pk = 'n'
              AND m.z NOT IN [5, 6] AND NOT m.z NOT BETWEEN 0 AND 2 AND m.x IS MISSING""")
    assert got["Items"] == [{"m": {"M": {"l": {"L": [N(20)]}}}, "l": {"L": [S("a")]}}]
    assert run(ddb, f"""SELECT pk FROM "{tname}" WHERE pk = 'n'
               AND m.z IN [5, 6]""")["Items"] == []
    with pytest.raises(ClientError) as e:              # arithmetic on a string
        run(ddb, f"UPDATE \"{tname}\" SET l = l + 1 WHERE pk = 'n'")
    assert error(e) == ("ValidationException", 400,
                        "An operand in the update expression has an incorrect data type")


def test_statement_accesses_name_the_partiql_actions():
    from nuvem.services.dynamodb.partiql import statement_accesses
    assert statement_accesses("ExecuteTransaction", {"TransactStatements": [
        {"Statement": 'SELECT * FROM "T"."byx" WHERE x = 1'},
        {"Statement": "UPDATE T SET a = 1 WHERE k = ?", "Parameters": [{"S": "k"}]},
        {"Statement": 'EXISTS(SELECT * FROM "U" WHERE k = 1)'},
        {"Statement": "INSERT INTO V VALUE {'k': 1}"},
        {"Statement": 'DELETE FROM "W" WHERE k = 1'},
        {"Statement": "not a statement"}]}) == [
        ("dynamodb:PartiQLSelect", "T", "byx"), ("dynamodb:PartiQLUpdate", "T", None),
        ("dynamodb:PartiQLSelect", "U", None), ("dynamodb:PartiQLInsert", "V", None),
        ("dynamodb:PartiQLDelete", "W", None)]


def test_partiql_refusals_in_its_own_words(ddb, orders):
    # as captured from AWS by the nubo-db/dynamodb-conformance suite
    for statement, message in [
        (f'DELETE FROM "{orders}" WHERE pk = \'a\' AND sk = 1 RETURNING MODIFIED OLD *',
         "Invalid returning clause: RETURNING MODIFIED OLD *. Only RETURNING ALL OLD * is allowed "
         "in DELETE statements."),
        (f'DELETE FROM "{orders}" WHERE pk = \'a\' AND sk = 1 RETURNING ALL NEW *',
         "Invalid returning clause: RETURNING ALL NEW *. Only RETURNING ALL OLD * is allowed in "
         "DELETE statements."),
        (f'SELECT * FROM "{orders}"."bystatus"."extra" WHERE pk = \'a\'',
         "A path may contain at most 2 components in the FROM clause"),
        (f'SELECT * FROM "{orders}"."" WHERE pk = \'a\'',
         "Path component cannot be an empty string"),
        ('SELECT * FROM "" WHERE pk = \'a\'', "Path component cannot be an empty string"),
    ]:
        with pytest.raises(ClientError) as e:
            run(ddb, statement)
        assert error(e) == ("ValidationException", 400, message)
    for statement, problem in [
        (f'UPDATE "{orders}" SET v = 1 WHERE pk = \'a\' AND sk = 1 RETURNING ALL NEW *',
         "RETURNING clause is not supported in ExecuteTransaction."),
        (f'SELECT * FROM "{orders}"."bystatus" WHERE "status" = \'x\'',
         "Reads on indices are not supported within transactions."),
    ]:
        with pytest.raises(ClientError) as e:
            ddb.execute_transaction(TransactStatements=[
                {"Statement": f'SELECT * FROM "{orders}" WHERE pk = \'a\' AND sk = 2'}
                if "SELECT" in statement else
                {"Statement": f'DELETE FROM "{orders}" WHERE pk = \'a\' AND sk = 2'},
                {"Statement": statement}])
        assert error(e) == ("ValidationException", 400,
                            f"Validation failed in TransactStatements[1]: {problem}")
    assert run(ddb, f'SELECT sk FROM "{orders}" WHERE pk = \'a\' AND sk = 1')["Items"] == [
        {"sk": N(1)}]


def test_select_on_an_index_only_uses_what_it_holds(ddb, tname):
    make_table(ddb, tname, range_key=("sk", "S"), attrs=[("g", "S"), ("l", "S")],
               gsis=[("by_g", "g", None, ["inc"])], lsis=[("by_l", "pk", "l", "KEYS_ONLY")])
    ddb.put_item(TableName=tname, Item={"pk": S("p"), "sk": S("1"), "g": S("y"), "l": S("z"),
                                        "inc": S("i"), "np": S("n")})
    for statement, message in [
        (f"SELECT pk FROM \"{tname}\".\"by_g\" WHERE g = 'y' AND np = 'n'",
         "Secondary index by_g does not project one or more filter attributes: [np]"),
        (f"SELECT pk FROM \"{tname}\".\"by_l\" WHERE pk = 'p' AND np = 'n'",
         "Secondary index by_l does not project one or more filter attributes: [np]"),
        (f"SELECT np, inc FROM \"{tname}\".\"by_g\" WHERE g = 'y'",
         "Global secondary index by_g does not project [np]"),
    ]:
        with pytest.raises(ClientError) as e:
            run(ddb, statement)
        assert error(e) == ("ValidationException", 400,
                            f"One or more parameter values were invalid: {message}")
    # what the index holds can be filtered on and read
    assert run(ddb, f"SELECT sk, inc FROM \"{tname}\".\"by_g\" WHERE g = 'y' AND inc = 'i'"
               )["Items"] == [{"sk": S("1"), "inc": S("i")}]
    # an LSI's other attributes are read from the table
    assert run(ddb, f"SELECT np FROM \"{tname}\".\"by_l\" WHERE pk = 'p'")["Items"] == [
        {"np": S("n")}]


def test_comments_are_whitespace(ddb, orders):
    for statement in [
        f"SELECT sk FROM \"{orders}\" /* a note */ WHERE pk = 'a' AND sk = 1 /* another */",
        f"-- a note\nSELECT sk FROM \"{orders}\" -- a note\nWHERE pk = 'a' AND sk = 1 -- the end",
    ]:
        assert run(ddb, statement)["Items"] == [{"sk": N(1)}]
    with pytest.raises(ClientError) as e:
        run(ddb, f"SELECT sk FROM \"{orders}\" WHERE pk = 'a' # not a comment")
    assert error(e)[:2] == ("ValidationException", 400)


def test_aliases_and_number_literals_refused_as_aws_words_them(ddb, tname):
    make_table(ddb, tname, hash_key=("pk", "N"))
    for statement in [f"SELECT * FROM \"{tname}\" t WHERE pk = 1",
                      f"SELECT * FROM \"{tname}\" AS t WHERE pk = 1",
                      f"UPDATE \"{tname}\" t SET a = 3 WHERE pk = 1",
                      f"DELETE FROM \"{tname}\" t WHERE pk = 1"]:
        with pytest.raises(ClientError) as e:
            run(ddb, statement)
        assert error(e) == ("ValidationException", 400, "Aliasing is not supported")
    overflow = ("Number overflow. Attempting to store a number with magnitude larger than "
                "supported range")
    for statement, where in [
        (f"SELECT * FROM \"{tname}\" WHERE pk = 1e126", "root"),
        (f"INSERT INTO \"{tname}\" VALUE {{'pk': 1e126}}", "root"),
        (f"INSERT INTO \"{tname}\" VALUE {{'pk': 1, 'm': {{'x': 1e126}}}}", "root.x"),
        (f"INSERT INTO \"{tname}\" VALUE {{'pk': 1, 'l': [1, 1e126]}}", "root[1]"),
        (f"UPDATE \"{tname}\" SET a = [{{'b': 1e126}}] WHERE pk = 1", "root[0].b"),
    ]:
        with pytest.raises(ClientError) as e:
            run(ddb, statement)
        assert error(e) == ("ValidationException", 400, f"{overflow} under {where}")
    assert ddb.scan(TableName=tname)["Items"] == []


def test_type_tests_and_functions_compared_with_booleans(ddb, tname):
    make_table(ddb, tname)
    ddb.put_item(TableName=tname, Item={"pk": S("i"), "s": S("str"), "flag": {"BOOL": True}})

    def keys(condition):
        return [i["pk"]["S"] for i in run(
            ddb, f"SELECT pk FROM \"{tname}\" WHERE pk = 'i' AND {condition}")["Items"]]
    assert keys("flag IS BOOL") == ["i"]
    assert keys("s IS STRING") == ["i"]
    assert keys("s IS BOOL") == []
    assert keys("s IS NOT NUMBER") == ["i"]
    assert keys("attribute_exists(s) = true") == ["i"]
    assert keys("attribute_exists(s) = false") == []
    assert keys("attribute_exists(nope) <> true") == ["i"]


def test_set_functions_refused_in_aws_words(ddb, tname):
    # as paritysuite/dynamodb-conformance pinned them against AWS (line:column:length)
    make_table(ddb, tname)
    ddb.put_item(TableName=tname, Item={"pk": S("i"), "ss": {"SS": ["a"]}})
    update = f"UPDATE \"{tname}\" SET "
    at = len(update) + 1                    # the column where the SET clause begins
    for clause, message in [
        ("t = set_add(ss, <<'x'>>)",
         f"The first argument to SET_ADD must equal the assignment value at 1:{at + 4}:7"),
        ("t = set_delete(ss, <<'a'>>)",
         f"The first argument to SET_DELETE must equal the assignment value at 1:{at + 4}:10"),
        ("ss = set_add(ss, 'x')",
         f"The second argument to SET_ADD must be a value with type SET at 1:{at + 13}:2"),
        ("ss = set_add(ss)", f"SET_ADD must have exactly two arguments at 1:{at + 5}:7"),
        ("ss = set_add(ss, <<>>)", "Empty bags are not supported"),
    ]:
        with pytest.raises(ClientError) as e:
            run(ddb, f"{update}{clause} WHERE pk = 'i'")
        assert error(e) == ("ValidationException", 400, message)
    assert ddb.get_item(TableName=tname, Key={"pk": S("i")})["Item"] == {
        "pk": S("i"), "ss": {"SS": ["a"]}}
    with pytest.raises(ClientError) as e:
        run(ddb, f"SELECT * FROM \"{tname}\" WHERE pk = 'i' AND attribute_exists()")
    assert error(e)[2] == ("Incorrect number of operands for operator or function; operator or "
                           "function: attribute_exists, number of operands: 0")


def test_ordering_operators_refuse_values_without_order(ddb, tname):
    """<, <=, >, >= and BETWEEN refuse a value whose type has no order (BOOL, NULL, lists,
    maps, sets) by its own type, before reading (paritysuite/dynamodb-conformance's AWS-run
    cases); = and <> take any type, and S against N is no refusal."""
    make_table(ddb, tname)
    ddb.put_item(TableName=tname, Item={"pk": S("b"), "val": {"B": b"\x01\x02\x03"}})
    where = f"SELECT pk FROM \"{tname}\" WHERE pk = ? AND "
    for value in ({"BOOL": True}, {"NULL": True}, {"L": [S("a")]}, {"M": {"a": S("b")}},
                  {"SS": ["a"]}, {"NS": ["1"]}, {"BS": [b"\x01"]}):
        kind = next(iter(value))
        with pytest.raises(ClientError) as e:
            run(ddb, where + "val < ?", S("b"), value)
        assert error(e) == ("ValidationException", 400, "Incorrect operand type for operator or "
                            f"function; operator or function: <, operand type: {kind}")
        assert run(ddb, where + "val = ?", S("b"), value)["Items"] == []
        assert run(ddb, where + "val <> ?", S("b"), value)["Items"] == [{"pk": S("b")}]
    for statement, op in ((where + "val >= ?", ">="), (where + "? > val", ">"),
                          (where + "val BETWEEN ? AND ?", "BETWEEN")):
        params = [S("b")] + [{"BOOL": True}] * statement.count("?", len(where))
        with pytest.raises(ClientError) as e:
            run(ddb, statement, *params)
        assert error(e)[2].endswith(f"operator or function: {op}, operand type: BOOL")
    with pytest.raises(ClientError) as e:
        run(ddb, f"UPDATE \"{tname}\" SET x = 1 WHERE pk = 'b' AND val < true")
    assert error(e)[:2] == ("ValidationException", 400)
    assert run(ddb, where + "val < ?", S("b"), {"N": "5"})["Items"] == []
    assert run(ddb, where + "val < ?", S("b"), {"B": b"\x01\x02\x04"})["Items"] == [
        {"pk": S("b")}]


def test_or_branches_overlapping_on_the_sort_key(ddb, tname):
    """OR-ed branches that each pin the partition key are separate key reads, and two reading
    overlapping sort key ranges of one partition are refused; a negated or <> sort key
    condition, or a branch without the partition key, makes it a scan that runs
    (paritysuite/dynamodb-conformance's AWS-run cases)."""
    make_table(ddb, tname, range_key=("sk", "S"))
    for sk in "123":
        ddb.put_item(TableName=tname, Item={"pk": S("p"), "sk": S(sk), "f": S(sk)})

    def sort_keys(where):
        found = run(ddb, f"SELECT sk FROM \"{tname}\" WHERE {where}")["Items"]
        return sorted(i["sk"]["S"] for i in found)
    for where in ("pk = 'p' AND f = '1' OR pk = 'p' AND sk = '2'",
                  "pk = 'p' AND f <> '1' OR pk = 'p' AND sk = '2'",
                  "pk IN ['p', 'p']", "pk = 'p' OR pk = 'p'",
                  "pk = 'p' AND (sk > '0' OR sk < '5')",
                  "pk = 'p' AND (begins_with(sk, '1') OR sk = '10')"):
        with pytest.raises(ClientError) as e:
            sort_keys(where)
        assert error(e) == ("ValidationException", 400, "Overlapping conditions with range keys "
                            "are not supported in where clause"), where
    assert sort_keys("pk = 'p' AND NOT sk = '1' OR pk = 'p' AND sk = '2'") == ["2", "3"]
    assert sort_keys("pk = 'p' AND sk <> '1' OR pk = 'p' AND sk = '2'") == ["2", "3"]
    assert sort_keys("pk = 'p' AND NOT sk IN ['1', '3'] OR pk = 'p' AND sk = '2'") == ["2"]
    assert sort_keys("pk = 'p' OR pk = 'p' AND NOT sk = '1'") == ["1", "2", "3"]
    assert sort_keys("pk = 'p' OR sk = '1'") == ["1", "2", "3"]
    assert sort_keys("pk = 'p' AND (sk < '2' OR sk > '2')") == ["1", "3"]
    assert sort_keys("pk IN ['p', 'q'] AND sk IN ['1', '3']") == ["1", "3"]


def test_from_first_update(ddb, tname):
    """`FROM t WHERE <key> SET ... | REMOVE ...` is an UPDATE of the item the WHERE names
    (paritysuite/dynamodb-conformance's AWS-run cases)."""
    make_table(ddb, tname)
    ddb.put_item(TableName=tname, Item={"pk": S("i"), "a": N(1), "b": S("bee")})
    got = run(ddb, f"from \"{tname}\" where pk = ? SET c = ? REMOVE b RETURNING ALL NEW *",
              S("i"), N(7))
    assert got["Items"] == [{"pk": S("i"), "a": N(1), "c": N(7)}]
    with pytest.raises(ClientError) as e:
        run(ddb, f"FROM \"{tname}\" WHERE pk = 'i' AND a = 2 SET c = 5")
    assert error(e)[0] == "ConditionalCheckFailedException"
    with pytest.raises(ClientError) as e:
        run(ddb, f"FROM \"{tname}\" WHERE pk = 'none' SET c = 1")     # creates nothing
    assert error(e)[0] == "ConditionalCheckFailedException"
    ddb.execute_transaction(TransactStatements=[
        {"Statement": f"FROM \"{tname}\" WHERE pk = 'i' SET d = 1"}])
    assert ddb.get_item(TableName=tname, Key={"pk": S("i")})["Item"]["d"] == N(1)
    for statement in (f"FROM \"{tname}\" SET c = 1", f"FROM \"{tname}\" WHERE a = 1 REMOVE b"):
        with pytest.raises(ClientError) as e:
            run(ddb, statement)
        assert error(e) == ("ValidationException", 400, "Where clause does not contain a "
                            "mandatory equality on all key attributes")
    with pytest.raises(ClientError) as e:
        run(ddb, f"FROM \"{tname}-none\" WHERE pk = 'i' SET c = 1")
    assert error(e) == ("ResourceNotFoundException", 400, "Requested resource not found")
    with pytest.raises(ClientError) as e:
        ddb.execute_transaction(TransactStatements=[
            {"Statement": f"SELECT * FROM \"{tname}\" WHERE pk = 'i'"},
            {"Statement": f"SELECT * FROM \"{tname}\" WHERE"}])
    assert error(e)[2] == ("Validation failed in TransactStatements[1]: Statement wasn't well "
                           "formed, can't be processed: Unexpected term")


UNCONVERTIBLE = "The parameter cannot be converted to a numeric value"


def _refusal(call):
    with pytest.raises(ClientError) as e:
        call()
    code, status, message = error(e)
    assert (code, status) == ("ValidationException", 400)
    return message


@pytest.mark.parametrize("number", ["1e99999999999", "-1e99999999999", "1e-99999999999",
                                    "1e2147483648", "1e-2147483648"])
def test_parameter_exponent_outside_32_bits_cannot_be_converted(ddb, orders, number):
    # nubo-db/dynamodb-conformance tier3 partiqlParameterNumbers: a parameter is read as
    # Java's BigDecimal reads it, unlike an item value
    for statement in (f"SELECT * FROM \"{orders}\" WHERE pk = 'a' AND n = ?",
                      f"INSERT INTO \"{orders}\" VALUE {{'pk': 'z', 'sk': 1, 'n': ?}}",
                      f"UPDATE \"{orders}\" SET n = ? WHERE pk = 'a' AND sk = 1",
                      f"SELECT * FROM \"{orders}\" WHERE pk = ?"):
        assert _refusal(lambda: run(ddb, statement, {"N": number})) == \
            f"{UNCONVERTIBLE}: {number}"
    select = f"SELECT * FROM \"{orders}\" WHERE pk = 'a' AND n = ?"
    for inside in ({"L": [N(1), {"N": number}]}, {"M": {"x": {"N": number}}},
                   {"NS": ["1", number]}):
        assert _refusal(lambda: run(ddb, select, inside)) == f"{UNCONVERTIBLE}: {number}"


def test_parameter_magnitude_wraps_at_32_bits(ddb, orders):
    select = f"SELECT * FROM \"{orders}\" WHERE pk = 'a' AND n = ?"
    assert _refusal(lambda: run(ddb, select, {"N": "1e2147483647"})) == (
        "Number underflow. Attempting to store a number with magnitude smaller than supported "
        "range")


def test_parameter_problems_in_document_order(ddb, orders):
    pair = f"SELECT * FROM \"{orders}\" WHERE pk = 'a' AND x = ? AND y = ?"
    single = f"SELECT * FROM \"{orders}\" WHERE pk = 'a' AND x = ?"
    bad = {"N": "abc"}
    for depth in (40, 100):
        deep = nested(depth)
        assert _refusal(lambda: run(ddb, pair, deep, bad)) == NESTING
        assert _refusal(lambda: run(ddb, pair, bad, deep)) == f"{UNCONVERTIBLE}: abc"
        assert _refusal(lambda: run(ddb, single, {"M": {"d": deep, "bad": bad}})) == NESTING
        assert _refusal(lambda: run(ddb, single, {"M": {"bad": bad, "d": deep}})) == \
            f"{UNCONVERTIBLE}: abc"
        assert _refusal(lambda: run(ddb, single, nested(depth, bad))) == NESTING
        assert _refusal(lambda: run(ddb, pair, deep, {"N": "1e126"})) == NESTING
        batch = ddb.batch_execute_statement(Statements=[{"Statement": pair,
                                                         "Parameters": [deep, bad]}])
        assert batch["Responses"][0]["Error"] == {"Code": "ValidationError", "Message": NESTING}


def test_transaction_parameters_are_refused_without_the_statements_place(ddb, orders):
    update = f"UPDATE \"{orders}\" SET x = ? SET y = ? WHERE pk = 'a' AND sk = 1"
    for params, message in (([nested(40), {"N": "abc"}], NESTING),
                            ([{"N": "1e99999999999"}, N(1)], f"{UNCONVERTIBLE}: 1e99999999999")):
        assert _refusal(lambda: ddb.execute_transaction(TransactStatements=[
            {"Statement": update, "Parameters": params}])) == message
