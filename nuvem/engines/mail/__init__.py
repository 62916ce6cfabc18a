"""The local mailbox: everything Nuvem sends by e-mail (SNS now; Budgets, Cognito and SES later)
and the SMS it would send.

    send(runtime, sender=..., to=[...], subject=..., body=...)     # -> message id
    messages(runtime, channel=None)  /  message(runtime, id)  /  clear(runtime)

Messages are `mail.Message` records (from, to, subject, body, date), so they survive restarts
and `nuvem reset` wipes them. `GET /_nuvem/mail` lists them as JSON and `nuvem mail` prints them.
With `NUVEM_SMTP_URL` set (`smtp://[user:password@]host[:port]`, `smtps://...` for TLS, add
`?starttls=1` for STARTTLS) e-mail is relayed to that server with smtplib instead of being kept;
SMS is always kept.
"""
from __future__ import annotations

import smtplib
from dataclasses import asdict, dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

from nuvem.store import Scope, record

SMTP_TIMEOUT = 10.0


@record("mail.Message", scope=Scope.GLOBAL, key=("id",))
@dataclass
class Message:
    id: str                      # sortable: the time it was sent, then random
    sender: str
    to: list[str]
    subject: str
    body: str
    date: datetime
    channel: str = "email"       # "email" or "sms"
    headers: dict[str, str] = field(default_factory=dict)


def as_json(message: Message) -> dict:
    out = asdict(message)
    out["from"] = out.pop("sender")
    out["date"] = message.date.isoformat().replace("+00:00", "Z")
    return out


def send(runtime, *, sender: str, to: list[str], subject: str, body: str,
         channel: str = "email", headers: dict[str, str] | None = None) -> str:
    """Deliver one message: relayed over SMTP when NUVEM_SMTP_URL is set (e-mail only), else
    kept in the mailbox. Raises on a relay failure, so the caller's retry policy applies."""
    now = runtime.clock.now()
    message = Message(id=now.strftime("%Y%m%dT%H%M%S%f") + "-" + runtime.ids.hex(8),
                      sender=sender, to=list(to), subject=subject, body=body, date=now,
                      channel=channel, headers=dict(headers or {}))
    if channel == "email" and runtime.config.smtp_url:
        relay(runtime.config.smtp_url, message)
        return message.id
    with runtime.store.tx() as tx:
        tx.put(message)
    return message.id


def to_email(message: Message) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = message.sender
    mail["To"] = ", ".join(message.to)
    mail["Subject"] = message.subject
    mail["Date"] = format_datetime(message.date)
    mail["Message-ID"] = make_msgid(domain="nuvem.local")
    for name, value in message.headers.items():
        mail[name] = value
    mail.set_content(message.body)
    return mail


def relay(url: str, message: Message) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError(f"NUVEM_SMTP_URL must be smtp:// or smtps://, not {url!r}")
    options = parse_qs(parts.query)
    host = parts.hostname or "localhost"
    if parts.scheme == "smtps":
        client = smtplib.SMTP_SSL(host, parts.port or 465, timeout=SMTP_TIMEOUT)
    else:
        client = smtplib.SMTP(host, parts.port or 25, timeout=SMTP_TIMEOUT)
    with client:
        if options.get("starttls", ["0"])[0] in ("1", "true", "yes"):
            client.starttls()
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(to_email(message))


def messages(runtime, channel: str | None = None, to: str | None = None) -> list[Message]:
    with runtime.store.read() as read:
        found = list(read.query(Message))
    return [m for m in found if (channel is None or m.channel == channel) and
            (to is None or to in m.to)]


def message(runtime, message_id: str) -> Message | None:
    with runtime.store.read() as read:
        return read.get(Message, message_id)


def clear(runtime) -> int:
    with runtime.store.tx() as tx:
        found = list(tx.query(Message))
        for m in found:
            tx.delete(m)
    return len(found)
