"""Table-driven evaluator suite: every case in `cases.py` with its documented expectation."""
from __future__ import annotations

import time
from collections import Counter

import pytest

from nuvem.iam import PolicyCache, compile_policy, denial_message, evaluate
from nuvem.iam.evaluate import Principal, Request
from tests.iam.cases import CASES


def _principal(d: dict) -> Principal:
    return Principal(arn=d["arn"], account=d.get("account", ""), type=d["type"],
                     tags=d.get("tags") or {}, entity_arn=d.get("entity_arn"), userid=d.get("userid"))


def _run(c: dict):
    req = Request(_principal(c["principal"]), c["action"], c["res"], c["res_account"], c["context"])
    kind_of = {"identity": "identity", "resource": "resource", "boundary": "boundary", "session": "session",
               "scp": "scp"}
    compiled = {}
    for k, kind in kind_of.items():
        v = c[k]
        if v is None or v == []:
            compiled[k] = None
            continue
        if k == "scp" and any(isinstance(x, list) for x in v):
            compiled[k] = [[compile_policy(d, "scp", f"scp{i}-{j}") for j, d in enumerate(level)]
                           for i, level in enumerate(v)]
            continue
        docs = v if isinstance(v, list) else [v]
        # Every document in the table must also pass IAM validation for its kind.
        out = []
        for i, d in enumerate(docs):
            dk = kind
            stmts = d["Statement"] if isinstance(d["Statement"], list) else [d["Statement"]]
            if kind == "resource" and all("Resource" not in s and "NotResource" not in s for s in stmts):
                dk = "trust"
            # Every document in the table must also pass IAM validation for its kind.
            out.append(compile_policy(d, dk, f"{k}{i}", validate_document=c["validate"]))
        compiled[k] = out
    return req, evaluate(req, identity_policies=compiled["identity"] or (),
                         resource_policy=compiled["resource"], boundary=compiled["boundary"],
                         session_policies=compiled["session"], scp=compiled["scp"],
                         require_resource_policy=c["require_rp"])


@pytest.mark.parametrize("c", CASES, ids=[f"{c['category']}:{c['name']}" for c in CASES])
def test_case(c):
    assert c["source"], "every case names its AWS documentation source"
    req, d = _run(c)
    assert d.effect == c["expect"], (d, c["source"])
    assert d.allowed == (c["expect"] == "Allow")
    if c["policy_type"]:
        assert d.policy_type == c["policy_type"]
    if not d.allowed:
        msg = denial_message(req, d)
        assert f"is not authorized to perform: {c['action']} on resource:" in msg


def test_case_count_and_categories():
    counts = Counter(c["category"] for c in CASES)
    assert len(CASES) >= 300, counts
    for needed in ("condition-operators", "set-operators", "variables", "notaction", "notresource",
                   "notprincipal", "cross-account", "boundary", "session", "resource", "action"):
        assert counts[needed] > 0, needed
    names = [f"{c['category']}:{c['name']}" for c in CASES]
    assert len(names) == len(set(names)), "case names are unique"


def test_denial_messages():
    p = Principal(arn="arn:aws:iam::123456789012:user/dev", account="123456789012")
    r = Request(p, "iam:CreateUser", "arn:aws:iam::123456789012:user/x")
    d = evaluate(r, identity_policies=[compile_policy(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})])
    assert denial_message(r, d) == (
        "User: arn:aws:iam::123456789012:user/dev is not authorized to perform: iam:CreateUser on resource: "
        "arn:aws:iam::123456789012:user/x because no identity-based policy allows the iam:CreateUser action")
    d = evaluate(r, identity_policies=[compile_policy(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "iam:*", "Resource": "*"}]})])
    assert denial_message(r, d).endswith("with an explicit deny in an identity-based policy")
    d = evaluate(r, identity_policies=[compile_policy(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]})],
        boundary=[compile_policy({"Version": "2012-10-17",
                                  "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]},
                                 "boundary")])
    assert denial_message(r, d).endswith("because no permissions boundary allows the iam:CreateUser action")
    anon = Request(Principal(arn="anonymous", type="anonymous"), "s3:GetObject", "arn:aws:s3:::b/k", "123456789012")
    d = evaluate(anon)
    assert denial_message(anon, d) == ("User: anonymous is not authorized to perform: s3:GetObject on resource: "
                                       "arn:aws:s3:::b/k because no resource-based policy allows the "
                                       "s3:GetObject action")


def test_trace_names_matched_statements():
    p = Principal(arn="arn:aws:iam::123456789012:user/dev", account="123456789012")
    r = Request(p, "s3:GetObject", "arn:aws:s3:::b/k")
    pol = compile_policy({"Version": "2012-10-17", "Statement": [
        {"Sid": "ReadAll", "Effect": "Allow", "Action": "s3:Get*", "Resource": "*"},
        {"Sid": "NoSecrets", "Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::secret/*"}]},
        name="ReadOnly")
    d = evaluate(r, identity_policies=[pol])
    assert d.allowed
    assert d.trace == [{"policy_type": "identity", "policy": "ReadOnly", "sid": "ReadAll", "effect": "Allow",
                        "statement": 0}]


def test_raw_documents_accepted():
    p = Principal(arn="arn:aws:iam::123456789012:user/dev", account="123456789012")
    r = Request(p, "s3:GetObject", "arn:aws:s3:::b/k")
    doc = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}'
    assert evaluate(r, identity_policies=[doc]).allowed
    assert evaluate(r, identity_policies=[("named", doc)]).allowed


def test_policy_cache_is_bounded_lru():
    cache = PolicyCache(maxsize=2)
    docs = [f'{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s{i}:*","Resource":"*"}}]}}'
            for i in range(3)]
    a = cache.get(docs[0])
    assert cache.get(docs[0]) is a
    cache.get(docs[1])
    cache.get(docs[2])
    assert len(cache) == 2
    assert cache.get(docs[0]) is not a  # evicted, recompiled
    assert cache.hits == 1


def test_ten_policies_fast():
    p = Principal(arn="arn:aws:iam::123456789012:user/dev", account="123456789012", tags={"team": "blue"})
    svcs = ["ec2", "sqs", "sns", "dynamodb", "lambda", "logs", "kms", "iam", "sts", "s3"]
    pols = [compile_policy({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": [f"{s}:Get*", f"{s}:List*", f"{s}:Describe*"], "Resource": "*"},
        {"Effect": "Allow", "Action": f"{s}:Put*", "Resource": f"arn:aws:{s}:*:123456789012:${{aws:username}}/*",
         "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}}},
        {"Effect": "Deny", "Action": f"{s}:Delete*", "Resource": "*",
         "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}]}, name=s) for s in svcs]
    n = 2000
    start = time.perf_counter()
    for _ in range(n):
        r = Request(p, "s3:PutObject", "arn:aws:s3:us-east-1:123456789012:dev/key",
                    context={"aws:RequestedRegion": "us-east-1", "aws:SourceIp": "10.0.0.1"})
        d = evaluate(r, identity_policies=pols)
    per_call = (time.perf_counter() - start) / n
    assert d.allowed
    # Budget is 0.1 ms; allow a wide margin for slow CI machines.
    assert per_call < 0.001, per_call
