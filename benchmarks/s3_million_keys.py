"""Per-page server CPU of ListObjectsV2 at 5,000 vs 1,000,000 keys in one bucket.

Filling a million keys through the API takes about an hour on 2 cores, so the object records are
written straight to the store (as PutObject would write them); the pages are listed through the
API, in process (benchmarks/profile_gateway.py's harness), and the server CPU of each is read
the same way as there.

    .venv/bin/python benchmarks/s3_million_keys.py
"""
import io
import os
import random
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import profile_gateway as pg
from datetime import datetime, timezone
from nuvem.config import Config as NuvemConfig
from nuvem.runtime import Runtime
from nuvem.server import App
from nuvem.services.s3.models import S3Object

class _Raw(io.BytesIO):
    def stream(self, **_): yield self.getvalue()
pg._Raw = _Raw
state = tempfile.TemporaryDirectory()        # about 600 MB with a million keys; removed at exit
runtime = Runtime(NuvemConfig(ephemeral=False, state_dir=state.name, log_level="warning"))
app = App(runtime); runtime.start()
hook = pg.InProcess(app)
c = pg.client("s3", hook)
def fill(bucket, n):
    c.create_bucket(Bucket=bucket)
    now = datetime.now(timezone.utc)
    for start in range(0, n, 20000):
        with runtime.store.tx() as tx:
            for i in range(start, min(n, start + 20000)):
                tx.put(S3Object(bucket=bucket, key=f"list/{i:07d}", rank=0, version_id="null",
                                last_modified=now, owner="000000000000", etag='"9dd4e461268c8034f5c8564e155c67a6"',
                                size=1, data=b"x", checksum={"Algorithm": "CRC64NVME", "Value": "AAAAAAAAAAA=", "Type": "FULL_OBJECT"}))
def page_cpu(bucket, n, pages=30):
    cpu = 0.0
    for _ in range(3):
        c.list_objects_v2(Bucket=bucket, MaxKeys=1000, StartAfter=f"list/{random.randrange(n-1000):07d}")
    hook.measure, hook.asgi_cpu = True, 0.0
    for _ in range(pages):
        out = c.list_objects_v2(Bucket=bucket, MaxKeys=1000, StartAfter=f"list/{random.randrange(n-1000):07d}")
        assert out["KeyCount"] == 1000
    hook.measure = False
    return hook.asgi_cpu / pages * 1000
t = time.time(); fill("small-bucket", 5000); fill("million-bucket", 1_000_000); print(f"filled in {time.time()-t:.0f} s", flush=True)
for b, n in (("small-bucket", 5000), ("million-bucket", 1_000_000), ("small-bucket", 5000), ("million-bucket", 1_000_000)):
    print(b, n, f"{page_cpu(b, n):.2f} ms per page server CPU (App.__call__, in process)", flush=True)
runtime.stop()
state.cleanup()
