"""DynamoDB errors. Codes are the model's error shapes (and the unmodelled ValidationException,
SerializationException); messages follow DynamoDB's wording."""
from nuvem.errors import AwsError


class ValidationException(AwsError):
    code = "ValidationException"


class ResourceNotFoundException(AwsError):
    code = "ResourceNotFoundException"
    message = "Requested resource not found"


class ResourceInUseException(AwsError):
    code = "ResourceInUseException"


class ConditionalCheckFailedException(AwsError):
    """`Item` (ReturnValuesOnConditionCheckFailure=ALL_OLD) goes in `fields`."""
    code = "ConditionalCheckFailedException"
    message = "The conditional request failed"


class TransactionCanceledException(AwsError):
    """`CancellationReasons` goes in `fields`; the message lists each item's reason code."""
    code = "TransactionCanceledException"


class TransactionConflictException(AwsError):
    code = "TransactionConflictException"


class TransactionInProgressException(AwsError):
    code = "TransactionInProgressException"


class IdempotentParameterMismatchException(AwsError):
    code = "IdempotentParameterMismatchException"


class LimitExceededException(AwsError):
    code = "LimitExceededException"


class ItemCollectionSizeLimitExceededException(AwsError):
    code = "ItemCollectionSizeLimitExceededException"
    message = "Item collection size limit exceeded"


class BackupNotFoundException(AwsError):
    code = "BackupNotFoundException"


class BackupInUseException(AwsError):
    code = "BackupInUseException"


class TableNotFoundException(AwsError):
    code = "TableNotFoundException"


class TableAlreadyExistsException(AwsError):
    code = "TableAlreadyExistsException"


class TableInUseException(AwsError):
    code = "TableInUseException"


class ContinuousBackupsUnavailableException(AwsError):
    code = "ContinuousBackupsUnavailableException"


class PointInTimeRecoveryUnavailableException(AwsError):
    code = "PointInTimeRecoveryUnavailableException"


class InvalidRestoreTimeException(AwsError):
    code = "InvalidRestoreTimeException"


class ExportNotFoundException(AwsError):
    code = "ExportNotFoundException"


class PolicyNotFoundException(AwsError):
    code = "PolicyNotFoundException"


class DuplicateItemException(AwsError):
    code = "DuplicateItemException"
    message = "Duplicate primary key exists in table"


class IndexNotFoundException(AwsError):
    code = "IndexNotFoundException"
