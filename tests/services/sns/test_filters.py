"""The filter policy matcher, table-driven: (policy, message attributes or body, expected)."""
import json

import pytest

from nuvem.services.sns.filters import FilterPolicyError, matches, parse


def S(value):
    return {"DataType": "String", "StringValue": value}


def N(value):
    return {"DataType": "Number", "StringValue": str(value)}


def A(*values):
    return {"DataType": "String.Array", "StringValue": json.dumps(list(values))}


ATTRIBUTE_CASES = [
    # exact strings and numbers
    ({"color": ["red"]}, {"color": S("red")}, True),
    ({"color": ["red"]}, {"color": S("blue")}, False),
    ({"color": ["red", "blue"]}, {"color": S("blue")}, True),
    ({"color": ["red"]}, {}, False),
    ({"price": [100]}, {"price": N(100)}, True),
    ({"price": [100]}, {"price": N("100.0")}, True),
    ({"price": [100]}, {"price": S("100")}, False),
    ({"color": ["red"]}, {"color": {"DataType": "Binary", "BinaryValue": "cmVk"}}, False),
    # prefix, suffix, equals-ignore-case
    ({"c": [{"prefix": "bl"}]}, {"c": S("blue")}, True),
    ({"c": [{"prefix": "bl"}]}, {"c": S("red")}, False),
    ({"c": [{"suffix": "ue"}]}, {"c": S("blue")}, True),
    ({"c": [{"suffix": "ue"}]}, {"c": S("bluer")}, False),
    ({"c": [{"equals-ignore-case": "BLUE"}]}, {"c": S("Blue")}, True),
    ({"c": [{"equals-ignore-case": "BLUE"}]}, {"c": S("Blues")}, False),
    # anything-but
    ({"c": [{"anything-but": "red"}]}, {"c": S("blue")}, True),
    ({"c": [{"anything-but": "red"}]}, {"c": S("red")}, False),
    ({"c": [{"anything-but": ["red", "blue"]}]}, {"c": S("blue")}, False),
    ({"c": [{"anything-but": ["red", "blue"]}]}, {"c": S("green")}, True),
    ({"c": [{"anything-but": "red"}]}, {}, False),
    ({"p": [{"anything-but": [100, 200]}]}, {"p": N(150)}, True),
    ({"p": [{"anything-but": [100, 200]}]}, {"p": N(200)}, False),
    ({"c": [{"anything-but": {"prefix": "bl"}}]}, {"c": S("blue")}, False),
    ({"c": [{"anything-but": {"prefix": "bl"}}]}, {"c": S("red")}, True),
    ({"c": [{"anything-but": {"suffix": "ue"}}]}, {"c": S("true")}, False),
    # numeric ranges
    ({"p": [{"numeric": [">", 0, "<=", 150]}]}, {"p": N(150)}, True),
    ({"p": [{"numeric": [">", 0, "<=", 150]}]}, {"p": N(0)}, False),
    ({"p": [{"numeric": [">=", 0, "<", 150]}]}, {"p": N(0)}, True),
    ({"p": [{"numeric": [">=", 0, "<", 150]}]}, {"p": N(150)}, False),
    ({"p": [{"numeric": ["=", 3.5]}]}, {"p": N(3.5)}, True),
    ({"p": [{"numeric": ["<", 10]}]}, {"p": N(-5)}, True),
    ({"p": [{"numeric": ["<", 10]}]}, {"p": S("5")}, False),
    # exists
    ({"c": [{"exists": True}]}, {"c": S("x")}, True),
    ({"c": [{"exists": True}]}, {}, False),
    ({"c": [{"exists": False}]}, {}, True),
    ({"c": [{"exists": False}]}, {"c": S("x")}, False),
    # IP addresses
    ({"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": S("10.0.0.255")}, True),
    ({"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": S("10.0.1.1")}, False),
    ({"ip": [{"cidr": "2001:db8::/32"}]}, {"ip": S("2001:db8::1")}, True),
    ({"ip": [{"cidr": "10.0.0.0/24"}]}, {"ip": S("not-an-ip")}, False),
    # String.Array: any element
    ({"c": ["red"]}, {"c": A("blue", "red")}, True),
    ({"c": ["red"]}, {"c": A("blue")}, False),
    ({"c": [5]}, {"c": A(1, 5)}, True),
    # AND across keys, OR within a key, $or across policies
    ({"c": ["red"], "s": ["xl"]}, {"c": S("red"), "s": S("xl")}, True),
    ({"c": ["red"], "s": ["xl"]}, {"c": S("red"), "s": S("s")}, False),
    ({"$or": [{"c": ["red"]}, {"s": ["xl"]}]}, {"s": S("xl")}, True),
    ({"$or": [{"c": ["red"]}, {"s": ["xl"]}]}, {"s": S("s")}, False),
    ({"k": ["v"], "$or": [{"c": ["red"]}, {"s": ["xl"]}]}, {"k": S("v"), "c": S("red")}, True),
    ({"k": ["v"], "$or": [{"c": ["red"]}, {"s": ["xl"]}]}, {"c": S("red")}, False),
    ({}, {"anything": S("x")}, True),
]


@pytest.mark.parametrize("policy, attributes, expected", ATTRIBUTE_CASES)
def test_attribute_scope(policy, attributes, expected):
    parse(json.dumps(policy))     # every policy of the table is valid
    assert matches(policy, attributes=attributes) is expected


BODY = {"order": {"id": 7, "status": "shipped", "items": [{"sku": "a-1"}, {"sku": "b-2"}],
                  "total": 42.5, "note": None}, "source": "10.1.2.3", "tags": ["x", "y"]}

BODY_CASES = [
    ({"order": {"status": ["shipped"]}}, True),
    ({"order": {"status": ["pending"]}}, False),
    ({"order": {"total": [{"numeric": [">", 40]}]}}, True),
    ({"order": {"items": {"sku": [{"prefix": "b-"}]}}}, True),
    ({"order": {"items": {"sku": ["c-3"]}}}, False),
    ({"tags": ["y"]}, True),
    ({"source": [{"cidr": "10.1.0.0/16"}]}, True),
    ({"order": {"missing": [{"exists": False}]}}, True),
    ({"order": {"status": [{"exists": False}]}}, False),
    ({"order": {"note": [None]}}, True),
    ({"$or": [{"order": {"id": [8]}}, {"tags": ["x"]}]}, True),
    ({"order": {"id": [7]}, "source": [{"anything-but": {"prefix": "10."}}]}, False),
]


@pytest.mark.parametrize("policy, expected", BODY_CASES)
def test_body_scope(policy, expected):
    parse(json.dumps(policy), "MessageBody")
    assert matches(policy, body=json.dumps(BODY), scope="MessageBody") is expected


# LocalStack's AWS-validated test_filter_policy_on_message_body_dot_attribute and
# test_filter_policy_on_message_body_array_of_object_attributes: a policy's nested keys and a
# body's dotted keys name the same paths, and arrays (of arrays) of objects are looked through
PATH_CASES = [
    ({"object.nested": ["v"]}, {"object": {"nested": "v"}}, True),
    ({"object.nested": ["v"]}, {"object.nested": "v"}, True),
    ({"object.nested": ["v"]}, {"object": {"nested": "w"}}, False),
    ({"object": {"nested": ["v"]}}, {"object.nested": "v"}, True),
    ({"a.b.c": ["v"]}, {"a.b": {"c": "v"}}, True),
    ({"a.b.c": ["v"]}, {"a": {"b.c": "v"}}, True),
    ({"r": {"s3": {"key": [{"prefix": "auto-"}]}}}, {"r": [{"s3": [[{"key": "auto-1"}]]}]}, True),
    ({"r": {"s3": {"key": [{"prefix": "auto-"}]}}}, {"r": [{"s3": [[{"key": "home-1"}]]}]}, False),
    ({"r": {"key": [{"exists": False}]}}, {"r": {"other": 1}}, True),
]


@pytest.mark.parametrize("policy, body, expected", PATH_CASES)
def test_body_scope_paths(policy, body, expected):
    parse(json.dumps(policy), "MessageBody")
    assert matches(policy, body=json.dumps(body), scope="MessageBody") is expected


def test_body_scope_needs_a_json_object():
    assert not matches({"a": ["b"]}, body="plain text", scope="MessageBody")


INVALID = [
    ("not json", "MessageAttributes"),
    ('["a"]', "MessageAttributes"),
    ('{"a": "b"}', "MessageAttributes"),
    ('{"a": []}', "MessageAttributes"),
    ('{"a": {"b": ["c"]}}', "MessageAttributes"),           # nesting is for the body only
    ('{"a": [{"numeric": [">", "x"]}]}', "MessageAttributes"),
    ('{"a": [{"numeric": ["<", 1, ">", 5]}]}', "MessageAttributes"),
    ('{"a": [{"numeric": [">", 5, "<", 1]}]}', "MessageAttributes"),
    ('{"a": [{"numeric": [">", 5, 10]}]}', "MessageAttributes"),
    ('{"a": [{"numeric": [">", 5, "<", 10, "<", 20]}]}', "MessageAttributes"),
    ('{"a": [{"numeric": []}]}', "MessageAttributes"),
    ('{"a": [{"prefix": "x", "suffix": "y"}]}', "MessageAttributes"),
    ('{"a": [{"exists": "yes"}]}', "MessageAttributes"),
    ('{"a": [{"cidr": "10.0.0.300/8"}]}', "MessageAttributes"),
    ('{"a": [{"wildcard": "x*"}]}', "MessageAttributes"),
    ('{"$or": [{"a": ["b"]}]}', "MessageAttributes"),
    ('{"a":["1"],"b":["1"],"c":["1"],"d":["1"],"e":["1"],"f":["1"]}', "MessageAttributes"),
    (json.dumps({k: [str(i) for i in range(7)] for k in "abc"}), "MessageAttributes"),  # 343 > 150
]


@pytest.mark.parametrize("text, scope", INVALID)
def test_invalid_policies(text, scope):
    with pytest.raises(FilterPolicyError):
        parse(text, scope)


def test_null_is_a_match_value_on_the_attribute_scope_too():
    """LocalStack's AWS-validated test_filter_policy: SNS takes {"attr1": [null, {"anything-but":
    ...}]} on the MessageAttributes scope; a message without attr1 does not match it."""
    policy = parse('{"attr1": [null, {"anything-but": "whatever"}]}', "MessageAttributes")
    assert not matches(policy, attributes={})
    assert matches(policy, attributes={"attr1": {"DataType": "Number", "StringValue": "99"}})
