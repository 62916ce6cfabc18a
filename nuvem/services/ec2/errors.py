from nuvem.errors import AwsError


class InvalidParameterValue(AwsError):
    code = "InvalidParameterValue"


class DryRunOperation(AwsError):
    code = "DryRunOperation"
    status = 412
    message = "Request would have succeeded, but DryRun flag is set."


class MissingParameter(AwsError):
    code = "MissingParameter"


class InvalidKeyPairDuplicate(AwsError):
    code = "InvalidKeyPair.Duplicate"


class InvalidKeyPairNotFound(AwsError):
    code = "InvalidKeyPair.NotFound"


class InvalidKeyFormat(AwsError):
    code = "InvalidKey.Format"
