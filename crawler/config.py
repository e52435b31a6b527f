"""What a user may give a crawl: the project's settings and each spider's arguments, declared
with their types and allowed values, checked before the first request.

A bad value raises :class:`ConfigError` (a Scrapy ``UsageError``) whose message is the one
line the user sees, e.g. ``-a articles='abc': a whole number from 10 to 100000``;
``scrapy crawl`` prints it and exits 2 (``crawler/commands/crawl.py``).

Spider arguments are a frozen dataclass per spider whose fields are declared with
:func:`argument` (the spirit of zyte-spider-templates' typed params)::

    @dataclass(frozen=True)
    class ReplicaArguments:
        articles: int = argument(Integer(10, 100_000), 1000)

Settings are :data:`SETTINGS`; README's "Settings that matter" table lists the same names.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

from scrapy.exceptions import UsageError
from scrapy.settings import BaseSettings
from scrapy.utils.misc import load_object

T = TypeVar("T")

SCHEDULER_ARGUMENTS = frozenset({"_job", "_version"})
"""Spider arguments that tools pass to every spider and that no spider declares: Scrapyd
passes ``-a _job=<job id>`` (and ``_version`` when one was scheduled). ``scrapy crawl``,
``scrapy parse``, ``scrapy check`` pass only the ``-a`` arguments, ``scrapy shell`` none.
They become spider attributes, as Scrapy does with every argument."""


class ConfigError(UsageError):
    """A spider argument or setting with a value outside what is allowed; its message is one
    line naming it, the value and what is allowed."""

    def __init__(self, message: str) -> None:
        super().__init__(message, print_help=False)


class ValueType(Protocol[T]):
    """A type of value: ``parse`` turns a given value (text from the command line, or a
    Python value from ``settings.py``) into the typed one or raises ``ValueError``."""

    @property
    def allowed(self) -> str:
        """What is allowed, as the end of the error line."""
        ...

    def parse(self, value: Any) -> T: ...


@dataclass(frozen=True)
class Integer:
    minimum: int | None = None
    maximum: int | None = None

    @property
    def allowed(self) -> str:
        if self.minimum is not None and self.maximum is not None:
            return f"a whole number from {self.minimum} to {self.maximum}"
        if self.minimum is not None:
            return f"a whole number, {self.minimum} or more"
        return "a whole number"

    def parse(self, value: Any) -> int:
        if isinstance(value, (bool, float)):
            raise ValueError(value)
        number = int(value)
        if self.minimum is not None and number < self.minimum:
            raise ValueError(value)
        if self.maximum is not None and number > self.maximum:
            raise ValueError(value)
        return number


@dataclass(frozen=True)
class Float:
    minimum: float
    maximum: float
    minimum_excluded: bool = False

    @property
    def allowed(self) -> str:
        if math.isinf(self.maximum):
            return f"a number, {self.minimum:g} or more"
        low = "more than" if self.minimum_excluded else "from"
        high = "and at most" if self.minimum_excluded else "to"
        return f"a number {low} {self.minimum:g} {high} {self.maximum:g}"

    def parse(self, value: Any) -> float:
        if isinstance(value, bool):
            raise ValueError(value)
        number = float(value)
        if math.isnan(number) or number > self.maximum or number < self.minimum:
            raise ValueError(value)
        if self.minimum_excluded and number == self.minimum:
            raise ValueError(value)
        return number


@dataclass(frozen=True)
class Choice:
    choices: tuple[str, ...]

    @property
    def allowed(self) -> str:
        return " or ".join(self.choices)

    def parse(self, value: Any) -> str:
        if value not in self.choices:
            raise ValueError(value)
        return value


@dataclass(frozen=True)
class Boolean:
    """What Scrapy's ``getbool`` accepts."""

    @property
    def allowed(self) -> str:
        return "True or False (or 1, 0, true, false)"

    def parse(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        if value in (0, 1, "0", "1"):
            return bool(int(value))
        if value in ("True", "true"):
            return True
        if value in ("False", "false"):
            return False
        raise ValueError(value)


@dataclass(frozen=True)
class Text:
    @property
    def allowed(self) -> str:
        return "text"

    def parse(self, value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(value)
        return value


@dataclass(frozen=True)
class ImportPath:
    """The dotted path of a class."""

    @property
    def allowed(self) -> str:
        return "the dotted path of an importable class, e.g. crawler.state.sqlite.SqliteCrawlState"

    def parse(self, value: Any) -> Any:
        if isinstance(value, str):
            try:
                load_object(value)
            except (ImportError, NameError, ValueError) as error:
                raise ValueError(value) from error
        return value


@dataclass(frozen=True)
class RedisUrl:
    """A Redis server URL, or empty for none."""

    @property
    def allowed(self) -> str:
        return "a redis://, rediss:// or unix:// URL, e.g. redis://127.0.0.1:6379/0"

    def parse(self, value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(value)
        if value and urlsplit(value).scheme not in ("redis", "rediss", "unix"):
            raise ValueError(value)
        return value


def is_http_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


@dataclass(frozen=True)
class HttpUrls:
    """Comma-separated http(s) URLs, at least one (``single``: exactly one, or, with
    ``optional``, none)."""

    single: bool = False
    optional: bool = False

    @property
    def allowed(self) -> str:
        if self.single:
            return "an http(s) URL" + (" or nothing" if self.optional else "")
        return "one or more comma-separated http(s) URLs"

    def parse(self, value: Any) -> tuple[str, ...] | str:
        urls = tuple(part.strip() for part in str(value).split(",") if part.strip())
        if self.single:
            if len(urls) > 1 or (not urls and not self.optional):
                raise ValueError(value)
            if urls and not is_http_url(urls[0]):
                raise ValueError(value)
            return urls[0] if urls else ""
        if not urls or not all(is_http_url(url) for url in urls):
            raise ValueError(value)
        return urls


REQUIRED: Any = dataclasses.MISSING


def argument(kind: ValueType[Any], default: Any = REQUIRED) -> Any:
    """A field of a spider's arguments dataclass: its type and its default (none: required)."""
    return dataclasses.field(default=default, metadata={"kind": kind})


@dataclass(frozen=True)
class NoArguments:
    """The arguments of a spider that takes none."""


def parse_arguments(spider: str, declaration: type[T], given: Mapping[str, Any]) -> T:
    """``declaration`` (a dataclass of :func:`argument` fields) filled from the ``-a``
    arguments ``given``; :data:`SCHEDULER_ARGUMENTS` are left out. Raises :class:`ConfigError`
    for an unknown, missing or bad argument."""
    fields = {field.name: field for field in dataclasses.fields(declaration)}  # type: ignore[arg-type]
    for name, value in given.items():
        if name not in fields and name not in SCHEDULER_ARGUMENTS:
            known = ", ".join(fields) if fields else "none"
            raise ConfigError(
                f"-a {name}={value!r}: spider {spider!r} has no such argument"
                f" (its arguments: {known})"
            )
    values = {}
    for name, field in fields.items():
        kind: ValueType[Any] = field.metadata["kind"]
        if name not in given:
            if field.default is REQUIRED:
                raise ConfigError(f"-a {name} is required by spider {spider!r}: {kind.allowed}")
            continue
        values[name] = checked(f"-a {name}", given[name], kind)
    return declaration(**values)


def checked(label: str, value: Any, kind: ValueType[T]) -> T:
    try:
        return kind.parse(value)
    except (ValueError, TypeError):
        raise ConfigError(f"{label}={value!r}: {kind.allowed}") from None


@dataclass(frozen=True)
class Setting:
    name: str
    kind: ValueType[Any]


SETTINGS: tuple[Setting, ...] = (
    Setting("RELATED_DEPTH_LIMIT", Integer(minimum=0)),
    Setting("EXTRACTION_DRIFT_THRESHOLD", Float(0.0, 1.0)),
    Setting("EXTRACTION_DRIFT_MIN_PAGES", Integer(minimum=1)),
    Setting("DEDUP_URL", Boolean()),
    Setting("DEDUP_EXACT", Boolean()),
    Setting("DEDUP_NEAR", Boolean()),
    Setting("DEDUP_NEAR_THRESHOLD", Float(0.0, 1.0, minimum_excluded=True)),
    Setting("DEDUP_POLICY", Choice(("drop", "mark"))),
    Setting("DEDUP_WINDOW_DAYS", Integer(minimum=0)),
    Setting("CRAWL_STATE_CLASS", ImportPath()),
    Setting("CRAWL_STATE_URI", Text()),
    Setting("REDIS_URL", RedisUrl()),
    Setting("CRAWL_NAMESPACE", Text()),
    Setting("REDIS_LEASE_SECONDS", Float(0.0, math.inf, minimum_excluded=True)),
    Setting("REDIS_IDLE_CLOSE_SECONDS", Float(0.0, math.inf)),
    Setting("CRAWL_MODE", Choice(("incremental", "full"))),
    Setting("INCREMENTAL_ENABLED", Boolean()),
    Setting("FEED_BATCH_ITEMS", Integer(minimum=1)),
    Setting("RECHECK_DAYS", Integer(minimum=0)),
    Setting("CRAWLER_CONTACT", Text()),
    Setting("ROBOTSTXT_OBEY", Boolean()),
    Setting("AUTOTHROTTLE_ENABLED", Boolean()),
    Setting("DOWNLOAD_DELAY", Float(0.0, math.inf)),
    Setting("CONCURRENT_REQUESTS_PER_DOMAIN", Integer(minimum=1)),
    Setting("DEFAULT_FEED_URI", Text()),
    Setting("DOWNLOAD_TIMEOUT", Float(0.0, math.inf, minimum_excluded=True)),
    Setting("DOWNLOAD_WARNSIZE", Integer(minimum=0)),
    Setting("DOWNLOAD_MAXSIZE", Integer(minimum=0)),
    Setting("RETRY_TIMES", Integer(minimum=0)),
    Setting("RETRY_BACKOFF_BASE", Float(0.0, math.inf)),
    Setting("RETRY_BACKOFF_MAX", Float(0.0, math.inf)),
    Setting("RETRY_AFTER_MAX", Float(0.0, math.inf)),
    Setting("LIST_PAGES_MAX", Integer(minimum=0)),
    Setting("HOST_REQUESTS_MAX", Integer(minimum=0)),
    Setting("SPIDERMON_ENABLED", Boolean()),
    Setting("MONITOR_FAIL_EXIT_CODE", Boolean()),
    Setting("MONITOR_HISTORY_RUNS", Integer(minimum=1)),
    Setting("MONITOR_ITEM_COUNT_WARN_RATIO", Float(0.0, 1.0)),
    Setting("MONITOR_FIELD_COVERAGE_MIN", Float(0.0, 1.0)),
    Setting("MONITOR_COVERAGE_TOLERANCE", Float(0.0, 1.0)),
    Setting("MONITOR_DROPPED_SHARE_MAX", Float(0.0, 1.0)),
    Setting("MONITOR_HTTP_ERROR_RATE_MAX", Float(0.0, 1.0)),
    Setting("MONITOR_RETRY_RATE_MAX", Float(0.0, 1.0)),
    Setting("MONITOR_REFUSED_SHARE_MAX", Float(0.0, 1.0)),
)
"""The settings a crawl checks before it starts, in README's order."""

SETTINGS_BY_NAME = {setting.name: setting for setting in SETTINGS}

FEED_URI_PARAMETERS = ("name", "run_id", "time", "batch_time", "batch_id")
"""What a feed URI (``-o``, ``-O``, ``FEEDS``, ``DEFAULT_FEED_URI``) may be filled with; never
a spider argument, whose value (a URL, ``../``) must not become part of a path."""
_URI_PARAMETER = re.compile(r"%\((\w+)\)")


def setting(settings: BaseSettings, name: str) -> Any:
    """The value of the declared setting ``name``, typed; :class:`ConfigError` if bad."""
    value = settings.get(name)
    if value is None:
        return None
    return checked(f"-s {name}", value, SETTINGS_BY_NAME[name].kind)


def check_settings(settings: BaseSettings) -> None:
    """Raises :class:`ConfigError` for the first declared setting whose value is bad, or for
    a feed URI with a parameter feed URIs do not have."""
    for declared in SETTINGS:
        setting(settings, declared.name)
    feeds = {uri: options or {} for uri, options in settings.getdict("FEEDS").items()}
    if default_feed := settings.get("DEFAULT_FEED_URI"):
        feeds.setdefault(default_feed, {})
    for uri, options in feeds.items():
        if options.get("uri_params"):
            continue
        unknown = sorted(set(_URI_PARAMETER.findall(str(uri))) - set(FEED_URI_PARAMETERS))
        if unknown:
            raise ConfigError(
                f"feed URI {str(uri)!r}: %({unknown[0]})… is not a feed URI parameter"
                f" (they are {', '.join(FEED_URI_PARAMETERS)})"
            )
