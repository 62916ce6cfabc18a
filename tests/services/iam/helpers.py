import json

import pytest
from botocore.exceptions import ClientError

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
DOC = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                               "Resource": "*"}]}


def doc(action="s3:GetObject"):
    return json.dumps({**DOC, "Statement": [{**DOC["Statement"][0], "Action": action}]})


def error(call, *args, **kwargs):
    """(code, HTTP status, message) of a call that must fail."""
    with pytest.raises(ClientError) as e:
        call(*args, **kwargs)
    r = e.value.response
    return r["Error"]["Code"], r["ResponseMetadata"]["HTTPStatusCode"], r["Error"]["Message"]


def drain(call, key, **kwargs):
    """All items of a Marker/MaxItems list call, and the number of pages."""
    items, pages, marker = [], 0, None
    while True:
        page = call(**kwargs, **({"Marker": marker} if marker else {}))
        items += page[key]
        pages += 1
        if not page["IsTruncated"]:
            assert "Marker" not in page
            return items, pages
        marker = page["Marker"]
