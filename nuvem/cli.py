"""The `nuvem` command: serve, status, reset, aws, coverage."""
from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import urllib.error
import urllib.request

from nuvem.config import Config


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["aws"]:            # everything after `aws` belongs to the AWS CLI
        sys.exit(run_aws(argv[1:]))
    parser = argparse.ArgumentParser(prog="nuvem", description="A local AWS cloud.")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="start Nuvem (default 127.0.0.1:4566)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--state-dir", help="where state is kept (default ./state)")
    serve.add_argument("--ephemeral", action="store_true", default=None,
                       help="keep all state in memory")

    for name, text in (("status", "show whether Nuvem runs and what it serves"),
                       ("reset", "wipe all state (of the running server, else of the state dir)")):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("--port", type=int)
        sub.add_argument("--state-dir")
    commands.add_parser("aws", help="run the AWS CLI against Nuvem (like awslocal)")
    # the local mailbox of a running server (issue 5; nuvem/engines/mail, GET /_nuvem/mail)
    mail = commands.add_parser("mail", help="list or show the e-mail (and SMS) Nuvem sent")
    mail.add_argument("--port", type=int)
    mail.add_argument("--to", help="only messages to this address or phone number")
    mail.add_argument("--sms", action="store_true", help="the captured SMS instead of e-mail")
    mail.add_argument("--json", action="store_true", help="print the messages as JSON")
    mail.add_argument("action", nargs="?", choices=("list", "show"), default="list")
    mail.add_argument("id", nargs="?", help="the message to show (default: the latest)")
    coverage = commands.add_parser("coverage", help="implemented vs. modelled operations")
    coverage.add_argument("--markdown", action="store_true", help="print docs/coverage.md")

    args = parser.parse_args(argv)
    if args.command == "serve":
        cmd_serve(args)
    elif args.command == "status":
        sys.exit(cmd_status(args))
    elif args.command == "reset":
        sys.exit(cmd_reset(args))
    elif args.command == "mail":
        sys.exit(cmd_mail(args))
    elif args.command == "coverage":
        from nuvem.coverage import render_markdown, render_text
        print(render_markdown() if args.markdown else render_text(), end="")


def cmd_serve(args) -> None:
    # botocore imports awscrt.auth only to learn whether it could sign requests with the CRT,
    # which a server never does: refused, it leaves awscrt's 4 MiB library unloaded until a
    # CRC32C or CRC64NVME checksum needs it (protocol/checksums.py imports awscrt.checksums).
    sys.modules.setdefault("awscrt.auth", None)
    config = Config.from_env(host=args.host, port=args.port, state_dir=args.state_dir,
                             ephemeral=args.ephemeral)
    logging.basicConfig(level=config.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(message)s")
    from nuvem.runtime import Runtime
    from nuvem.server import serve
    from nuvem.store.api import StoreError
    where = "in memory" if config.ephemeral else f"in {os.path.abspath(config.state_dir)}"
    logging.getLogger("nuvem").info("Nuvem on %s (state %s)", config.endpoint, where)
    try:
        runtime = Runtime(config)
    except StoreError as e:     # a state directory in use, or written by a newer Nuvem
        sys.exit(f"nuvem: {e}")
    serve(runtime)


def _endpoint(args) -> str:
    return Config.from_env(port=getattr(args, "port", None)).endpoint


def _admin(args, method: str, path: str) -> dict | None:
    request = urllib.request.Request(_endpoint(args) + path, method=method)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.load(response)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def cmd_status(args) -> int:
    health = _admin(args, "GET", "/_nuvem/health")
    if health is None:
        print(f"Nuvem is not running at {_endpoint(args)}")
        return 1
    print(f"Nuvem {health['version']} at {_endpoint(args)} (state: {health['state']}, "
          f"clock: {health['clock']})")
    for name, state in health["services"].items():
        print(f"  {name:<24} {state}")
    return 0


def cmd_reset(args) -> int:
    if _admin(args, "POST", "/_nuvem/reset") is not None:
        print("state of the running Nuvem wiped")
        return 0
    config = Config.from_env(state_dir=args.state_dir)
    if os.path.isdir(config.state_dir):
        shutil.rmtree(config.state_dir)
        print(f"removed {os.path.abspath(config.state_dir)}")
    else:
        print("nothing to reset")
    return 0


def cmd_mail(args) -> int:
    """`nuvem mail`: one line per message, newest last; `nuvem mail show [ID]`: one in full."""
    from urllib.parse import urlencode
    query = {"channel": "sms" if args.sms else "email"}
    if args.to:
        query["to"] = args.to
    listing = _admin(args, "GET", "/_nuvem/mail?" + urlencode(query))
    if listing is None:
        print(f"Nuvem is not running at {_endpoint(args)}")
        return 1
    messages = listing["messages"]
    if args.action == "show":
        chosen = [m for m in messages if m["id"] == args.id] if args.id else messages[-1:]
        if not chosen:
            print(f"no message {args.id}" if args.id else "the mailbox is empty")
            return 1
        m = chosen[0]
        if args.json:
            print(json.dumps(m, indent=2))
            return 0
        print(f"Id: {m['id']}\nDate: {m['date']}\nFrom: {m['from']}\nTo: {', '.join(m['to'])}")
        if m.get("subject"):
            print(f"Subject: {m['subject']}")
        print()
        print(m["body"])
        return 0
    if args.json:
        print(json.dumps(messages, indent=2))
        return 0
    if not messages:
        print("the mailbox is empty")
    for m in messages:
        print(f"{m['id']}  {m['date']}  {', '.join(m['to'])}  {m.get('subject') or m['body'][:60]}")
    return 0


def run_aws(argv: list[str]) -> int:
    """The AWS CLI with Nuvem's endpoint, test credentials and a region unless the user set them."""
    env = dict(os.environ)
    env.setdefault("AWS_ENDPOINT_URL", Config.from_env().endpoint)
    if not (env.get("AWS_ACCESS_KEY_ID") or env.get("AWS_PROFILE")):
        env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"] = "test", "test"
    env.setdefault("AWS_DEFAULT_REGION", env.get("AWS_REGION", "us-east-1"))
    import subprocess
    return subprocess.call([sys.executable, "-m", "awscli", *argv], env=env)
