"""The events S3 puts in the outbox (kept small: the runtime imports it at start)."""
from nuvem.core.events import event


@event("s3.Notification")
class Notification:
    """One event message for one destination of a bucket's notification configuration."""
    destination: str          # the queue, topic or function ARN
    bucket: str
    bucket_account: str
    region: str
    body: str                 # the JSON event message
    trace_header: str = ""    # the request's X-Amzn-Trace-Id: SQS's AWSTraceHeader
