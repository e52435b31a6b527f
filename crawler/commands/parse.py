"""``scrapy parse``, whose callbacks do not return Deferreds.

Scrapy 2.19's parse command wraps the spider's callback in one that returns a Deferred and
gives it the callback's name, so each run warns ``ScrapyDeprecationWarning:
<function NewsSpider.parse_article …> returned a Deferred``, blaming our spider. Here the
wrapper is a coroutine that awaits that Deferred: the same output, no warning.
"""

from __future__ import annotations

import argparse
import functools
from collections.abc import Callable
from typing import Any

from scrapy import Request, Spider
from scrapy.commands.parse import Command as ScrapyParseCommand
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred


def awaiting(callback: Callable[..., Any]) -> Callable[..., Any]:
    """A coroutine callback with the output of ``callback``, which may return a Deferred."""

    @functools.wraps(callback)
    async def wrapper(response: Response, **cb_kwargs: Any) -> Any:
        output = callback(response, **cb_kwargs)
        if isinstance(output, Deferred):
            output = await maybe_deferred_to_future(output)
        return output

    wrapper.awaits = callback  # type: ignore[attr-defined]
    return wrapper


class Command(ScrapyParseCommand):
    def prepare_request(
        self, spider: Spider, request: Request, opts: argparse.Namespace
    ) -> Request:
        request = super().prepare_request(spider, request, opts)
        request.callback = awaiting(request.callback)
        return request

    def scraped_data(self, args: tuple[Any, ...]) -> list[Any]:
        """Scrapy's, with the requests of the next depth level given the coroutine too."""
        requests: list[Request] = args[1]
        callback = args[5]
        scraped = super().scraped_data(args)
        for request in requests:
            if request.callback is callback:
                request.callback = awaiting(callback)
        return scraped
