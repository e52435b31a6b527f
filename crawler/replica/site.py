"""Deterministic model of the replica site: articles, sections, list pages and link graph.

Every article's attributes depend only on the site seed and the article's index, so a site
of N articles is a prefix of a site of N + k articles: growing a site adds newer articles
and leaves the older ones as they were.

The lists are the financeun channels (``/articleList/<channel>_<page>.shtml``) and the
cnfinance list (``/cn/articles/?template=sample_397.html&page=<page>``), named by
``LIST_NAMES``. Each lists its articles newest first, ``LIST_PAGE_SIZE`` a page. As on the
live sites, the first page of every list also shows 2-3 pinned (置顶) articles above the
newest ones: old articles of that list, chosen from the seed and the list only, so they stay
the same whatever is published later. They are extra (the pages' regular items are as without
them) and are listed again, in date order, on their own later page.

Where new articles go: each new article is cnfinance with chance 0.25, else financeun; 5%
are VIP (financeun: the ``vip`` channel; cnfinance: its one list) and 12% hidden (linked
only from a newer article's 相关资讯, on no list); the other financeun ones spread evenly over
the six remaining channels. The ``vip`` channel, about 3.75% of new articles, fills slowest:
``burst_size`` gives how many new articles make every list gain more than some pages.
"""

from __future__ import annotations

import json
import random
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property, lru_cache
from importlib import resources

from crawler.replica import seed_article, stories
from crawler.replica.model import ArticleText

MIN_ARTICLES = 10
MAX_ARTICLES = 100_000
ARTICLE_ID_OFFSET = 40_000
LIST_PAGE_SIZE = 20
FIRST_PUBLISHED = datetime(2021, 9, 1, 7, 0)
MINUTES_BETWEEN_ARTICLES = 19
BEIJING_OFFSET = "+08:00"

FINANCEUN = "financeun"
CNFINANCE = "cnfinance"
CNFINANCE_PREFIX = "/cn"
CNFINANCE_LIST_TEMPLATE = "sample_397.html"
VIP_CHANNEL = "vip"

CHANNELS: dict[str, str] = {
    "yaowen": "要闻",
    "jinrong": "金融",
    "yinhang": "银行",
    "zhengquan": "证券",
    "baoxian": "保险",
    "keji": "科技",
    VIP_CHANNEL: "会员专享",
}

HOSTILE_LISTS: dict[str, str] = {"zhuanti": "专题", "rili": "日历"}
"""The lists a hostile site adds to the financeun navigation, by slug."""

GBK_DECLARED = "gb2312"
REVISION_NOTE = "记者最新了解到，上述工作已于日前全面完成，相关成效正在持续显现。"

LISTED = "listed"
HIDDEN = "hidden"
VIP = "vip"

_HIDDEN_SHARE = 0.12
_VIP_SHARE = 0.05
_CNFINANCE_SHARE = 0.25
_HIDDEN_PARENT_WINDOW = 40
_HIDDEN_PARENT_PREFERS_HIDDEN = 0.4
_RELATED_WINDOW = 60

PINNED_MIN, PINNED_MAX = 2, 3
_PINNED_CHANCE = 0.6
_PINNED_PURPOSE = 6

LIST_NAMES: tuple[str, ...] = (*CHANNELS, CNFINANCE)
"""Every list of the site: the financeun channels by slug, then the cnfinance list."""


@lru_cache(maxsize=1)
def corpus() -> dict[str, list[str]]:
    """The bundled text corpus the article pages are written from."""
    text = resources.files("crawler.replica").joinpath("corpus.json").read_text("utf-8")
    return json.loads(text)


def beijing_iso(moment: datetime) -> str:
    """ISO 8601 text of a naive Beijing time, with its +08:00 offset."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + BEIJING_OFFSET


def cn_minute(moment: datetime) -> str:
    """The sites' own time format: ``2025年02月06日 06时41分``."""
    return moment.strftime("%Y年%m月%d日 %H时%M分")


@dataclass
class Article:
    """One article of the replica, with everything a page of it shows."""

    index: int
    section: str
    channel: str
    kind: str
    drawn_kind: str
    title: str
    published: datetime
    related: list[int] = field(default_factory=list)
    parent: int | None = None
    level: int = 0
    story_kind: str = stories.ORIGINAL
    source_index: int | None = None
    boilerplate: int | None = None
    variants: tuple[str, ...] = ()

    @property
    def article_id(self) -> int:
        return ARTICLE_ID_OFFSET + self.index

    @property
    def path(self) -> str:
        if self.section == FINANCEUN:
            vip = "/vip" if self.kind == VIP else ""
            return f"{vip}/newsDetail/{self.article_id}.shtml"
        vip = "/vip" if self.kind == VIP else ""
        stamp = self.published
        return f"{CNFINANCE_PREFIX}{vip}/articles/{stamp:%Y-%m}/{stamp:%d}-{self.article_id}.html"

    def variant_path(self, variant: str) -> str:
        """Where the page is also served: with tracking parameters, a mobile or print path."""
        if variant == stories.TRACKING:
            return f"{self.path}?{stories.TRACKING_QUERY}"
        return f"/{'m' if variant == stories.MOBILE else 'print'}{self.path}"

    @property
    def alias_paths(self) -> list[str]:
        return [self.variant_path(variant) for variant in self.variants]


class ReplicaSite:
    """A replica of the 中国金融网 sites: ``articles`` articles generated from ``seed``;
    ``hostile``: also the hostile routes of ``crawler.replica.hostile``, linked from the
    financeun navigation."""

    def __init__(
        self,
        articles: int = 1000,
        seed: int = 1,
        drifted_share: float = 0.0,
        hostile: bool = False,
    ) -> None:
        if not MIN_ARTICLES <= articles <= MAX_ARTICLES:
            raise ValueError(f"articles must be {MIN_ARTICLES}..{MAX_ARTICLES}, got {articles}")
        if not 0.0 <= drifted_share <= 1.0:
            raise ValueError(f"drifted_share must be 0..1, got {drifted_share}")
        self.size = articles
        self.seed = seed
        self.drifted_share = drifted_share
        self.hostile = hostile
        self.revised: set[int] = set()
        self.articles: list[Article] = []
        for index in range(articles):
            self.articles.append(self._make_article(index))
        self._link_hidden_articles()
        for article in self.articles:
            self._pick_related(article)
        self.by_path: dict[str, Article] = {a.path: a for a in self.articles}
        self.by_variant_path: dict[str, Article] = {
            a.variant_path(v): a for a in self.articles for v in a.variants if v != stories.TRACKING
        }

    # -- generation -----------------------------------------------------------------------

    def _rng(self, index: int, purpose: int) -> random.Random:
        return _random(self.seed, index, purpose)

    def _make_article(self, index: int) -> Article:
        special = seed_article.SPECIAL_ARTICLES.get(index)
        if special is not None:
            return Article(
                index=index,
                section=FINANCEUN,
                channel="yaowen",
                kind=LISTED,
                drawn_kind=LISTED,
                title=special.title,
                published=special.published,
            )
        rng = self._rng(index, 0)
        section, kind, channel = _draw_placement(rng)
        published = FIRST_PUBLISHED + timedelta(
            minutes=index * MINUTES_BETWEEN_ARTICLES + rng.randrange(15)
        )
        article = Article(
            index=index,
            section=section,
            channel=channel,
            kind=kind,
            drawn_kind=kind,
            title=fill_template(rng.choice(corpus()["title_templates"]), rng),
            published=published,
        )
        self._draw_story(article)
        return article

    def _draw_story(self, article: Article) -> None:
        """Make the article a repost, follow-up, market report or boilerplate sharer, or not."""
        rng = self._rng(article.index, 5)
        if article.section == CNFINANCE and rng.random() < stories.REPOST_SHARE_OF_CNFINANCE:
            article.source_index = self._story_source(article, FINANCEUN, rng)
            if article.source_index is not None:
                article.story_kind = stories.REPOST
                return
        roll = rng.random()
        if roll < stories.FOLLOW_UP_SHARE:
            article.source_index = self._story_source(article, article.section, rng)
            if article.source_index is not None:
                article.story_kind = stories.FOLLOW_UP
        elif roll < stories.FOLLOW_UP_SHARE + stories.MARKET_REPORT_SHARE:
            article.story_kind = stories.MARKET_REPORT
            article.title = stories.market_report_title(article.published)
        elif roll < stories.FOLLOW_UP_SHARE + stories.MARKET_REPORT_SHARE + (
            stories.BOILERPLATE_SHARE
        ):
            article.story_kind = stories.BOILERPLATE
            article.boilerplate = rng.randrange(len(stories.BOILERPLATES))
        servable_elsewhere = article.section == FINANCEUN and article.kind != VIP
        if (
            servable_elsewhere
            and article.story_kind == stories.ORIGINAL
            and (rng.random() < stories.VARIANT_SHARE)
        ):
            count = rng.randint(1, len(stories.VARIANT_KINDS))
            article.variants = tuple(sorted(rng.sample(stories.VARIANT_KINDS, count)))

    def _story_source(self, article: Article, section: str, rng: random.Random) -> int | None:
        """An older original article of ``section`` for a repost or follow-up to build on."""
        window = self.articles[max(0, article.index - stories.SOURCE_WINDOW) : article.index]
        candidates = [
            a.index
            for a in window
            if a.section == section
            and a.drawn_kind != VIP
            and a.story_kind == stories.ORIGINAL
            and a.index not in seed_article.SPECIAL_ARTICLES
        ]
        return rng.choice(candidates) if candidates else None

    def _link_hidden_articles(self) -> None:
        """Give each hidden article a newer parent that links it; orphans become listed."""
        for article in reversed(self.articles):
            if article.kind != HIDDEN:
                continue
            window = self.articles[article.index + 1 : article.index + 1 + _HIDDEN_PARENT_WINDOW]
            candidates = [a for a in window if a.section == article.section and a.kind != VIP]
            if not candidates:
                article.kind = LISTED
                continue
            rng = self._rng(article.index, 1)
            hidden = [a for a in candidates if a.kind == HIDDEN]
            listed = [a for a in candidates if a.kind == LISTED]
            pool = hidden if hidden and rng.random() < _HIDDEN_PARENT_PREFERS_HIDDEN else listed
            parent = rng.choice(pool or candidates)
            article.parent = parent.index
            article.level = parent.level + 1

    def _pick_related(self, article: Article) -> None:
        special = seed_article.SPECIAL_ARTICLES.get(article.index)
        if special is not None:
            article.related = list(special.related)
            return
        rng = self._rng(article.index, 2)
        children = self._children.get(article.index, [])
        wanted = max(rng.randint(3, 8), len(children))
        candidates = self._related_candidates(article)
        picks = rng.sample(candidates, min(wanted - len(children), len(candidates)))
        related = children + picks
        rng.shuffle(related)
        article.related = related

    @cached_property
    def _children(self) -> dict[int, list[int]]:
        children: dict[int, list[int]] = {}
        for article in self.articles:
            if article.parent is not None:
                children.setdefault(article.parent, []).append(article.index)
        return children

    @cached_property
    def _linkable(self) -> dict[str, list[int]]:
        """Per section, the indices of articles that did not draw hidden, ascending."""
        linkable: dict[str, list[int]] = {FINANCEUN: [], CNFINANCE: []}
        for article in self.articles:
            if article.drawn_kind != HIDDEN:
                linkable[article.section].append(article.index)
        return linkable

    def _related_candidates(self, article: Article) -> list[int]:
        """Older articles of the same section that did not draw hidden (newer ones if too few)."""
        linkable = self._linkable[article.section]
        position = bisect_left(linkable, article.index)
        found = linkable[max(0, position - _RELATED_WINDOW) : position][::-1]
        if len(found) < 3:
            newer = [
                index
                for index in linkable[position : position + _RELATED_WINDOW]
                if index != article.index and index not in seed_article.SPECIAL_ARTICLES
            ]
            found.extend(newer[: 3 - len(found)])
        return found

    def is_drifted(self, article: Article) -> bool:
        """Whether the article's page uses the site's newer layout that its profile misses."""
        return article.section == FINANCEUN and self._rng(article.index, 4).random() < (
            self.drifted_share
        )

    @staticmethod
    def charset_of(article: Article) -> str:
        """The charset the article's page is served in: one in ten is GBK, declared gb2312."""
        return GBK_DECLARED if article.index % 10 == 7 else "utf-8"

    def text_of(self, article: Article) -> ArticleText:
        """The article's source, byline, authors and paragraphs (generated on demand)."""
        special = seed_article.SPECIAL_ARTICLES.get(article.index)
        if special is not None and special.text is not None:
            return special.text
        rng = self._rng(article.index, 3)
        words = corpus()
        source = "中国金融网" if rng.random() < 0.7 else rng.choice(words["sources"])
        byline, authors = draw_byline(article.section, rng)
        paragraphs = self._paragraphs(article, rng)
        if article.index in self.revised:
            paragraphs = [*paragraphs, REVISION_NOTE]
        return ArticleText(
            source=source,
            byline=byline,
            authors=authors,
            paragraphs=paragraphs,
            editor=rng.choice(words["editors"]),
        )

    def _paragraphs(self, article: Article, rng: random.Random) -> list[str]:
        if article.story_kind == stories.MARKET_REPORT:
            return stories.market_report_paragraphs(article.published, rng)
        if article.story_kind in (stories.REPOST, stories.FOLLOW_UP):
            assert article.source_index is not None
            original = self.text_of(self.articles[article.source_index]).paragraphs
            if article.story_kind == stories.REPOST:
                return stories.edit_sentences(original, rng)
            quoted = stories.quoted_third(original)
            return quoted + generated_paragraphs(rng, 2 * len(quoted))
        paragraphs = generated_paragraphs(rng, rng.randint(4, 9))
        if article.boilerplate is not None:
            paragraphs.append(stories.BOILERPLATES[article.boilerplate])
        return paragraphs

    def story_of(self, article: Article) -> int:
        """The story an article tells: a repost tells its original's."""
        if article.story_kind == stories.REPOST and article.source_index is not None:
            return article.source_index
        return article.index

    def near_duplicate_labels(self) -> list[tuple[str, str, bool]]:
        """(path, path, same story?) for every repost pair and every look-alike near miss."""
        labels = []
        last_report: Article | None = None
        last_by_boilerplate: dict[int, Article] = {}
        for article in self.articles:
            if article.story_kind in (stories.REPOST, stories.FOLLOW_UP):
                source = self.articles[article.source_index]
                labels.append((source.path, article.path, article.story_kind == stories.REPOST))
            elif article.story_kind == stories.MARKET_REPORT:
                if last_report is not None:
                    labels.append((last_report.path, article.path, False))
                last_report = article
            elif article.boilerplate is not None:
                earlier = last_by_boilerplate.get(article.boilerplate)
                if earlier is not None:
                    labels.append((earlier.path, article.path, False))
                last_by_boilerplate[article.boilerplate] = article
        return labels

    # -- navigation -----------------------------------------------------------------------

    @cached_property
    def financeun_channels(self) -> dict[str, list[Article]]:
        """Each financeun channel's listed articles, newest first."""
        channels: dict[str, list[Article]] = {slug: [] for slug in CHANNELS}
        for article in self.articles:
            if article.section == FINANCEUN and article.kind != HIDDEN:
                channels[article.channel].append(article)
        for listed in channels.values():
            listed.sort(key=lambda a: (a.published, a.index), reverse=True)
        return channels

    @cached_property
    def cnfinance_listed(self) -> list[Article]:
        """The cnfinance section's listed articles, newest first."""
        listed = [a for a in self.articles if a.section == CNFINANCE and a.kind != HIDDEN]
        listed.sort(key=lambda a: (a.published, a.index), reverse=True)
        return listed

    @property
    def financeun_home_articles(self) -> list[Article]:
        return self.financeun_channels["yaowen"][:10]

    @property
    def cnfinance_home_articles(self) -> list[Article]:
        return self.cnfinance_listed[:8]

    def financeun_list_path(self, channel: str, page: int) -> str:
        return f"/articleList/{channel}_{page}.shtml"

    def cnfinance_list_path(self, page: int) -> str:
        return f"{CNFINANCE_PREFIX}/articles/?template={CNFINANCE_LIST_TEMPLATE}&page={page}"

    def list_path(self, name: str, page: int) -> str:
        """Path of page ``page`` of the list ``name`` (a channel slug or ``CNFINANCE``)."""
        if name == CNFINANCE:
            return self.cnfinance_list_path(page)
        return self.financeun_list_path(name, page)

    def listed_in(self, name: str) -> list[Article]:
        """The regular items of the list ``name``, newest first (pinned ones in their place)."""
        return self.cnfinance_listed if name == CNFINANCE else self.financeun_channels[name]

    @cached_property
    def pinned(self) -> dict[str, list[Article]]:
        """Per list, the 2-3 articles pinned (置顶) above the newest on its first page.

        Walking the list's candidates oldest first (its articles that did not draw hidden, so
        that growth never hides them, the seed article and its related ones left out), one
        random draw per candidate from a stream of (seed, list) picks it with chance 0.6, until
        the list's drawn number (2 or 3) is picked. Growing the site only appends newer
        candidates, so once a list is that far (in practice from some tens of its articles
        on) its pinned articles never change; a smaller site may pin fewer.
        """
        pinned: dict[str, list[Article]] = {}
        for position, name in enumerate(LIST_NAMES):
            rng = self._rng(position, _PINNED_PURPOSE)
            wanted = rng.randint(PINNED_MIN, PINNED_MAX)
            chosen: list[Article] = []
            for article in reversed(self.listed_in(name)):
                if len(chosen) == wanted:
                    break
                if article.drawn_kind == HIDDEN or article.index in seed_article.SPECIAL_ARTICLES:
                    continue
                if rng.random() < _PINNED_CHANCE:
                    chosen.append(article)
            pinned[name] = chosen
        return pinned

    @cached_property
    def pinned_indices(self) -> set[int]:
        return {a.index for chosen in self.pinned.values() for a in chosen}

    def list_page(self, name: str, page: int) -> tuple[list[Article], list[Article]]:
        """(pinned, regular) items of page ``page`` of the list ``name``: pinned only on page 1,
        regular ones ``LIST_PAGE_SIZE`` a page, newest first."""
        regular = paginate(self.listed_in(name), page)
        return (self.pinned[name] if page == 1 else []), regular

    def list_page_count(self, name: str) -> int:
        return page_count(self.listed_in(name))

    def list_pages(self) -> Iterator[tuple[str, list[Article]]]:
        """Every page that lists articles (home pages included) as (path, its articles): on a
        list's first page its pinned articles come first."""
        yield "/", self.financeun_home_articles
        yield f"{CNFINANCE_PREFIX}/", self.cnfinance_home_articles
        for name in LIST_NAMES:
            for page in range(1, self.list_page_count(name) + 1):
                pinned, regular = self.list_page(name, page)
                yield self.list_path(name, page), pinned + regular

    def neighbours(self, article: Article) -> tuple[Article | None, Article | None]:
        """The listed articles before and after this one in its section (上一篇/下一篇)."""
        same = self._listed_by_section[article.section]
        position = self._listed_position.get(article.index)
        if position is None:
            return None, None
        previous = same[position - 1] if position > 0 else None
        following = same[position + 1] if position + 1 < len(same) else None
        return previous, following

    @cached_property
    def _listed_by_section(self) -> dict[str, list[Article]]:
        sections: dict[str, list[Article]] = {FINANCEUN: [], CNFINANCE: []}
        for article in self.articles:
            if article.kind == LISTED:
                sections[article.section].append(article)
        return sections

    @cached_property
    def _listed_position(self) -> dict[int, int]:
        return {
            a.index: position
            for listed in self._listed_by_section.values()
            for position, a in enumerate(listed)
        }

    # -- truth ----------------------------------------------------------------------------

    def link_path(self, source: Article, target: Article) -> str:
        """The URL path under which ``source``'s 相关资讯 links ``target`` (variants at times)."""
        if target.variants and (source.index + target.index) % 2 == 0:
            return target.variant_path(target.variants[source.index % len(target.variants)])
        return target.path

    def truth(self, base_url: str) -> Iterator[dict]:
        """Every article's expected exported fields, its story and the pages that link to it.

        ``listed_on``: the list and home pages that link the article (each once; a pinned
        article's include its list's first page); ``pinned``: whether it is pinned (置顶) on
        the first page of its list.
        """
        base = base_url.rstrip("/")
        listed_on: dict[int, list[str]] = {}
        for path, chunk in self.list_pages():
            for article in chunk:
                pages = listed_on.setdefault(article.index, [])
                if base + path not in pages:
                    pages.append(base + path)
        linked_from: dict[int, list[str]] = {}
        for article in self.articles:
            for target in article.related:
                linked_from.setdefault(target, []).extend(
                    base + path for path in (article.path, *article.alias_paths)
                )
        for article in self.articles:
            text = self.text_of(article)
            yield {
                "url": base + article.path,
                "aliases": [base + path for path in article.alias_paths],
                "story": self.story_of(article),
                "story_kind": article.story_kind,
                "site": article.section,
                "kind": article.kind,
                "disallowed": article.kind == VIP,
                "hidden_level": article.level,
                "title": article.title,
                "source": text.source,
                "byline": text.byline,
                "authors": text.authors,
                "published_at": beijing_iso(article.published),
                "content": "\n".join(text.paragraphs),
                "related": [
                    self.related_entry(article, self.articles[i], base) for i in article.related
                ],
                "listed_on": listed_on.get(article.index, []),
                "pinned": article.index in self.pinned_indices,
                "linked_from": linked_from.get(article.index, []),
            }

    def hostile_truth(self, base_url: str) -> list[dict]:
        """What a crawl should make of each hostile case, as served at ``/_hostile.jsonl``."""
        from crawler.replica import hostile  # it builds on this module

        return hostile.truth(base_url)

    def related_entry(self, source: Article, target: Article, base: str) -> dict[str, str]:
        """A 相关资讯 item of ``source``'s page as exported: title, URL and time of ``target``."""
        return {
            "title": target.title,
            "url": base + self.link_path(source, target),
            "published_at": beijing_iso(target.published),
        }


def burst_size(articles: int, seed: int = 1, pages: int = 1) -> int:
    """How many new articles to add to a site of ``articles`` so that every list gains more
    than ``pages`` list pages of them: ``ReplicaSite(articles=articles + burst_size(articles,
    seed, pages), seed=seed)`` then lists more than ``pages * LIST_PAGE_SIZE`` articles newer
    than all of the smaller site's on every financeun channel and on the cnfinance list.

    Only new articles that did not draw hidden are counted (the few hidden ones a grown site
    still lists for want of a parent come on top). The ``vip`` channel, about 3.75% of new
    articles, sets the size: roughly ``(pages * LIST_PAGE_SIZE + 1) / 0.0375``, some 560 for
    one page. Raises ``ValueError`` if the grown site would exceed ``MAX_ARTICLES``.
    """
    wanted = pages * LIST_PAGE_SIZE
    gained = dict.fromkeys(LIST_NAMES, 0)
    index = articles
    while min(gained.values()) <= wanted:
        if index >= MAX_ARTICLES:
            raise ValueError(f"a burst of {pages} pages does not fit in {MAX_ARTICLES} articles")
        section, kind, channel = _draw_placement(_random(seed, index, 0))
        if kind != HIDDEN and index not in seed_article.SPECIAL_ARTICLES:
            gained[CNFINANCE if section == CNFINANCE else channel] += 1
        index += 1
    return index - articles


def section_of_path(path: str) -> str:
    """Which replicated site (and so which site profile) a replica path belongs to."""
    in_cnfinance = path == CNFINANCE_PREFIX or path.startswith(CNFINANCE_PREFIX + "/")
    return CNFINANCE if in_cnfinance else FINANCEUN


def page_count(listed: list[Article]) -> int:
    """Number of list pages for these articles (an empty list still has its first page)."""
    return max(1, -(-len(listed) // LIST_PAGE_SIZE))


def paginate(listed: list[Article], page: int) -> list[Article]:
    """The articles on list page ``page`` (1-based)."""
    return listed[(page - 1) * LIST_PAGE_SIZE : page * LIST_PAGE_SIZE]


def _random(seed: int, index: int, purpose: int) -> random.Random:
    """The random stream of one purpose for the article ``index`` of the site ``seed``."""
    return random.Random((seed * 1_000_003 + index) * 16 + purpose)


def _draw_placement(rng: random.Random) -> tuple[str, str, str]:
    """An article's section, drawn kind and channel: the first draws of its stream 0."""
    section = CNFINANCE if rng.random() < _CNFINANCE_SHARE else FINANCEUN
    roll = rng.random()
    kind = VIP if roll < _VIP_SHARE else HIDDEN if roll < _VIP_SHARE + _HIDDEN_SHARE else LISTED
    channel = VIP_CHANNEL if kind == VIP else rng.choice(list(CHANNELS)[:-1])
    return section, kind, channel


def fill_template(template: str, rng: random.Random) -> str:
    """A corpus template with its placeholders filled by random corpus words and numbers."""
    words = corpus()
    company, company2 = rng.sample(words["companies"], 2)
    return template.format(
        company=company,
        company2=company2,
        region=rng.choice(words["regions"]),
        person=rng.choice(words["people"]),
        topic=rng.choice(words["topics"]),
        pct=f"{rng.randint(1, 200) / 10:.1f}%",
        num=str(rng.randint(12, 9800)),
        year=str(rng.randint(2019, 2025)),
        month=str(rng.randint(1, 12)),
    )


def generated_paragraphs(rng: random.Random, count: int) -> list[str]:
    """``count`` paragraphs of 2-5 distinct corpus sentences each."""
    lengths = [rng.randint(2, 5) for _ in range(count)]
    templates = rng.sample(corpus()["sentence_templates"], sum(lengths))
    sentences = [fill_template(template, rng) for template in templates]
    paragraphs = []
    for length in lengths:
        paragraphs.append("".join(sentences[:length]))
        del sentences[:length]
    return paragraphs


def draw_byline(section: str, rng: random.Random) -> tuple[str | None, list[str]]:
    """A byline in the section's style and its authors (none, one time in ten)."""
    words = corpus()
    if rng.random() < 0.1:
        return None, []
    authors = rng.sample(words["people"], 1 if rng.random() < 0.7 else 2)
    if section == CNFINANCE:
        return "作者：" + " ".join(authors), authors
    form = rng.random()
    if form < 0.15:
        return "文/" + "、".join(authors), authors
    return rng.choice(words["roles"]) + " " + " ".join(authors), authors
