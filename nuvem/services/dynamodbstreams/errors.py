"""DynamoDB Streams errors: the model's error shapes, and the unmodelled ValidationException.
Messages follow DynamoDB Streams' wording."""
from nuvem.errors import AwsError


class ValidationException(AwsError):
    code = "ValidationException"


class ResourceNotFoundException(AwsError):
    code = "ResourceNotFoundException"
    message = "Requested resource not found"


class ExpiredIteratorException(AwsError):
    code = "ExpiredIteratorException"
    # As AWS words it (a GetRecords stack trace quoting it with a DynamoDB request id, in
    # spring-integration-aws pull request 59); Kinesis's "Iterator expired. The iterator was
    # created at time ..." is not DynamoDB Streams'.
    message = "Shard iterator has expired"


class TrimmedDataAccessException(AwsError):
    code = "TrimmedDataAccessException"
    message = ("The operation attempted to read past the oldest stream record in a shard: the "
               "requested records are beyond the 24 hour retention limit.")


class LimitExceededException(AwsError):
    code = "LimitExceededException"
