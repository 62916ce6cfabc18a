"""cProfile of Nuvem's server side for S3 1 KiB PUT/GET and a 1,000-key list page (durable store)."""
import cProfile, io, os, pstats, sys, tempfile, time, itertools
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import profile_gateway as pg
from nuvem.config import Config as NuvemConfig
from nuvem.runtime import Runtime
from nuvem.server import App

class _Raw(io.BytesIO):
    def __init__(self, data):
        super().__init__(data)
    def stream(self, **_):
        yield self.getvalue()
pg._Raw = _Raw
only = sys.argv[2].split(",") if len(sys.argv) > 2 else None
which = sys.argv[1] if len(sys.argv) > 1 else "durable"
state = tempfile.mkdtemp()
runtime = Runtime(NuvemConfig(ephemeral=(which == "ephemeral"), state_dir=state, log_level="warning"))
app = App(runtime); runtime.start()
stages = pg.Stages()
pg.instrument(app, stages)
hook = pg.InProcess(app)
c = pg.client("s3", hook)
c.create_bucket(Bucket="bench-small"); c.create_bucket(Bucket="bench-list")
body = b"s3-bench" * 128
n = itertools.count()
c.put_object(Bucket="bench-small", Key="small/1", Body=body)
for i in range(5000):
    c.put_object(Bucket="bench-list", Key=f"list/{i:07d}", Body=b"x")
ops = {
  "put": (lambda: c.put_object(Bucket="bench-small", Key=f"small/{next(n)}", Body=body), 2000),
  "get": (lambda: c.get_object(Bucket="bench-small", Key="small/1")["Body"].read(), 2000),
  "list": (lambda: c.list_objects_v2(Bucket="bench-list", MaxKeys=1000, StartAfter="list/0002000"), 40),
}
for name, (fn, count) in ops.items():
    if only and name not in only:
        continue
    for _ in range(50 if name != "list" else 3):
        fn()
    # un-profiled in-process CPU, pool as served
    hook.measure, hook.asgi_cpu = True, 0.0
    for _ in range(count):
        fn()
    print(f"== {name}: App.__call__ process CPU {hook.asgi_cpu * 1e6 / count:.0f} µs/call (in-process, no sockets)")
    stages.total.clear()
    stages.enabled = True
    for _ in range(count):
        fn()
    stages.enabled = False
    total = stages.total.pop("gateway total")
    print(f"-- gateway stages ({total * 1e6 / count:.0f} µs/call with the timers)")
    for stage, spent in sorted(stages.total.items(), key=lambda kv: -kv[1]):
        print(f"   {stage:<24} {spent * 1e6 / count:7.1f} µs/call")
    app.executor, pool = pg.InlineExecutor(), app.executor
    hook.profiler = cProfile.Profile()
    for _ in range(count // 2):
        fn()
    prof, hook.profiler = hook.profiler, None
    app.executor = pool
    hook.measure = False
    for sort in ("tottime", "cumulative"):
        s = io.StringIO()
        pstats.Stats(prof, stream=s).sort_stats(sort).print_stats(28)
        lines = s.getvalue().splitlines()
        first = next(i for i, l in enumerate(lines) if "ncalls" in l)
        print(f"-- by {sort} ({count // 2} calls)")
        print("\n".join(lines[first:first + 29]))
runtime.stop()
