"""robots.txt for every request, including those that arrive while it is being fetched.

Scrapy 2.19's ``RobotsTxtMiddleware`` lets every request that waits for a site's robots.txt
await one shared Deferred; the first waiter's callback consumes the parser, so the others
receive None and are let through unchecked. A crawl that starts with many requests at once
(a resumed frontier) fetched robots-disallowed pages that way.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.robotstxt import RobotParser
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Gives every request that waits for a site's robots.txt the parser, not only the first."""

    async def robot_parser(self, request: Request) -> RobotParser | None:
        pending = self._parsers.get(urlparse_cached(request).netloc)
        if not isinstance(pending, Deferred):
            return await super().robot_parser(request)
        waiter: Deferred[RobotParser | None] = Deferred()

        def hand_over(parser: RobotParser | None) -> RobotParser | None:
            waiter.callback(parser)
            return parser

        pending.addCallback(hand_over)
        return await maybe_deferred_to_future(waiter)
