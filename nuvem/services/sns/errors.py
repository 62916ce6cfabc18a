"""SNS errors: the query codes and statuses of the SNS model's error shapes, with SNS's messages
("Invalid parameter: ..." for InvalidParameter)."""
from nuvem.errors import AwsError


class SnsError(AwsError):
    status = 400


def _error(code: str, status: int, message: str = "") -> type[SnsError]:
    return type(code, (SnsError,), {"code": code, "status": status, "message": message})


NotFound = _error("NotFound", 404)
ResourceNotFound = _error("ResourceNotFound", 404)
InvalidParameter = _error("InvalidParameter", 400)
InvalidParameterValue = _error("ParameterValueInvalid", 400)
AuthorizationError = _error("AuthorizationError", 403)
InvalidSecurity = _error("InvalidSecurity", 403)
InvalidState = _error("InvalidState", 400)
TagLimitExceeded = _error("TagLimitExceeded", 400, "Could not complete request: tag quota of "
                          "per resource exceeded")
TagPolicy = _error("TagPolicy", 400)
TopicLimitExceeded = _error("TopicLimitExceeded", 403, "Topic already exists with different "
                            "attributes")
SubscriptionLimitExceeded = _error("SubscriptionLimitExceeded", 403)
FilterPolicyLimitExceeded = _error("FilterPolicyLimitExceeded", 403)
EmptyBatchRequest = _error("EmptyBatchRequest", 400, "The batch request doesn't contain any "
                           "entries.")
TooManyEntriesInBatchRequest = _error("TooManyEntriesInBatchRequest", 400,
                                      "The batch request contains more entries than permissible.")
BatchEntryIdsNotDistinct = _error("BatchEntryIdsNotDistinct", 400,
                                  "Two or more batch entries in the request have the same Id.")
InvalidBatchEntryId = _error("InvalidBatchEntryId", 400,
                             "A batch entry id can only contain alphanumeric characters, hyphens "
                             "and underscores. It can be at most 80 letters long.")
BatchRequestTooLong = _error("BatchRequestTooLong", 400,
                             "The length of all the messages put together is more than the limit.")
ValidationException = _error("ValidationException", 400)
EndpointDisabled = _error("EndpointDisabled", 400, "Endpoint is disabled")


def invalid(text: str) -> SnsError:
    """InvalidParameter with SNS's prefix: `Invalid parameter: <text>`."""
    return InvalidParameter(f"Invalid parameter: {text}")
