"""S3's errors: code, HTTP status and message as S3 sends them, with the extra members S3 adds
(BucketName, Key, Condition, ...) passed as fields. Source: "Error responses" in the Amazon S3 API
Reference (list of error codes)."""
from nuvem.errors import AccessDenied, AwsError  # noqa: F401 (re-exported)


class S3Error(AwsError):
    status = 400


def _error(code: str, status: int, message: str) -> type[S3Error]:
    return type(code, (S3Error,), {"code": code, "status": status, "message": message})


NoSuchBucket = _error("NoSuchBucket", 404, "The specified bucket does not exist")
NoSuchKey = _error("NoSuchKey", 404, "The specified key does not exist.")
NoSuchVersion = _error("NoSuchVersion", 404,
                       "The specified version does not exist.")
NoSuchUpload = _error("NoSuchUpload", 404, "The specified upload does not exist. The upload ID "
                      "may be invalid, or the upload may have been aborted or completed.")
BucketAlreadyExists = _error("BucketAlreadyExists", 409,
                             "The requested bucket name is not available. The bucket namespace is "
                             "shared by all users of the system. Please select a different name "
                             "and try again.")
BucketAlreadyOwnedByYou = _error("BucketAlreadyOwnedByYou", 409,
                                 "Your previous request to create the named bucket succeeded and "
                                 "you already own it.")
BucketNotEmpty = _error("BucketNotEmpty", 409, "The bucket you tried to delete is not empty")
IllegalVersioningConfigurationException = _error("IllegalVersioningConfigurationException", 400,
                                                 "The Versioning element must be specified")
InvalidBucketName = _error("InvalidBucketName", 400, "The specified bucket is not valid.")
InvalidArgument = _error("InvalidArgument", 400, "Invalid Argument")


class InvalidVersionId(InvalidArgument):
    message = "Invalid version id specified"


class EmptyVersionId(InvalidVersionId):
    message = "Version id cannot be the empty string"


InvalidRequest = _error("InvalidRequest", 400, "Invalid Request")
InvalidRange = _error("InvalidRange", 416, "The requested range is not satisfiable")
InvalidPartNumber = _error("InvalidPartNumber", 416, "The requested partnumber is not satisfiable")
UnsupportedHeader = _error("NotImplemented", 501,
                           "A header you provided implies functionality that is not implemented")
ConditionalRequestConflict = _error(
    "ConditionalRequestConflict", 409,
    "The conditional request cannot succeed due to a conflicting operation against this resource.")
PreconditionFailed = _error("PreconditionFailed", 412,
                            "At least one of the pre-conditions you specified did not hold")
NotModified = _error("NotModified", 304, "Not Modified")
MalformedXML = _error("MalformedXML", 400, "The XML you provided was not well-formed or did not "
                      "validate against our published schema")
MalformedACLError = _error("MalformedACLError", 400, "The XML you provided was not well-formed or "
                           "did not validate against our published schema")
UnresolvableGrantByEmailAddress = _error(
    "UnresolvableGrantByEmailAddress", 400,
    "The e-mail address you provided does not match any account on record.")
MissingSecurityHeader = _error("MissingSecurityHeader", 400,
                               "Your request was missing a required header")
UnexpectedContent = _error("UnexpectedContent", 400, "This request does not support content")
MalformedPolicy = _error("MalformedPolicy", 400, "Policies must be valid JSON and the first byte "
                         "must be '{'")
InvalidLocationConstraint = _error("InvalidLocationConstraint", 400,
                                   "The specified location-constraint is not valid")
IllegalLocationConstraintException = _error(
    "IllegalLocationConstraintException", 400,
    "The unspecified location constraint is incompatible for the region specific endpoint this "
    "request was sent to.")
EntityTooSmall = _error("EntityTooSmall", 400,
                        "Your proposed upload is smaller than the minimum allowed size")
EntityTooLarge = _error("EntityTooLarge", 400,
                        "Your proposed upload exceeds the maximum allowed size")
InvalidPart = _error("InvalidPart", 400, "One or more of the specified parts could not be found.  "
                     "The part may not have been uploaded, or the specified entity tag may not "
                     "match the part's entity tag.")
InvalidPartOrder = _error("InvalidPartOrder", 400, "The list of parts was not in ascending order. "
                          "Parts must be ordered by part number.")
BadDigest = _error("BadDigest", 400,
                   "The Content-MD5 you specified did not match what we received.")
InvalidDigest = _error("InvalidDigest", 400, "The Content-MD5 you specified was invalid.")
InvalidEncryptionAlgorithmError = _error(
    "InvalidEncryptionAlgorithmError", 400,
    "The Encryption request you specified is not valid. Supported value: AES256.")
MethodNotAllowed = _error("MethodNotAllowed", 405,
                          "The specified method is not allowed against this resource.")
InvalidObjectState = _error("InvalidObjectState", 403,
                            "The operation is not valid for the object's storage class")
NoSuchTagSet = _error("NoSuchTagSet", 404, "The TagSet does not exist")
NoSuchBucketPolicy = _error("NoSuchBucketPolicy", 404, "The bucket policy does not exist")
NoSuchCORSConfiguration = _error("NoSuchCORSConfiguration", 404,
                                 "The CORS configuration does not exist")
NoSuchWebsiteConfiguration = _error("NoSuchWebsiteConfiguration", 404,
                                    "The specified bucket does not have a website configuration")
NoSuchLifecycleConfiguration = _error("NoSuchLifecycleConfiguration", 404,
                                      "The lifecycle configuration does not exist")
NoSuchPublicAccessBlockConfiguration = _error(
    "NoSuchPublicAccessBlockConfiguration", 404,
    "The public access block configuration was not found")
OwnershipControlsNotFoundError = _error("OwnershipControlsNotFoundError", 404,
                                        "The bucket ownership controls were not found")
ServerSideEncryptionConfigurationNotFoundError = _error(
    "ServerSideEncryptionConfigurationNotFoundError", 404,
    "The server side encryption configuration was not found")
ReplicationConfigurationNotFoundError = _error("ReplicationConfigurationNotFoundError", 404,
                                               "The replication configuration was not found")
ObjectLockConfigurationNotFoundError = _error(
    "ObjectLockConfigurationNotFoundError", 404,
    "Object Lock configuration does not exist for this bucket")
NoSuchObjectLockConfiguration = _error("NoSuchObjectLockConfiguration", 404,
                                       "The specified object does not have a ObjectLock "
                                       "configuration")
IdMismatch = _error("IdMismatch", 400, "Document ID does not match the specified configuration ID.")
InvalidS3DestinationBucket = _error("InvalidS3DestinationBucket", 400, "Invalid bucket ARN.")
NoSuchConfiguration = _error("NoSuchConfiguration", 404,
                             "The specified configuration does not exist.")
InvalidTag = _error("InvalidTag", 400, "The TagValue you have provided is invalid")
AccessControlListNotSupported = _error("AccessControlListNotSupported", 400,
                                       "The bucket does not allow ACLs")
InvalidBucketState = _error("InvalidBucketState", 409,
                            "The request is not valid with the current state of the bucket.")
KeyTooLongError = _error("KeyTooLongError", 400, "Your key is too long")
MissingContentLength = _error("MissingContentLength", 411,
                              "You must provide the Content-Length HTTP header.")
ObjectNotInActiveTierError = _error("ObjectNotInActiveTierError", 403,
                                    "The source object of the COPY action is not in the active "
                                    "tier and is only stored in Amazon S3 Glacier.")
InvalidBucketAclWithObjectOwnership = _error(
    "InvalidBucketAclWithObjectOwnership", 400,
    "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting")
TooManyBuckets = _error("TooManyBuckets", 400,
                        "You have attempted to create more buckets than allowed")
# Bucket configurations (config.py)
InvalidTargetBucketForLogging = _error("InvalidTargetBucketForLogging", 400,
                                       "The target bucket for logging does not exist")
CrossLocationLoggingProhibitted = _error("CrossLocationLoggingProhibitted", 403,
                                         "Cross S3 location logging not allowed. ")
TooManyConfigurations = _error("TooManyConfigurations", 400,
                               "You are attempting to create a new configuration but have "
                               "already reached the 1,000-configuration limit.")
