from nuvem.context import Call
from nuvem.services.sts import SERVICE


@SERVICE.op("GetCallerIdentity")
def get_caller_identity(ctx: Call, req: dict) -> dict:
    principal = ctx.principal
    return {"UserId": principal.user_id, "Account": principal.account, "Arn": principal.arn}
