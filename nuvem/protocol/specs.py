"""botocore's service models, with Nuvem's spec overlays merged in through botocore's own Loader.

Overlays live in `extras/<service>/<api-version>/service-2.nuvem-extras.json` and use the Loader's
`{"merge": {...}}` format. Each entry restores a Smithy trait the JSON model lost (S3 root element
names, EC2 error shapes, ...), gives an enum's values in the order AWS lists them in its
validation messages (DynamoDB's), a structure's members in the order the service writes them
(`nuvemXmlOrder`, S3's listings), drops a constraint the service words its own refusal of
(DynamoDB's empty BatchWriteItem, CreateTable without TableName, Query's Limit), or marks a
list whose members AWS says "must not be null" (`memberNotNull`, IAM's tag keys), and has a test
that uses it.
"""
from __future__ import annotations

import functools
import gc
import os

from botocore.loaders import Loader
from botocore.model import OperationModel, ServiceModel

EXTRAS_DIR = os.path.join(os.path.dirname(__file__), "extras")


@functools.cache
def loader() -> Loader:
    # No ~/.aws/models: what Nuvem serves must not depend on the user's home directory.
    spec_loader = Loader(extra_search_paths=[EXTRAS_DIR, Loader.BUILTIN_DATA_PATH],
                         include_default_search_paths=False)
    spec_loader.extras_types.append("nuvem")
    return spec_loader


@functools.cache
def service_model(name: str) -> ServiceModel:
    """The model of a service by its botocore name (`sts`, `ec2`, `s3`, ...), loaded once."""
    model = ServiceModel(loader().load_service_model(name, "service-2"), service_name=name)
    settle_heap()
    return model


def settle_heap() -> None:
    """Moves every object alive now out of the garbage collector's reach (gc.freeze): what is
    alive when a model has just loaded (the model's hundreds of thousands of dicts, the modules)
    lives as long as the process. Left in the oldest generation, it would be traversed again by
    each full collection, which the transient objects of large responses trigger every few
    calls (about 0.6 ms per call for a 1,000-key listing)."""
    gc.freeze()


def operation_model(service: str, operation: str) -> OperationModel:
    return service_model(service).operation_model(operation)


@functools.cache
def available_services() -> tuple[str, ...]:
    return tuple(loader().list_available_services("service-2"))
