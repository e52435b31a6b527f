"""Every labelled news page of tests/fixtures/pages, field by field, scored as the benchmark
scores it (benchmarks/labelled_pages.py).

The labels are the corrected ones: a label that the page itself contradicts is replaced by
what the page shows, as tests/fixtures/pages/label-corrections.json lists with the evidence.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from benchmarks.labelled_pages import (
    LabelledPage,
    author_f1,
    body_scores,
    is_news,
    load_pages,
    published_correct,
    title_correct,
)
from crawler.extraction import extract_article

NEWS = [page for page in load_pages(corrected=True) if is_news(page)]

BODY_F1_FLOOR = 0.93
BODY_F1_FLOORS: dict[str, tuple[float, str]] = {
    "goose3/tests/data/content/test_bbc_chinese": (
        0.3,
        "the label is goose3's 150-character excerpt of the article (recall 0.98)",
    ),
    "mozilla-readability/test/test-pages/qq/source": (
        0.88,
        "the label keeps the dateline, share widget, video box and copyright lines",
    ),
    "47f387e6": (0.9, "the label repeats the headline and an image title"),
}

FIELDS = ("title", "published", "authors", "body", "snippets")


def _label(page: LabelledPage, field: str) -> Any:
    snippets = page.body_must_contain + page.body_must_not_contain
    labels = {
        "title": page.title,
        "published": page.published,
        "authors": page.authors,
        "body": page.body,
        "snippets": snippets or None,
    }
    return labels[field]


def _body_floor(page: LabelledPage) -> float:
    return next(
        (floor for prefix, (floor, _) in BODY_F1_FLOORS.items() if page.page_id.startswith(prefix)),
        BODY_F1_FLOOR,
    )


def _cases() -> list[Any]:
    cases = []
    for page in NEWS:
        for field in FIELDS:
            if _label(page, field) is None:
                continue
            cases.append(pytest.param(page, field, id=f"{field}:{page.page_id}"))
    return cases


@cache
def _extracted(page: LabelledPage) -> dict[str, Any]:
    return extract_article(page.read_bytes(), page.url)


@pytest.mark.parametrize(("page", "field"), _cases())
def test_labelled_field(page: LabelledPage, field: str) -> None:
    article = _extracted(page)
    label = _label(page, field)
    if field == "title":
        assert title_correct(article["title"], label), (article["title"], label)
    elif field == "published":
        assert published_correct(article["published_at"], label), (article["published_at"], label)
    elif field == "authors":
        assert author_f1(article["authors"], label) == 1, (article["authors"], label)
    elif field == "body":
        precision, recall = body_scores(article["content"], page) or (0.0, 0.0)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        assert f1 >= _body_floor(page), (precision, recall)
    else:
        content = "".join(article["content"].split())
        for snippet in page.body_must_contain:
            assert "".join(snippet.split()) in content, snippet
        for snippet in page.body_must_not_contain:
            assert "".join(snippet.split()) not in content, snippet


def test_every_news_page_is_scored_on_every_labelled_field() -> None:
    ids = {case.id for case in _cases()}
    assert len(NEWS) == 39
    assert sum(case.startswith("body:") for case in ids) == 30
    assert all(any(case.endswith(page.page_id) for case in ids) for page in NEWS)


@pytest.mark.parametrize(
    "page",
    [page for page in load_pages() if page.read_bytes().startswith(b"\xef\xbb\xbf")],
    ids=lambda page: page.page_id,
)
def test_utf8_bom_pages_decode_without_the_bom(page: LabelledPage) -> None:
    article = _extracted(page)
    assert article["title"] and not article["title"].startswith("\ufeff")
    assert "\ufeff" not in article["content"] and "\ufffd" not in article["content"]
    precision, recall = body_scores(article["content"], page) or (0.0, 0.0)
    assert min(precision, recall) > 0.9


@pytest.mark.parametrize(
    "page", [page for page in NEWS if page.lang == "zh-Hant"], ids=lambda page: page.page_id
)
def test_traditional_chinese_pages_keep_their_characters(page: LabelledPage) -> None:
    article = _extracted(page)
    assert article["title"] and article["content"]
    simplified_only = set("这说们时过还为么后来对发会经国实现进种东车门见长听问间书")
    assert not simplified_only & set(article["title"] + article["content"])


META_AUTHORS = {
    "658d9f03": (["魑皇"], "a blog that names its author only in <meta name=author>"),
    "2397c95d": (
        ["赵培"],
        "dc.creator 赵  培 (spaced out to width); the <meta name=Author> before it is a list "
        "of publishers",
    ),
    "mozilla-readability/test/test-pages/pixnet": (
        ["史蒂文的家_藍天 (stevenhgm)"],
        "a blog platform's handle: blog name and account",
    ),
    "mozilla-readability/test/test-pages/youth": ([], "<meta name=author> holds the editor"),
    "newspaper4k/tests/data/html/chinese_article_001": (
        [],
        "<meta name=author> is the editor (【责任编辑：严玉洁】, <meta name=editor>)",
    ),
    "47f387e6": ([], "<meta name=author> is the forum software's team"),
}


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        pytest.param(prefix, authors, id=f"{prefix}: {reason}")
        for prefix, (authors, reason) in META_AUTHORS.items()
    ],
)
def test_meta_author_is_taken_only_when_it_names_people_not_editors(
    prefix: str, expected: list[str]
) -> None:
    (page,) = [page for page in load_pages() if page.page_id.startswith(prefix)]
    assert _extracted(page)["authors"] == expected
