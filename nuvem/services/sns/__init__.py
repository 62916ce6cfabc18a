"""Amazon Simple Notification Service (query protocol).

Families: topics.py (topics, attributes, permissions, tags, data protection policy),
subscriptions.py (subscribe/confirm/unsubscribe, listings, subscription attributes), platform.py
(mobile push applications and endpoints, kept as records), publish.py (Publish, PublishBatch),
sms.py (phone number opt-outs).
Delivery runs off the events outbox: events.py declares the events, delivery.py handles them
(fan-out, sqs, http/https, email, sms), filters.py matches filter policies, signing.py signs
messages. access.py exposes topic policies to the authorizer.
"""
from nuvem.services import Service

SERVICE = Service("sns")

from nuvem.services.sns import (access, platform, publish, sms,  # noqa: E402,F401
                                subscriptions, topics)

SERVICE.resource_view = access.resource_view
SERVICE.authorize = access.authorize
