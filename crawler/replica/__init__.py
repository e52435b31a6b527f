"""Offline replica of the 中国金融网 sites, generated deterministically and served on 127.0.0.1."""

from crawler.replica.server import ReplicaServer
from crawler.replica.site import ReplicaSite

__all__ = ["ReplicaServer", "ReplicaSite"]
