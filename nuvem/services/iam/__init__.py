"""AWS Identity and Access Management: a global service whose records belong to accounts.

Policy simulation (SimulatePrincipalPolicy, SimulateCustomPolicy) and full policy validation come
from the evaluator in `nuvem/iam/`; `lookup.py` is the narrow read API authentication and
authorization use.
"""
from nuvem.protocol.validate import pattern_check
from nuvem.services import Service
from nuvem.services.iam.common import check_tag_keys

SERVICE = Service("iam")
SERVICE.changes_identity = True
_model_patterns = pattern_check("iam", keep=("Path", "NewPath"))   # paths: check_path's words


def _authorize(call, operation) -> None:
    """A member that fails the model's pattern is answered before the caller is authorized, as
    IAM's front end does (lengths and enums are checked earlier still, by the gateway)."""
    _model_patterns(call, call.params)
    check_tag_keys(call.params.get("TagKeys"))
    call.runtime.authorizer.authorize(call, operation)


SERVICE.authorize = _authorize

from nuvem.services.iam import (account, certificates, policies, providers, roles,  # noqa: E402,F401
                                simulate,
                                service_credentials, ssh_keys, users)  # (registers the operations)
