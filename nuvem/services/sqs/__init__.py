"""Amazon SQS: standard and FIFO queues, over JSON and the legacy query protocol.

queues.py: queues, attributes, tags, policies (resource_view). messages.py: send, receive,
delete, visibility, long polls. redrive.py: dead-letter queues, message move tasks and the
retention sweep.
"""
from nuvem.services import Service

SERVICE = Service("sqs")

from nuvem.services.sqs import queues, messages, redrive  # noqa: E402,F401  (registers the operations)
