"""AWS Security Token Service. Issue 2 brings GetCallerIdentity; the rest comes with IAM."""
from nuvem.services import Service

SERVICE = Service("sts")
SERVICE.changes_identity = True

from nuvem.services.sts import api  # noqa: E402  (registers the operations)

SERVICE.authorize = api.authorize
