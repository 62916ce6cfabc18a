"""Authorization: IAM policy validation, compilation and the pure policy evaluator.

Public API:
- `validate(document, kind)`, `compile_policy(document, kind, name)`, `PolicyCache`,
  `check_size(text, quota, entity)`, `policy_size(text)` (nuvem.iam.policy)
- `Principal`, `Request`, `Decision`, `evaluate(...)`, `denial_message(...)` (nuvem.iam.evaluate)
"""
from nuvem.iam.evaluate import Decision, Principal, Request, denial_message, evaluate
from nuvem.iam.policy import (CompiledPolicy, LimitExceeded, MalformedPolicyDocument, PolicyCache,
                              check_size, compile_policy, policy_size, validate)

__all__ = ["Decision", "Principal", "Request", "denial_message", "evaluate", "CompiledPolicy",
           "LimitExceeded", "MalformedPolicyDocument", "PolicyCache", "check_size",
           "compile_policy", "policy_size", "validate"]
