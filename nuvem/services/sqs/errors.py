"""SQS errors: one class per error shape of the model (codes and query codes come from the model
and the overlay in protocol/extras/sqs), plus the unmodelled codes SQS answers with. Messages
follow SQS's wording."""
from nuvem.errors import AwsError


class QueueDoesNotExist(AwsError):
    code = "QueueDoesNotExist"
    message = "The specified queue does not exist."


class QueueDeletedRecently(AwsError):
    code = "QueueDeletedRecently"
    message = ("You must wait 60 seconds after deleting a queue before you can create another "
               "with the same name.")


class QueueNameExists(AwsError):
    code = "QueueNameExists"


class InvalidAttributeName(AwsError):
    code = "InvalidAttributeName"


class InvalidAttributeValue(AwsError):
    code = "InvalidAttributeValue"


class InvalidParameterValue(AwsError):
    code = "InvalidParameterValue"


class MissingParameter(AwsError):
    code = "MissingParameter"


class InvalidAddress(AwsError):
    code = "InvalidAddress"


class InvalidMessageContents(AwsError):
    code = "InvalidMessageContents"
    message = ("Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to "
               "#xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF")


class ReceiptHandleIsInvalid(AwsError):
    code = "ReceiptHandleIsInvalid"


class MessageNotInflight(AwsError):
    code = "MessageNotInflight"
    message = "Message does not exist or is not available for visibility timeout change."


class PurgeQueueInProgress(AwsError):
    code = "PurgeQueueInProgress"


class EmptyBatchRequest(AwsError):
    code = "EmptyBatchRequest"


class TooManyEntriesInBatchRequest(AwsError):
    code = "TooManyEntriesInBatchRequest"


class BatchEntryIdsNotDistinct(AwsError):
    code = "BatchEntryIdsNotDistinct"


class InvalidBatchEntryId(AwsError):
    code = "InvalidBatchEntryId"
    message = ("A batch entry id can only contain alphanumeric characters, hyphens and "
               "underscores. It can be at most 80 letters long.")


class BatchRequestTooLong(AwsError):
    code = "BatchRequestTooLong"


class ResourceNotFoundException(AwsError):
    code = "ResourceNotFoundException"


class UnsupportedOperation(AwsError):
    code = "UnsupportedOperation"
