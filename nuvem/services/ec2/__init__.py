"""Amazon EC2. Issue 2 brings Regions and Availability Zones; resource families follow."""
from nuvem.services import Service
from nuvem.services.ec2.errors import DryRunOperation

SERVICE = Service("ec2")


def _dry_run(ctx, req: dict) -> None:
    """Every EC2 action takes DryRun: once authorized, answer DryRunOperation instead of acting."""
    if req.get("DryRun"):
        raise DryRunOperation()


SERVICE.before = _dry_run

from nuvem.services.ec2 import keypairs, regions  # noqa: E402,F401  (registers the operations)
