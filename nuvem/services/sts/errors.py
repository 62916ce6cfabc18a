"""STS errors: the query codes and statuses of the STS model's error shapes."""
from nuvem.errors import (AccessDenied, AwsError, InvalidParameterValue,  # noqa: F401  (re-exported)
                          ValidationError)


class MalformedPolicyDocument(AwsError):
    code = "MalformedPolicyDocument"
    status = 400


class PackedPolicyTooLarge(AwsError):
    code = "PackedPolicyTooLarge"
    status = 400


class InvalidIdentityToken(AwsError):
    code = "InvalidIdentityToken"
    status = 400


class ExpiredToken(AwsError):
    code = "ExpiredTokenException"
    status = 400


class IDPRejectedClaim(AwsError):
    code = "IDPRejectedClaim"
    status = 403


class InvalidAuthorizationMessage(AwsError):
    code = "InvalidAuthorizationMessageException"
    status = 400
