"""The evaluator's case table: plain data, each case naming the AWS documentation page its expected
result comes from (`source`). Built by the helpers in `cases_base`; rows live in `cases_conditions`
and `cases_logic`."""
from __future__ import annotations

import tests.iam.cases_conditions  # noqa: F401  (appends to CASES)
import tests.iam.cases_logic  # noqa: F401  (appends to CASES)
from tests.iam.cases_base import CASES

__all__ = ["CASES"]
