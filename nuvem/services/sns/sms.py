"""SMS opt-outs: CheckIfPhoneNumberIsOptedOut, ListPhoneNumbersOptedOut, OptInPhoneNumber.

A number is opted out when its owner replies STOP to an SMS; nobody replies to the local
mailbox, so no number is ever opted out and opting in is a no-op."""
from __future__ import annotations

from nuvem.context import Call
from nuvem.services.sns import SERVICE
from nuvem.services.sns.errors import invalid
from nuvem.services.sns.publish import PHONE_NUMBER


def _check(number: str) -> None:
    if not PHONE_NUMBER.fullmatch(number):
        raise invalid("PhoneNumber Reason: input incorrectly formatted")


@SERVICE.op("CheckIfPhoneNumberIsOptedOut")
def check_if_phone_number_is_opted_out(ctx: Call, req: dict) -> dict:
    _check(req["phoneNumber"])
    return {"isOptedOut": False}


@SERVICE.op("ListPhoneNumbersOptedOut")
def list_phone_numbers_opted_out(ctx: Call, req: dict) -> dict:
    return {"phoneNumbers": []}


@SERVICE.op("OptInPhoneNumber")
def opt_in_phone_number(ctx: Call, req: dict) -> dict:
    _check(req["phoneNumber"])
    return {}
