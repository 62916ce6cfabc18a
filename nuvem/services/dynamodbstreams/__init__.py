"""Amazon DynamoDB Streams: ListStreams, DescribeStream, GetShardIterator, GetRecords over the
records DynamoDB writes (services/dynamodb/streams.py) in the same transaction as each change."""
from nuvem.services import Service

SERVICE = Service("dynamodbstreams")

from nuvem.services.dynamodbstreams import api  # noqa: E402,F401  (registers the operations)

# Stream ARNs are DynamoDB resources: the stream's resource policy decides for other accounts.
from nuvem.services.dynamodb.tables import resource_view  # noqa: E402

SERVICE.resource_view = resource_view
