"""IAM errors: the query codes and statuses of the IAM model's error shapes."""
from nuvem.errors import AwsError, ValidationError  # noqa: F401  (re-exported)


class NoSuchEntity(AwsError):
    code = "NoSuchEntity"
    status = 404


class EntityAlreadyExists(AwsError):
    code = "EntityAlreadyExists"
    status = 409


class LimitExceeded(AwsError):
    code = "LimitExceeded"
    status = 409


class DeleteConflict(AwsError):
    code = "DeleteConflict"
    status = 409


class MalformedPolicyDocument(AwsError):
    code = "MalformedPolicyDocument"
    status = 400


class InvalidInput(AwsError):
    code = "InvalidInput"
    status = 400


class InvalidAuthenticationCode(AwsError):
    code = "InvalidAuthenticationCode"
    status = 403


class PasswordPolicyViolation(AwsError):
    code = "PasswordPolicyViolation"
    status = 400


class UnmodifiableEntity(AwsError):
    code = "UnmodifiableEntity"
    status = 400


class ReportNotPresent(AwsError):
    code = "ReportNotPresent"
    status = 410


class ReportExpired(AwsError):
    code = "ReportExpired"
    status = 410


class InvalidPublicKey(AwsError):
    code = "InvalidPublicKey"
    status = 400


class DuplicateSSHPublicKey(AwsError):
    code = "DuplicateSSHPublicKey"
    status = 400


class MalformedCertificate(AwsError):
    code = "MalformedCertificate"
    status = 400


class KeyPairMismatch(AwsError):
    code = "KeyPairMismatch"
    status = 400


class DuplicateCertificate(AwsError):
    code = "DuplicateCertificate"
    status = 409


class InvalidUserType(AwsError):
    code = "InvalidUserType"
    status = 400


class PolicyEvaluation(AwsError):
    """The simulator could not evaluate the policies (IAM's PolicyEvaluationException)."""
    code = "PolicyEvaluation"
    status = 500
