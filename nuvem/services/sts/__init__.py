"""AWS Security Token Service. Issue 2 brings GetCallerIdentity; the rest comes with IAM."""
from nuvem.protocol.validate import pattern_check
from nuvem.services import Service

SERVICE = Service("sts")
SERVICE.changes_identity = True
SERVICE.before = pattern_check("sts")

from nuvem.services.sts import api  # noqa: E402  (registers the operations)

SERVICE.authorize = api.authorize
