"""One running Nuvem: its configuration, clock, ids, store, scheduler and event dispatcher.

Everything a call reaches goes through this object (via the call context); nothing lives in
module-level state, so tests can run several Nuvems in one process.
"""
from __future__ import annotations

import logging
import os
import sys
import threading
from collections import OrderedDict
from typing import Callable

from nuvem.auth.credentials import Authenticator, KeyOwner
from nuvem.config import Config
from nuvem.context import Principal

log = logging.getLogger("nuvem")

# The session policy of a federated user who passed none: it allows nothing ("If you do not pass
# a policy to this operation, the resulting federated user session has no permissions").
NO_PERMISSIONS = ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
                  '"Action": "none:NoPermissions", "Resource": "*"}]}')


class IdentityCache:
    """Results of the IAM and STS lookups that every signed call makes (key owner, policies, trust
    policy), kept until a call to a service that changes identities commits (`invalidate`).

    A value computed while an invalidation happened is not kept, so a reader never caches what a
    concurrent IAM write has just made stale.
    """

    def __init__(self, size: int = 4096):
        self.size = size
        self.generation = 0
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, compute):
        with self._lock:
            generation = self.generation
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
        value = compute()
        with self._lock:
            if self.generation == generation:
                self._items[key] = value
                if len(self._items) > self.size:
                    self._items.popitem(last=False)
        return value

    def invalidate(self) -> None:
        with self._lock:
            self.generation += 1
            self._items.clear()


class Runtime:
    def __init__(self, config: Config):
        from nuvem.core.clock import ManualClock, RealClock
        from nuvem.core.events import Dispatcher
        from nuvem.core.ids import Ids
        from nuvem.core.scheduler import Scheduler
        from nuvem.core.usage import UsageTracker
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
        self.identities = IdentityCache()
        # last use of IAM keys and roles: in memory, written at most once a minute per key
        self.usage = UsageTracker(self.store, self.clock, self.scheduler, _write_usage)
        self.authenticator = Authenticator(config.auth, self.clock, self._key_owner)
        self.authorizer = Authorizer(config.iam, self._identity_policies, self._trust_policy)
        from nuvem.core.internal import InternalClient
        self.internal = InternalClient(self)
        # Derived values a service may keep for the life of the process (a parsed signing key):
        # never state, always recomputable from the store.
        self.caches: dict = {}
        # name -> what to do at a clean stop, before the store closes (a service's in-memory
        # counts to store); added by a service when it first needs one
        self.at_stop: dict[str, Callable[[], None]] = {}
        from nuvem.core.waiters import Waiters
        self.waiters = Waiters()       # long polls (SQS ReceiveMessage) wait here
        self.access_log = None         # the audit's line per call, while started at level info

    def start(self) -> None:
        from nuvem import services
        epoch = self.clock.now().timestamp()
        for interval, target in services.PERIODIC.values():
            self.scheduler.every(interval, lambda target=target: services.resolve(target)(self),
                                 first=interval - epoch % interval + 1, coalesce=True)
        for event_target, handler_target in services.SUBSCRIPTIONS:
            self.dispatcher.subscribe(
                services.resolve(event_target),
                lambda event, target=handler_target: services.resolve(target)(self, event),
                name=handler_target)
        self.scheduler.start()
        self.dispatcher.start()
        if logging.getLogger("nuvem").isEnabledFor(logging.INFO):
            from nuvem.core.access_log import AccessLog
            self.access_log = AccessLog(sys.stderr)

    def stop(self) -> None:
        self.dispatcher.stop()
        self.scheduler.stop()
        if self.access_log is not None:
            self.access_log.close()
        self.usage.flush()
        for name, step in self.at_stop.items():
            try:
                step()
            except Exception:
                log.exception("%s failed at stop", name)
        self.store.close()

    def reset(self) -> None:
        self.usage.clear()
        self.store.reset()
        self.caches.clear()
        self.identities.invalidate()

    def note_use(self, call) -> None:
        """After authentication: remember that an IAM user's key or a role session was used."""
        if call.principal is not None and call.principal.kind in ("user", "assumed-role"):
            from nuvem.services.iam import usage
            usage.note(self.usage, call)

    # -- the narrow view of IAM that authentication and authorization read ----------------------
    def _key_owner(self, access_key: str) -> KeyOwner | None:
        # Keys IAM and STS issue are AKIA/ASIA + 16 characters; any other key (`test`, a 12-digit
        # account id) cannot be theirs: quick starts need neither IAM nor the cache to learn that.
        if len(access_key) != 20 or not access_key.startswith(("AKIA", "ASIA")):
            return None
        return self.identities.get(("key", access_key), lambda: self._find_key_owner(access_key))

    def _find_key_owner(self, access_key: str) -> KeyOwner | None:
        from nuvem.services.iam import lookup
        if access_key.startswith("ASIA"):
            return self._session_owner(access_key)
        with self.store.read() as view:
            found = lookup.access_key_principal(view, access_key)
        if found is None:
            return None
        account, user, secret, status = found
        return KeyOwner(Principal("user", account, user.arn, user.UserId), secret, status == "Active")

    def _session_owner(self, access_key: str) -> KeyOwner | None:
        from nuvem.services.sts import lookup as sts_lookup
        with self.store.read() as view:
            session = sts_lookup.session(view, access_key)
            if session is None:
                return None
            # aws:PrincipalTag of a role session: the role's tags, then the session tags (which
            # win on a key clash: "Tagging AWS STS sessions", session tags override role tags)
            tags = dict(view.tags(session.entity_arn)) \
                if session.kind == "assumed-role" and session.entity_arn else {}
        lowered = {k.lower() for k in session.tags}
        tags = {k: v for k, v in tags.items() if k.lower() not in lowered}
        tags.update(session.tags)
        principal = Principal(session.kind, session.account, session.CallerArn, session.UserId,
                              entity_arn=session.entity_arn, session_key=session.AccessKeyId,
                              tags=tuple(sorted(tags.items())), mfa=session.mfa,
                              issued_at=session.created,
                              mfa_at=session.mfa_at, source_identity=session.source_identity,
                              chained=session.chained)
        return KeyOwner(principal, session.SecretAccessKey, True,
                        session_token=session.SessionToken, expiration=session.Expiration)

    def _identity_policies(self, call):
        principal = call.principal
        return self.identities.get(("policies", principal.arn, principal.session_key),
                                   lambda: self._find_identity_policies(call))

    def _find_identity_policies(self, call):
        """(identity policies, permissions boundary, session policies) of the caller: a user's
        (and its groups'); the role's for an assumed-role session; the user's for a federated
        user. Session policies come from the STS session (a federated user without one has no
        permissions, as AWS documents for GetFederationToken)."""
        from nuvem.services.iam import lookup
        principal = call.principal
        account = principal.account
        name = principal.entity_name
        sessions: list[tuple[str, str]] = []
        with self.store.read() as view:
            if principal.kind == "assumed-role":
                identity = lookup.role_policies(view, account, name)
                boundary = lookup.role_permissions_boundary(view, account, name)
            else:
                identity = lookup.principal_policies(view, account, name)
                boundary = lookup.permissions_boundary(view, account, name)
            if principal.session_key:
                from nuvem.services.sts import lookup as sts_lookup
                session = sts_lookup.session(view, principal.session_key)
                if session is not None:
                    sessions = [(f"session:{i}", doc) for i, doc in enumerate(session.session_policies)]
                    if not sessions and session.no_permissions_without_policy:
                        sessions = [("session:none", NO_PERMISSIONS)]
        return identity, boundary, sessions

    def _trust_policy(self, role_arn: str) -> tuple[str, str] | None:
        return self.identities.get(("trust", role_arn), lambda: self._find_trust_policy(role_arn))

    def _find_trust_policy(self, role_arn: str) -> tuple[str, str] | None:
        """The trust policy of the role `role_arn` names, as (name, document), or None."""
        from nuvem.services.iam import lookup
        parts = role_arn.split(":", 5)
        if len(parts) != 6 or parts[2] != "iam" or not parts[5].startswith("role/"):
            return None
        with self.store.read() as view:
            role = lookup.role(view, parts[4], parts[5].rsplit("/", 1)[-1])
        if role is None or role.arn != role_arn:
            return None
        return f"trust:{role.RoleName}", role.AssumeRolePolicyDocument

    @staticmethod
    def loaded_services() -> set[str]:
        from nuvem import services
        return {name for name, module in services.REGISTRY.items() if module in sys.modules}


def _write_usage(tx, key, use) -> None:
    from nuvem.services.iam import usage
    usage.write(tx, key, use)
