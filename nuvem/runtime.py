"""One running Nuvem: its configuration, clock, ids, store, scheduler and event dispatcher.

Everything a call reaches goes through this object (via the call context); nothing lives in
module-level state, so tests can run several Nuvems in one process.
"""
from __future__ import annotations

import logging
import os
import sys

from nuvem.auth.credentials import Authenticator, KeyOwner
from nuvem.config import Config
from nuvem.context import Principal

log = logging.getLogger("nuvem")


class Runtime:
    def __init__(self, config: Config):
        from nuvem.core.clock import ManualClock, RealClock
        from nuvem.core.events import Dispatcher
        from nuvem.core.ids import Ids
        from nuvem.core.scheduler import Scheduler
        from nuvem.iam.middleware import Authorizer
        from nuvem.store.sqlite import SqliteStore

        self.config = config
        self.clock = ManualClock() if config.clock == "manual" else RealClock()
        self.ids = Ids()
        if config.ephemeral:
            self.store = SqliteStore(None, clock=self.clock)
        else:
            os.makedirs(config.state_dir, exist_ok=True)
            self.store = SqliteStore(config.state_dir, clock=self.clock,
                                     synchronous="FULL" if config.durability == "power" else "NORMAL")
        self.scheduler = Scheduler(self.clock)
        self.dispatcher = Dispatcher(self.store, clock=self.clock)
        self.authenticator = Authenticator(config.auth, self.clock, self._key_owner)
        self.authorizer = Authorizer(config.iam, self._identity_policies)

    def start(self) -> None:
        self.scheduler.start()
        self.dispatcher.start()

    def stop(self) -> None:
        self.dispatcher.stop()
        self.scheduler.stop()
        self.store.close()

    def reset(self) -> None:
        self.store.reset()

    # -- the narrow view of IAM that authentication and authorization read ----------------------
    def _key_owner(self, access_key: str) -> KeyOwner | None:
        from nuvem.services.iam import lookup
        with self.store.read() as view:
            found = lookup.access_key_principal(view, access_key)
        if found is None:
            return None
        account, user, secret, status = found
        return KeyOwner(Principal("user", account, user.arn, user.UserId), secret, status == "Active")

    def _identity_policies(self, call):
        from nuvem.services.iam import lookup
        user_name = call.principal.arn.rsplit("/", 1)[-1]
        with self.store.read() as view:
            return (lookup.principal_policies(view, call.account, user_name),
                    lookup.permissions_boundary(view, call.account, user_name))

    @staticmethod
    def loaded_services() -> set[str]:
        from nuvem import services
        return {name for name, module in services.REGISTRY.items() if module in sys.modules}
