"""What a site profile is: one publisher's crawl navigation and article selectors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import urlsplit

from scrapy.utils.url import url_is_from_any_domain

from crawler.extraction.bylines import find_source, looks_like_byline
from crawler.extraction.content import body_paragraphs
from crawler.extraction.dates import find_datetime
from crawler.extraction.page import Page, element_text
from crawler.extraction.related import related_entries
from crawler.text import collapse_whitespace


@dataclass(frozen=True)
class ListLinks:
    """The links of a list page that a crawl follows, absolute, each once, in page order."""

    articles: list[str]
    next_page: str | None
    lists: list[str]
    """On a start page: the first pages of the site's lists (channels)."""


class SiteProfile:
    """A publisher's selectors; each field is None or empty when its selector finds nothing."""

    name: ClassVar[str]
    domains: ClassVar[tuple[str, ...]]
    start_urls: ClassVar[tuple[str, ...]]
    list_link_css: ClassVar[str]
    """On a start page: links to the first page of each of the site's lists (channels)."""
    article_link_css: ClassVar[str]
    next_page_xpath: ClassVar[str] = '//a[normalize-space()="下一页"]/@href'
    """On a list page: the link to the list's next page."""
    concurrency: ClassVar[int] = 2
    """Requests in flight at once to the site (``CONCURRENT_REQUESTS_PER_DOMAIN``)."""
    download_delay: ClassVar[float] = 1.0
    """Seconds between requests to the site (``DOWNLOAD_DELAY``; AutoThrottle adapts it)."""

    title_css: ClassVar[tuple[str, ...]]
    info_css: ClassVar[str]
    """Elements whose text holds the source (``来源:``/``摘自：``) and the publication time."""
    byline_css: ClassVar[str]
    """The first element it selects holds the byline, when that text looks like one."""
    paragraph_css: ClassVar[str]
    related_item_css: ClassVar[str]

    @classmethod
    def crawl_settings(cls) -> dict[str, int | float]:
        """The politeness settings of the site's spider (``-s`` overrides them)."""
        return {
            "CONCURRENT_REQUESTS_PER_DOMAIN": cls.concurrency,
            "DOWNLOAD_DELAY": cls.download_delay,
        }

    def handles(self, url: str) -> bool:
        """Whether the URL's host is one of the site's domains or a subdomain of one."""
        # url_is_from_any_domain compares the netloc, port and user included: pass the host.
        return url_is_from_any_domain(f"//{urlsplit(url).hostname or ''}", self.domains)

    def list_links(self, page: Page) -> ListLinks:
        """The article links, the next-page link and the channel links of a list page."""

        def hrefs(css: str) -> list[str]:
            found = [element.get("href", "") for element in page.select(css)]
            return list(dict.fromkeys(page.absolute(href) for href in found if href.strip()))

        next_page = page.selector.xpath(self.next_page_xpath).get()
        return ListLinks(
            articles=hrefs(self.article_link_css),
            next_page=page.absolute(next_page) if next_page and next_page.strip() else None,
            lists=hrefs(self.list_link_css),
        )

    def extract(self, page: Page) -> dict[str, Any]:
        """The article fields this profile's selectors find on ``page``."""
        info_lines = self.info_lines(page)
        return {
            "title": self.title(page),
            "source": next(filter(None, map(find_source, info_lines)), None),
            "byline": self.byline(page),
            "published_at": next(filter(None, map(find_datetime, info_lines)), None),
            "content": self.content(page),
            "related": self.related(page),
        }

    def title(self, page: Page) -> str | None:
        for css in self.title_css:
            for element in page.select(css):
                title = collapse_whitespace(element_text(element))
                if title:
                    return title
        return None

    def info_lines(self, page: Page) -> list[str]:
        """The texts of the elements holding the source and the publication time."""
        return [collapse_whitespace(element_text(e)) for e in page.select(self.info_css)]

    def byline(self, page: Page) -> str | None:
        for element in page.select(self.byline_css):
            line = collapse_whitespace(element_text(element))
            if line:
                return line if looks_like_byline(line) else None
        return None

    def content(self, page: Page) -> str:
        texts = (element_text(element) for element in page.select(self.paragraph_css))
        return "\n".join(body_paragraphs(texts))

    def related(self, page: Page) -> list[dict[str, str | None]]:
        return related_entries(page.select(self.related_item_css), page)
