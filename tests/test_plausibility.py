"""Rules that keep a misfitting profile's garbage out of items."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crawler.extraction import extract_article
from crawler.extraction.dates import BEIJING
from crawler.extraction.plausibility import plausible

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("title", "央行降准", True),
        ("title", "降准", False),
        ("title", "长" * 201, False),
        ("title", "来源:中国金融网 2025年02月06日 06时41分", False),
        ("title", "2025年02月06日 06时41分", False),
        ("title", "2025年02月06日早盘：沪指高开", True),
        ("published_at", "2025-02-06T06:41:00+08:00", True),
        ("published_at", "2025-02-06", True),
        ("published_at", "2026-11-29T19:59:00+08:00", True),
        ("published_at", "2026-11-29T20:01:00+08:00", False),
        ("published_at", "2026-11-30", False),
        ("published_at", "1996-05-01", True),
        ("published_at", "1996-05-01T09:30:00+08:00", True),
        ("published_at", "1995-01-01", True),
        ("published_at", "1995-01-01T00:00:00+08:00", True),
        ("published_at", "1994-12-31T16:00:00+00:00", True),
        ("published_at", "1994-12-31", False),
        ("published_at", "1994-12-31T23:59:59+08:00", False),
        ("published_at", "1994-12-31T15:59:59+00:00", False),
        ("published_at", "1980-01-01", False),
        ("published_at", "2025-02-06T06:41:00", False),
        ("published_at", "二〇二五年", False),
        ("content", "字" * 50, True),
        ("content", "字" * 49, False),
        ("source", "新华社", True),
        ("source", None, False),
        ("related", [], False),
    ],
)
def test_field_rules(field, value, expected):
    assert plausible(field, value, NOW) is expected


@pytest.mark.parametrize("value", ["1996-05-01", "1996-05-01T09:30:00+08:00"])
def test_an_old_archive_article_stays_plausible_as_years_pass(value):
    """The floor is fixed: no age limit drops a 1996 article, now or in decades."""
    for years_on in (0, 10, 40):
        assert plausible("published_at", value, NOW + timedelta(days=365 * years_on)) is True


def test_a_publish_time_after_the_real_now_is_rejected():
    """Without ``now``, the rule uses the clock: tomorrow is in the future, today is not."""
    now = datetime.now(BEIJING)
    assert plausible("published_at", now.date().isoformat()) is True
    assert plausible("published_at", (now - timedelta(minutes=1)).isoformat()) is True
    assert plausible("published_at", (now + timedelta(days=1)).date().isoformat()) is False
    assert plausible("published_at", (now + timedelta(hours=1)).isoformat()) is False


def test_profile_value_that_breaks_a_rule_is_replaced_by_the_generic_one():
    html = (
        "<html><head><title>央行宣布降准_中国金融网</title></head><body>"
        '<div class="content_left"><h1>央行宣布降准</h1><div class="news">'
        '<div class="info">来源:新华社 2025年02月06日 06时41分</div>'
        '<div class="news_content">'
        + "<p>中国人民银行宣布下调存款准备金率，释放长期流动性。</p>" * 3
        + "</div></div></div></body></html>"
    )
    article = extract_article(html.encode(), "https://www.financeun.com/newsDetail/1.shtml")
    assert article["title"] == "央行宣布降准"
    assert article["extraction"]["fields"]["title"] == "generic"
    assert article["published_at"] == "2025-02-06T06:41:00+08:00"
    assert article["extraction"]["fields"]["content"] == "profile"


@pytest.mark.parametrize("shown", ["2099年02月06日 06时41分", "2025年13月45日 25时61分", ""])
def test_a_page_whose_only_date_is_unbelievable_has_no_publish_time(shown):
    """A date in the future (or none that parses) is no publish time, whichever extractor
    finds it; 相关资讯's and the comments' dates are never taken instead."""
    html = (
        "<html><head><title>央行宣布降准_中国金融网</title></head><body>"
        '<div class="content_left"><div class="news">'
        '<div class="news_title">央行宣布降准</div>'
        f'<div class="copyright">来源:新华社 {shown}</div>'
        '<div class="news_content">'
        + "<p>中国人民银行宣布下调存款准备金率，释放长期流动性。</p>"
        * 3
        + "</div></div>"
        '<div class="xgzx"><ul><li><a href="/newsDetail/2.shtml">银行间利率回落</a>'
        '<span class="time">2025年02月05日 09时30分</span></li></ul></div>'
        '<div class="comment"><span class="ctime">2025年02月07日 10时00分</span></div>'
        "</div></body></html>"
    )
    article = extract_article(
        html.encode(), "https://www.financeun.com/newsDetail/1.shtml", now=NOW
    )
    assert article["published_at"] is None
    assert article["extraction"]["fields"]["published_at"] is None
    assert article["title"] == "央行宣布降准"
