from nuvem.errors import AwsError, InvalidParameterValue, MissingParameter  # noqa: F401 (re-exported)


class DryRunOperation(AwsError):
    code = "DryRunOperation"
    status = 412
    message = "Request would have succeeded, but DryRun flag is set."


class InvalidKeyPairDuplicate(AwsError):
    code = "InvalidKeyPair.Duplicate"


class InvalidKeyPairNotFound(AwsError):
    code = "InvalidKeyPair.NotFound"


class InvalidKeyFormat(AwsError):
    code = "InvalidKey.Format"
