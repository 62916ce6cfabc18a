"""Where authentication + authorization spend their time, in µs per call, in process.

Runs Nuvem's `Runtime` and `App` in this process (as benchmarks/profile_gateway.py does), creates
the user of benchmarks/auth_setup.py (10 attached customer-managed policies), makes one call of
each benchmarked operation as that user to capture the real `HttpRequest`, `Call` and operation,
then times each piece of the auth path in a tight loop on those objects:

- `Authenticator.authenticate` as a whole, and inside it `sigv4.parse_auth`,
  `Verifier.verify` (signing key from the warm LRU) and the key lookup (`Runtime._key_owner`);
- `Authorizer.authorize` as a whole, and inside it the policy lookup
  (`Runtime._identity_policies`: 10 managed-policy documents read from the store), the
  `PolicyCache.get` of the 10 documents, `actions.accesses`, the global context, and
  `nuvem.iam.evaluate.evaluate` on the 10 compiled policies.

Nothing in nuvem/ is changed. `--json` prints the figures as JSON (benchmarks/run.py reads it).

    .venv/bin/python benchmarks/profile_auth.py [--n 20000] [--profile] [--json]
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import profile_gateway as pg  # noqa: E402  (sets up the environment; the in-process transport)
import auth_setup  # noqa: E402

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402

from nuvem.auth import sigv4  # noqa: E402
from nuvem.config import Config as NuvemConfig  # noqa: E402
from nuvem.iam import actions, middleware  # noqa: E402
from nuvem.iam.evaluate import Principal as IamPrincipal, Request, evaluate  # noqa: E402
from nuvem.runtime import Runtime  # noqa: E402
from nuvem.server import App  # noqa: E402

clock = time.thread_time


def timeit(fn, n: int, repeat: int = 5) -> float:
    """Best-of-`repeat` median-free figure: µs per call of fn(), CPU time of this thread."""
    best = float("inf")
    for _ in range(repeat):
        started = clock()
        for _ in range(n):
            fn()
        best = min(best, (clock() - started) / n)
    return best * 1e6


def hot_spots(fn, n: int, top: int = 14) -> list[dict]:
    """cProfile of `n` calls of fn: the functions with the most cumulative time, in µs per call
    of fn (cProfile's own overhead inflates these; compare them with each other)."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        fn()
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
    rows = []
    for (path, line, name), (_, calls, tottime, cumtime, _) in stats.items():
        if path == __file__ or name == "<lambda>" and path == __file__:
            continue
        where = path[len(repo):] if path.startswith(repo) else os.path.basename(path)
        rows.append({"function": f"{where}:{line}({name})" if line else name,
                     "calls": calls / n, "tottime_us": tottime * 1e6 / n,
                     "cumtime_us": cumtime * 1e6 / n})
    rows.sort(key=lambda r: -r["cumtime_us"])
    return rows[:top]


def make_client(hook, service: str, key: str, secret: str):
    c = boto3.session.Session().client(
        service, endpoint_url="http://127.0.0.1:4566", region_name="us-east-1",
        aws_access_key_id=key, aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}))
    c.meta.events.register("before-send", hook)
    return c


def measure(n: int, profile: bool = False) -> dict:
    runtime = Runtime(NuvemConfig(ephemeral=True, log_level="warning"))
    app = App(runtime)
    runtime.start()
    pool = app.executor
    app.executor = pg.InlineExecutor()
    hook = pg.InProcess(app)
    out: dict = {"n": n, "ops": {}}
    try:
        key = auth_setup.create_user(lambda s, k, sec: make_client(hook, s, k, sec))
        authn, authz = runtime.authenticator, runtime.authorizer
        captured: dict = {}
        real_authenticate, real_authorize = authn.authenticate, authz.authorize

        def capture_authenticate(call, route, region):
            captured["authn"] = (call, route, region)
            return real_authenticate(call, route, region)

        def capture_authorize(call, operation):
            captured["authz"] = (call, operation)
            return real_authorize(call, operation)

        for label, service, do in (("sts get-caller-identity", "sts",
                                    lambda c: c.get_caller_identity()),
                                   ("ec2 describe-regions", "ec2",
                                    lambda c: c.describe_regions())):
            c = make_client(hook, service, key["AccessKeyId"], key["SecretAccessKey"])
            for _ in range(50):
                do(c)                          # warm: imports, signing-key LRU, policy cache
            root_client = make_client(hook, service, auth_setup.ACCOUNT, "test")
            do(root_client)
            captured.clear()
            authn.authenticate, authz.authorize = capture_authenticate, capture_authorize
            do(root_client)
            root_authn, root_authz = captured["authn"], captured["authz"]
            captured.clear()
            do(c)
            authn.authenticate, authz.authorize = real_authenticate, real_authorize
            call, route, region = captured["authn"]
            _, operation = captured["authz"]
            request = call.request
            family = sigv4.family_of(route.protocol, route.service)
            signed = sigv4.parse_auth(request, family)
            now = signed.amz_date                   # the signature stays current in the loop
            owner = runtime._key_owner(signed.access_key)
            fixed_clock = type("C", (), {"now": staticmethod(lambda: now)})()
            saved_clock, authn.clock = authn.clock, fixed_clock
            r: dict = {}
            hot: list = []
            try:
                r["authenticate (whole)"] = timeit(
                    lambda: real_authenticate(call, route, region), n)
            finally:
                authn.clock = saved_clock
            r["authenticate, root key (the baseline: one key-lookup miss)"] = timeit(
                lambda: real_authenticate(*root_authn), n)
            r["authorize, root key (the baseline)"] = timeit(
                lambda: real_authorize(*root_authz), n)
            r["  sigv4.parse_auth"] = timeit(lambda: sigv4.parse_auth(request, family), n)
            r["  key lookup (Runtime._key_owner)"] = timeit(
                lambda: runtime._key_owner(signed.access_key), n)
            r["  Verifier.verify"] = timeit(
                lambda: authn.verifier.verify(request, signed, owner.secret, now=now, s3=False,
                                              family=family, check_body=True), n)
            r["    canonical_request"] = timeit(
                lambda: sigv4.canonical_request(request, signed, s3=False), n)
            r["authorize (whole)"] = timeit(lambda: real_authorize(call, operation), n)
            needs_none = actions.needs_no_permission(call.service, operation.name)
            if not needs_none:
                found = runtime._identity_policies(call)
                identity, boundary = found[0], found[1]
                compiled = [authz._cache.get(doc, "identity", name) for name, doc in identity]
                r["  policy lookup (Runtime._identity_policies)"] = timeit(
                    lambda: runtime._identity_policies(call), n)
                r["  PolicyCache.get × 10 (fresh document strings)"] = timeit(
                    lambda: [authz._cache.get(doc, "identity", name)
                             for name, doc in runtime._identity_policies(call)[0]], n) \
                    - r["  policy lookup (Runtime._identity_policies)"]
                r["  _global_context"] = timeit(lambda: middleware._global_context(call), n)
                r["  actions.accesses"] = timeit(lambda: list(actions.accesses(
                    call.service, operation, call.params, call.account, call.region)), n)
                principal = call.principal
                if hasattr(middleware, "iam_principal"):
                    who = middleware.iam_principal(principal)
                else:
                    who = IamPrincipal(arn=principal.arn, account=principal.account,
                                       type=principal.kind, userid=principal.user_id)
                context = middleware._global_context(call)
                access = list(actions.accesses(call.service, operation, call.params,
                                               call.account, call.region))[0]

                def one_evaluation():
                    request_ = Request(principal=who, action=access.action,
                                       resource=access.resources, resource_account=call.account,
                                       context={**context, **access.context})
                    decision = evaluate(request_, identity_policies=compiled)
                    assert decision.allowed
                r["  evaluate (10 compiled policies, Request built)"] = timeit(one_evaluation, n)
                out["policies"] = len(identity)
                hot = hot_spots(lambda: real_authorize(call, operation),
                                                     max(500, n // 4))
            r["in-process delta: user − root (authenticate + authorize)"] = (
                r["authenticate (whole)"] + r["authorize (whole)"]
                - r["authenticate, root key (the baseline: one key-lookup miss)"]
                - r["authorize, root key (the baseline)"])
            order = ["authenticate (whole)", "  sigv4.parse_auth",
                     "  key lookup (Runtime._key_owner)", "  Verifier.verify",
                     "    canonical_request", "authorize (whole)"]
            order += [k for k in r if k.startswith("  ") and k not in order]
            r = {k: r[k] for k in order if k in r} | {k: v for k, v in r.items()
                                                     if k not in order}
            out["ops"][label] = {"needs_no_permission": needs_none, "us": r, "hot": hot}
            if profile:
                profiler = cProfile.Profile()
                profiler.enable()
                authn.clock = fixed_clock
                for _ in range(n):
                    real_authenticate(call, route, region)
                    real_authorize(call, operation)
                authn.clock = saved_clock
                profiler.disable()
                text = io.StringIO()
                pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(25)
                out["ops"][label]["profile"] = text.getvalue()
    finally:
        runtime.stop()
        pool.shutdown(wait=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000, help="calls per timing loop")
    parser.add_argument("--profile", action="store_true", help="also cProfile authenticate + "
                                                                "authorize (tottime)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    out = measure(args.n, args.profile)
    if args.json:
        print(json.dumps(out))
        return
    print(f"µs per call, CPU time of one thread, best of 5 loops of {args.n}; "
          f"{out.get('policies', '?')} identity policies")
    for label, r in out["ops"].items():
        extra = " (needs no permission: authorize returns early)" if r["needs_no_permission"] else ""
        print(f"\n== {label}{extra}")
        for name, us in r["us"].items():
            print(f"  {name:<52} {us:8.1f} µs")
        for h in r.get("hot", []):
            print(f"    {h['cumtime_us']:7.1f} cum {h['tottime_us']:6.1f} own µs  "
                  f"×{h['calls']:<5g} {h['function']}")
        if "profile" in r:
            print(r["profile"])


if __name__ == "__main__":
    main()
