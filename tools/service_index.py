"""Regenerate `nuvem/protocol/service_index.json`: routing facts of every botocore service.

Loading all 400+ service models takes seconds, so the router reads this small index instead and
loads a full model only when a request for that service arrives. A test checks that the index
matches the pinned botocore.  Run: `.venv/bin/python -m tools.service_index`.
"""
from __future__ import annotations

import json
import os

from nuvem.protocol import specs

INDEX_PATH = os.path.join(os.path.dirname(specs.__file__), "service_index.json")
FIELDS = ("apiVersion", "endpointPrefix", "signingName", "targetPrefix", "protocols", "jsonVersion")


def build() -> dict:
    index = {}
    for name in specs.available_services():
        meta = specs.loader().load_service_model(name, "service-2")["metadata"]
        entry = {field: meta[field] for field in FIELDS if field in meta}
        entry.setdefault("signingName", meta["endpointPrefix"])
        entry.setdefault("protocols", [meta["protocol"]])
        if "awsQueryCompatible" in meta:
            entry["awsQueryCompatible"] = True
        index[name] = entry
    return index


def render(index: dict) -> str:
    return json.dumps(index, indent=0, sort_keys=True) + "\n"


if __name__ == "__main__":
    with open(INDEX_PATH, "w") as f:
        f.write(render(build()))
    print(f"wrote {INDEX_PATH}")
