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
    message = "The shard iterator has expired and can no longer be used to retrieve stream records."


class TrimmedDataAccessException(AwsError):
    code = "TrimmedDataAccessException"
    message = ("The operation attempted to read past the oldest stream record in a shard: the "
               "requested records are beyond the 24 hour retention limit.")


class LimitExceededException(AwsError):
    code = "LimitExceededException"
