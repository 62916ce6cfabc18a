"""Amazon DynamoDB: tables, items, the expression language, indexes, transactions, PartiQL.

models.py: the records. values.py: AttributeValues (validation, numbers, sizes, key encoding).
expressions.py / evaluation.py / legacy.py: the expression language (parse, evaluate, the legacy
parameters). tables.py: the control plane. items.py, queries.py, batch.py, indexes.py: the data plane.
streams.py: stream records; ttl.py: TTL settings and the expiry sweep; backups.py: backups, PITR.
compression.py: compressed answers for clients that accept them.
"""
import sys

from nuvem.services import Service
from nuvem.services.dynamodb.compression import compress_response

SERVICE = Service("dynamodb")
SERVICE.after = compress_response

# A valid 4 KB expression nests a few hundred levels of parentheses, and a request body may nest
# values far past the 32 levels DynamoDB refuses in its own words: the limit is raised as the
# service loads, before its first request is parsed, so no answer depends on what came before.
_RECURSION_LIMIT = 20000
if sys.getrecursionlimit() < _RECURSION_LIMIT:
    sys.setrecursionlimit(_RECURSION_LIMIT)

from nuvem.services.dynamodb import (  # noqa: E402,F401  (registers the operations)
    tables, items, queries, batch, ttl, backups, transactions, partiql)
