"""Policy documents as IAM takes and gives them.

`validate_document` is the one place a document is checked, by the evaluator's own validator
(`nuvem/iam/policy.py`), so what IAM accepts is what the evaluator understands. IAM answers documents URL-encoded (RFC 3986) in every
`policyDocumentType` member; botocore decodes them back into dicts.
"""
from __future__ import annotations

from urllib.parse import quote, unquote

from nuvem.iam import policy

KINDS = ("identity", "trust", "boundary")


def normalize(text: str) -> str:
    """The document as stored: a client that sent it URL-encoded gets it back the same way."""
    stripped = text.lstrip()
    if stripped[:3].upper() == "%7B":
        return unquote(text)
    return text


def validate_document(text: str, kind: str = "identity") -> dict:
    """Parse and check `text` as IAM does (kind: identity, trust or boundary); returns it parsed."""
    if kind not in KINDS:
        raise ValueError(f"unknown policy kind {kind!r}")
    return policy.validate(text, kind)


def encode(text: str) -> str:
    """A stored document as IAM puts it on the wire."""
    return quote(text, safe="")
