"""AWS Identity and Access Management: a global service whose records belong to accounts.

Policy simulation (SimulatePrincipalPolicy, SimulateCustomPolicy) and full policy validation come
from the evaluator in `nuvem/iam/`; `lookup.py` is the narrow read API authentication and
authorization use.
"""
from nuvem.protocol.validate import pattern_check
from nuvem.services import Service

SERVICE = Service("iam")
SERVICE.changes_identity = True
SERVICE.before = pattern_check("iam", keep=("Path", "NewPath"))   # paths: check_path's words

from nuvem.services.iam import (account, certificates, policies, providers, roles,  # noqa: E402,F401
                                simulate,
                                service_credentials, ssh_keys, users)  # (registers the operations)
