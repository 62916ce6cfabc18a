"""S3 Control's errors, with the codes and statuses S3 Control answers ("Error responses" in the
Amazon S3 API Reference: List of Amazon S3 Control error codes... and access point errors)."""
from nuvem.errors import AccessDenied, AwsError  # noqa: F401 (re-exported)


class S3ControlError(AwsError):
    status = 400


def _error(code: str, status: int, message: str) -> type[S3ControlError]:
    return type(code, (S3ControlError,), {"code": code, "status": status, "message": message})


InvalidRequest = _error("InvalidRequest", 400, "Invalid Request")
InvalidAccessPointName = _error("InvalidRequest", 400, "Your Amazon S3 AccessPoint name is invalid")
InvalidURI = _error("InvalidURI", 400, "Couldn't parse the specified URI.")
NoSuchAccessPoint = _error("NoSuchAccessPoint", 404, "The specified accesspoint does not exist")
NoSuchAccessPointPolicy = _error("NoSuchAccessPointPolicy", 404,
                                 "The specified accesspoint policy does not exist")
AccessPointAlreadyOwnedByYou = _error("AccessPointAlreadyOwnedByYou", 409,
                                      "Your previous request to create the named accesspoint "
                                      "succeeded and you already own it.")
NoSuchPublicAccessBlockConfiguration = _error(
    "NoSuchPublicAccessBlockConfiguration", 404,
    "The public access block configuration was not found")
MalformedPolicy = _error("MalformedPolicy", 400, "Policies must be valid JSON and the first byte "
                         "must be '{'")
InvalidNextToken = _error("InvalidNextToken", 400, "The continuation token provided is incorrect")
