"""Every Nuvem setting, read in one place. Each is documented in the README.

| variable            | default            | meaning                                                        |
|---------------------|--------------------|----------------------------------------------------------------|
| NUVEM_HOST          | 127.0.0.1          | address to listen on                                           |
| NUVEM_PORT          | 4566               | port to listen on                                              |
| NUVEM_STATE_DIR     | ./state            | where the database and blobs live                              |
| NUVEM_EPHEMERAL     | 0                  | 1: keep all state in memory, lose it on exit                   |
| NUVEM_CLOCK         | real               | `manual`: time moves only through POST /_nuvem/clock           |
| NUVEM_DURABILITY    | process            | `process`: survives kill -9; `power`: fsync every commit too   |
| NUVEM_LOG_LEVEL     | info               | debug, info, warning, error                                    |
| NUVEM_DEFAULT_REGION| us-east-1          | region for requests that carry none (unsigned requests)        |
| NUVEM_AUTH          | lenient            | off, lenient (verify keys IAM issued), enforce (reject others) |
| NUVEM_IAM           | enforce            | enforce, log (allow, log would-be denials), off                |
| NUVEM_SMTP_URL      | (unset)            | relay e-mail (SNS email) to smtp[s]://[user:pw@]host[:port]    |
"""
from __future__ import annotations

import os
from dataclasses import dataclass, fields

DEFAULT_ACCOUNT = "000000000000"


def _flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


@dataclass
class Config:
    host: str = "127.0.0.1"
    port: int = 4566
    state_dir: str = "state"
    ephemeral: bool = False
    clock: str = "real"
    durability: str = "process"
    log_level: str = "info"
    default_region: str = "us-east-1"
    auth: str = "lenient"
    iam: str = "enforce"
    smtp_url: str = ""          # empty: e-mail stays in the local mailbox (nuvem/engines/mail)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides) -> "Config":
        env = os.environ if env is None else env
        values = {}
        for f in fields(cls):
            raw = env.get(f"NUVEM_{f.name.upper()}")
            if raw is None:
                continue
            if f.type == "int" or f.type is int:
                values[f.name] = int(raw)
            elif f.type == "bool" or f.type is bool:
                values[f.name] = _flag(raw)
            else:
                values[f.name] = raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        config = cls(**values)
        if config.clock not in ("real", "manual"):
            raise ValueError(f"NUVEM_CLOCK must be 'real' or 'manual', not {config.clock!r}")
        if config.auth not in ("off", "lenient", "enforce"):
            raise ValueError(f"NUVEM_AUTH must be off, lenient or enforce, not {config.auth!r}")
        if config.iam not in ("enforce", "log", "off"):
            raise ValueError(f"NUVEM_IAM must be enforce, log or off, not {config.iam!r}")
        if config.durability not in ("process", "power"):
            raise ValueError(f"NUVEM_DURABILITY must be 'process' or 'power', not {config.durability!r}")
        if config.smtp_url and not config.smtp_url.startswith(("smtp://", "smtps://")):
            raise ValueError(f"NUVEM_SMTP_URL must start with smtp:// or smtps://, not "
                             f"{config.smtp_url!r}")
        return config

    @property
    def endpoint(self) -> str:
        host = "localhost" if self.host in ("127.0.0.1", "0.0.0.0", "::", "::1") else self.host
        return f"http://{host}:{self.port}"
