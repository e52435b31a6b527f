"""Spider contracts (``scrapy check``) whose sample pages come from the replica site.

``@replica PATH`` makes the sample request of a callback PATH on the replica: the one at
``CONTRACTS_REPLICA_URL`` when it is set (``scrapy check -s
CONTRACTS_REPLICA_URL=http://127.0.0.1:8080``), else one this process starts on a free
127.0.0.1 port the first time a contract needs it. ``scrapy check`` hence runs offline and
no port is written anywhere.
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Callable
from typing import Any

from scrapy.contracts import Contract

from crawler.replica import ReplicaServer, ReplicaSite

CONTRACTS_REPLICA_ARTICLES = 30
CONTRACTS_REPLICA_SEED = 1

_server: ReplicaServer | None = None
_server_lock = threading.Lock()


def contracts_replica() -> str:
    """The base URL of this process's contract replica, started on first use."""
    global _server
    with _server_lock:
        if _server is None:
            site = ReplicaSite(articles=CONTRACTS_REPLICA_ARTICLES, seed=CONTRACTS_REPLICA_SEED)
            _server = ReplicaServer(site).start_in_thread()
            atexit.register(_server.stop)
        return _server.base_url


class ReplicaContract(Contract):
    """``@replica PATH``: the sample request is PATH on the replica site (see the module)."""

    name = "replica"

    def __init__(self, method: Callable[..., Any], *args: Any) -> None:
        super().__init__(method, *args)
        self.spider = method.__self__  # type: ignore[attr-defined]
        if len(args) != 1 or not str(args[0]).startswith("/"):
            raise ValueError(f"@replica takes one path starting with '/', not {args!r}")

    def adjust_request_args(self, args: dict[str, Any]) -> dict[str, Any]:
        base = self.spider.settings.get("CONTRACTS_REPLICA_URL") or contracts_replica()
        args["url"] = base.rstrip("/") + self.args[0]
        return args
