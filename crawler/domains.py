"""Whether a host belongs to a site's domains."""

from __future__ import annotations

from collections.abc import Iterable


def host_in_domains(host: str, domains: Iterable[str]) -> bool:
    """Whether ``host`` (no port) is one of ``domains`` or a subdomain of one."""
    host = host.lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in (d.lower() for d in domains))
