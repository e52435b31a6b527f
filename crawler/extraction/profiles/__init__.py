"""Site profiles by name, and the profile for a URL."""

from __future__ import annotations

from crawler.extraction.profiles.base import SiteProfile
from crawler.extraction.profiles.cnfinance import CnfinanceProfile
from crawler.extraction.profiles.financeun import FinanceunProfile

PROFILES: dict[str, SiteProfile] = {
    profile.name: profile for profile in (FinanceunProfile(), CnfinanceProfile())
}


def get_profile(name: str) -> SiteProfile:
    """The profile called ``name``; KeyError names the known ones when there is none."""
    try:
        return PROFILES[name]
    except KeyError:
        raise KeyError(f"no site profile {name!r}; known: {', '.join(PROFILES)}") from None


def profile_for_url(url: str) -> SiteProfile | None:
    """The profile whose domains include the URL's host, if any."""
    return next((profile for profile in PROFILES.values() if profile.handles(url)), None)


__all__ = ["PROFILES", "SiteProfile", "get_profile", "profile_for_url"]
