"""Condition operators, globs and policy variables, tested directly (no evaluator)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from nuvem.iam.conditions import (Condition, ConditionBlock, ConditionError, Template, Unresolved,
                                  glob_matcher, parse_date, parse_operator, tokenize)

OPS = "IAM User Guide: IAM JSON policy elements: Condition operators"
VARS = "IAM User Guide: IAM policy elements: Variables and tags"


@pytest.mark.parametrize("pattern,text,ok", [
    ("*", "", True), ("*", "a:b/c", True), ("a*", "a", True), ("a?", "a", False), ("a?", "ab", True),
    ("a.b", "a.b", True), ("a.b", "axb", False), ("a*b*c", "a-b-c", True), ("a*b*c", "acb", False),
    ("a\\d", "a\\d", True), ("a\\d", "a1", False), ("(a)", "(a)", True), ("[a]", "a", False),
    ("a{2}", "aa", False), ("a|b", "a", False), ("^a$", "^a$", True), ("??", "ab", True), ("??", "abc", False),
    ("*:*", "x:y", True), ("*/x", "a/b/x", True), ("x*", "X1", False),
])
def test_glob(pattern, text, ok):
    assert glob_matcher(pattern)(text) is ok


def test_glob_ignore_case():
    assert glob_matcher("S3:Get*", ignore_case=True)("s3:getobject")
    assert glob_matcher("s3:getobject", ignore_case=True)("S3:GetObject")


@pytest.mark.parametrize("text,tokens", [
    ("a", (("lit", "a"),)),
    ("${aws:username}", (("var", "aws:username", None),)),
    ("${AWS:UserName}", (("var", "aws:username", None),)),
    ("x/${aws:username, 'anon'}/y", (("lit", "x/"), ("var", "aws:username", "anon"), ("lit", "/y"))),
    ("${aws:username,'a''b'}", (("var", "aws:username", "a'b"),)),
    ("${*}${?}${$}", (("lit", "*?$"),)),
    ("${unterminated", (("lit", "${unterminated"),)),
    ("${}", (("lit", "${}"),)),
    ("${a, b}", (("lit", "${a, b}"),)),
    ("a*", (("lit", "a"), ("star",))),
])
def test_tokenize(text, tokens):
    assert tokenize(text, variables=True) == tokens


def test_tokenize_without_variables_is_literal():
    assert tokenize("${aws:username}", variables=False) == (("lit", "${aws:username}"),)


def test_template_resolution():
    t = Template("arn:aws:s3:::b/${aws:username}/*", variables=True)
    assert t.static is None
    assert t.matcher({"aws:username": "alice"})("arn:aws:s3:::b/alice/x")
    assert not t.matcher({"aws:username": "alice"})("arn:aws:s3:::b/bob/x")
    with pytest.raises(Unresolved):
        t.matcher({})
    with pytest.raises(Unresolved):
        t.matcher({"aws:username": ["a", "b"]})  # multivalued keys are not variables


def test_variable_value_is_literal_text():
    t = Template("arn:aws:s3:::b/${aws:principaltag/x}", variables=True)
    assert not t.matcher({"aws:principaltag/x": "*"})("arn:aws:s3:::b/anything")
    assert t.matcher({"aws:principaltag/x": "*"})("arn:aws:s3:::b/*")


@pytest.mark.parametrize("name,parsed", [
    ("StringEquals", (None, "StringEquals", False)),
    ("stringequals", (None, "StringEquals", False)),
    ("StringLikeIfExists", (None, "StringLike", True)),
    ("ForAllValues:StringLike", ("allvalues", "StringLike", False)),
    ("ForAnyValue:StringEqualsIfExists", ("anyvalue", "StringEquals", True)),
    ("Null", (None, "Null", False)),
])
def test_parse_operator(name, parsed):
    assert parse_operator(name) == parsed


@pytest.mark.parametrize("name", ["StringEqualz", "NullIfExists", "ForSomeValues:StringLike", "IfExists", ""])
def test_parse_operator_rejects(name):
    with pytest.raises(ConditionError):
        parse_operator(name)


@pytest.mark.parametrize("value,epoch", [
    ("2024-01-01T00:00:00Z", 1704067200), ("2024-01-01", 1704067200), ("1704067200", 1704067200),
    (1704067200, 1704067200), ("2024-01-01T00:00:00.500Z", 1704067200.5),
    ("2024-01-01T02:00:00+02:00", 1704067200), (datetime(2024, 1, 1, tzinfo=timezone.utc), 1704067200),
    ("2024-01-01T00:00:00", 1704067200),
])
def test_parse_date(value, epoch):
    assert parse_date(value) == epoch


def test_condition_rejects_bad_values():
    with pytest.raises(ConditionError):
        Condition("NumericEquals", "s3:max-keys", ["ten"], variables=True)
    with pytest.raises(ConditionError):
        Condition("IpAddress", "aws:SourceIp", ["999.1.1.1/8"], variables=True)
    with pytest.raises(ConditionError):
        Condition("DateEquals", "aws:CurrentTime", ["yesterday"], variables=True)
    with pytest.raises(ConditionError):
        ConditionBlock({"StringEquals": "not-a-map"}, variables=True)


def test_numeric_policy_values_take_no_variables():
    # "Policy variables: Not supported" for Numeric operators: the text stays literal and is invalid.
    with pytest.raises(ConditionError):
        Condition("NumericEquals", "s3:max-keys", ["${aws:username}"], variables=True)


def test_condition_block_and_or():
    block = ConditionBlock({"StringEquals": {"a:x": ["1", "2"], "a:y": "3"}, "Bool": {"a:z": "true"}},
                           variables=True)
    assert block.evaluate({"a:x": "2", "a:y": "3", "a:z": True})
    assert not block.evaluate({"a:x": "2", "a:y": "4", "a:z": True})
    assert not block.evaluate({"a:x": "2", "a:y": "3", "a:z": False})


def test_condition_unresolved_variable_raises():
    block = ConditionBlock({"StringEquals": {"a:x": "${aws:username}"}}, variables=True)
    with pytest.raises(Unresolved):
        block.evaluate({"a:x": "alice"})
    assert block.evaluate({"a:x": "alice", "aws:username": "alice"})


def test_condition_default_variable():
    block = ConditionBlock({"StringEquals": {"a:x": "${aws:username, 'nobody'}"}}, variables=True)
    assert block.evaluate({"a:x": "nobody"})


def test_multivalued_without_set_operator():
    pos = Condition("StringEquals", "a:k", ["x"], variables=True)
    neg = Condition("StringNotEquals", "a:k", ["x"], variables=True)
    assert pos.evaluate({"a:k": ["x", "y"]})
    assert not neg.evaluate({"a:k": ["x", "y"]})
    assert neg.evaluate({"a:k": ["y", "z"]})


def test_bool_context_strings():
    c = Condition("Bool", "aws:securetransport", ["TRUE"], variables=True)
    assert c.evaluate({"aws:securetransport": "true"})
    assert c.evaluate({"aws:securetransport": True})
    assert not c.evaluate({"aws:securetransport": "1"})


def test_binary_equals_accepts_base64_text():
    c = Condition("BinaryEquals", "a:b", ["QUJD"], variables=True)
    assert c.evaluate({"a:b": b"ABC"})
    assert c.evaluate({"a:b": "QUJD"})


def test_ip_v6_and_v4_mixed_lists():
    c = Condition("IpAddress", "aws:sourceip", ["10.0.0.0/8", "2001:db8::/32"], variables=True)
    assert c.evaluate({"aws:sourceip": "10.1.1.1"})
    assert c.evaluate({"aws:sourceip": "2001:db8::5"})
    assert not c.evaluate({"aws:sourceip": "2001:db9::5"})
