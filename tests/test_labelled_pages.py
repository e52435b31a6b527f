"""The loader and scoring rules of benchmarks/labelled_pages.py, on hand-made cases."""

from dataclasses import replace

import pytest

from benchmarks.labelled_pages import (
    CWCED,
    EXTRACTOR_FIXTURES,
    Correction,
    LabelledPage,
    apply_corrections,
    author_f1,
    body_scores,
    given_label,
    is_news,
    load_corrections,
    load_pages,
    published_correct,
    shingles,
    title_correct,
    tokenize,
)


def _page(**labels: object) -> LabelledPage:
    fields: dict[str, object] = {
        "folder": EXTRACTOR_FIXTURES,
        "page_id": "made-up",
        "html_path": None,
        "url": "http://example.invalid/made-up.html",
        "kind": "news",
        "lang": "zh-Hans",
        "title": None,
        "authors": None,
        "published": None,
        "body": None,
        "body_must_contain": (),
        "body_must_not_contain": (),
    }
    return LabelledPage(**{**fields, **labels})


def test_every_fixture_page_loads_with_its_bytes():
    pages = load_pages()
    assert len(pages) == 56
    assert sum(page.folder == CWCED for page in pages) == 38
    assert sum(is_news(page) for page in pages) == 39
    assert len({page.url for page in pages}) == 56
    assert all(page.read_bytes().lstrip().startswith((b"<", b"\xef\xbb\xbf")) for page in pages)


def test_cwced_labels_are_read_from_the_label_files():
    page = next(p for p in load_pages() if p.page_id.startswith("3e1af229"))
    assert page.url == "http://zh-cwced.invalid/3e1af229-5b3e-4cfc-82b2-481f37d7adf7.html"
    assert page.authors == ("王建宏", "张文攀")
    assert page.published == "2022-02-13 09:57"
    assert page.title is None
    assert page.body is not None and page.body.lstrip().startswith("土豆，听名字就")


@pytest.mark.parametrize(
    ("predicted", "label", "expected"),
    [
        ("央行宣布降准0.5个百分点", "央行宣布降准0.5个百分点_网易财经", True),
        ("央行宣布降准 0.5 个百分点-新华网", "央行宣布降准0.5个百分点", True),
        ("央行宣布降準０.５个百分点", "央行宣布降準0.5个百分点", True),
        ("央行宣布降准0.25个百分点", "央行宣布降准0.5个百分点_网易财经", False),
        ("网易财经", "央行宣布降准0.5个百分点_网易财经", False),
        ("央行宣布降准", "央行宣布降准0.5个百分点", False),
        (None, "央行宣布降准0.5个百分点", False),
        ("", "央行宣布降准0.5个百分点", False),
        ("美樹營地賞楓 (2)", "美樹營地賞楓 (2) @ 史蒂文的家_藍天 :: 痞客邦 PIXNET ::", True),
        ("新竹尖石_美樹營地賞楓 (2) @ 史蒂文的家", "新竹尖石_美樹營地賞楓 (2)", True),
        ("新竹尖石_美樹營地賞楓 (2)", "新竹尖石_美樹營地賞楓 (2)\u3000@\u3000史蒂文的家", True),
        ("史蒂文的家_藍天", "新竹尖石_美樹營地賞楓 (2) @ 史蒂文的家_藍天", False),
        ("央行宣布降准", "央行宣布降准@所有人", False),
        ("央行宣布降准", "央行宣布降准 @所有人", False),
        ("央行宣布降准", "央行宣布降准@ 所有人", False),
        ("@所有人 央行宣布降准", "@所有人 央行宣布降准", True),
    ],
)
def test_title(predicted, label, expected):
    assert title_correct(predicted, label) is expected


@pytest.mark.parametrize(
    ("predicted", "label", "expected"),
    [
        ("2020-02-19", "2020-02-19", True),
        ("2020-02-19T10:23:00+08:00", "2020-02-19", True),
        ("2020-02-19T18:00:00+00:00", "2020-02-19", False),
        ("2020-02-18T23:30:00+00:00", "2020-2-19", True),
        ("2020-02-19T10:23:00", "2020-02-19", False),
        ("2020-02-19", "2005-07-31 12:30", False),
        ("2005-07-31", "2005-07-31 12:30", False),
        ("2005-07-31T12:30:45+08:00", "2005-07-31 12:30", True),
        ("2005-07-31T04:30:00Z", "2005-07-31 12:30", True),
        ("2005-07-31T12:31:00+08:00", "2005-07-31 12:30", False),
        ("2005-07-31T12:30:00+08:00", "2005-07-31 12:30:17", False),
        ("2005-07-31T12:30:00+08:00", "2005-07-31T12:30:00+08:00", True),
        ("2005-07-31T12:30:00+08:00", "2005-07-31T12:30:00Z", False),
        ("2023-02-21T21:20:00+08:00", "2023/02/21 21:20", True),
        ("2024-04-24", "2024-04-24 00:00:00", True),
        ("1998-03-02", "1998-3", True),
        ("2018-12-31T20:00:00+08:00", "2018", True),
        ("2018-12-31T20:00:00-05:00", "2018", False),
        ("not a date", "2018", False),
        (None, "2020-02-19", False),
        (None, "", True),
        ("2020-02-19", "", False),
    ],
)
def test_published(predicted, label, expected):
    assert published_correct(predicted, label) is expected


@pytest.mark.parametrize(
    ("predicted", "label", "expected"),
    [
        (["王建宏", "张文攀"], ("王建宏", "张文攀"), 1.0),
        (["记者 王建宏", "作者：张文攀"], ("王建宏", "张文攀"), 1.0),
        (["本报记者王建宏"], ("王建宏", "张文攀"), 2 / 3),
        (["王建宏", "中国金融网"], ("王建宏",), 2 / 3),
        (["中国金融网"], ("王建宏",), 0.0),
        ([], ("王建宏",), 0.0),
        ([], (), 1.0),
        (["王建宏"], (), 0.0),
    ],
)
def test_author_f1(predicted, label, expected):
    assert author_f1(predicted, label) == pytest.approx(expected)


def test_tokens_are_cjk_characters_and_latin_words():
    assert tokenize("央行 said: GDP增长5.2%") == ["央", "行", "said", "GDP", "增", "长", "5", "2"]


def test_shingles_of_a_short_text_are_one_shingle():
    assert shingles("央行") == {("央", "行"): 1}
    assert shingles("") == {}
    assert shingles("一二三四五") == {("一", "二", "三", "四"): 1, ("二", "三", "四", "五"): 1}


def test_body_scores_by_shingles():
    page = _page(body="一二三四五六\n七八")
    assert body_scores("一二三四五六七八", page) == (1.0, 1.0)
    precision, recall = body_scores("一二三四五", page)
    assert (precision, recall) == (1.0, pytest.approx(2 / 5))
    precision, recall = body_scores("一二三四五六七八九十", page)
    assert (precision, recall) == (pytest.approx(5 / 7), 1.0)
    assert body_scores("", page) == (0.0, 0.0)
    assert body_scores("甲乙丙丁", page) == (0.0, 0.0)


def test_body_scores_by_snippets():
    page = _page(body_must_contain=("2月17日", "能过关。"), body_must_not_contain=("纠错",))
    assert body_scores("2月17日，\n能 过关。", page) == (1.0, 1.0)
    assert body_scores("2月17日 纠错", page) == (0.5, 0.5)
    assert body_scores("其他", page) == (0.0, 0.0)
    assert body_scores("", page) == (0.0, 0.0)


def test_pages_without_a_body_label_are_not_scored():
    assert body_scores("一二三四五", _page()) is None


def test_corrections_name_a_labelled_field_with_the_evidence():
    corrections = load_corrections()
    pages = {page.page_id: page for page in load_pages()}
    assert len(corrections) == 13
    assert len({(c.page_id, c.field) for c in corrections}) == len(corrections)
    for correction in corrections:
        assert given_label(pages[correction.page_id], correction.field) == correction.label
        assert correction.corrected != correction.label
        assert len(correction.evidence) > 20


def test_corrected_pages_differ_only_in_the_corrected_labels():
    given = load_pages()
    corrected = load_pages(corrected=True)
    changed = {(c.page_id, c.field): c.corrected for c in load_corrections()}
    assert [page.page_id for page in corrected] == [page.page_id for page in given]
    for before, after in zip(given, corrected, strict=True):
        for field in ("title", "published", "authors", "body", "url", "kind"):
            key = (before.page_id, field)
            if key in changed:
                expected = changed[key]
                assert getattr(after, field) == (
                    tuple(expected) if field == "authors" else expected
                )
            else:
                assert getattr(after, field) == getattr(before, field)


def test_a_date_label_that_is_no_date_is_given_as_written_and_corrected():
    page = next(p for p in load_pages() if p.page_id.startswith("c4d032a1"))
    assert page.published is None
    assert given_label(page, "published") == "刘涛"
    fixed = next(p for p in load_pages(corrected=True) if p.page_id.startswith("c4d032a1"))
    assert fixed.published == "2021-11-25 16:26:07"


def _correction(**fields: object) -> Correction:
    values: dict[str, object] = {
        "page_id": "made-up",
        "field": "authors",
        "label": ["焦鹏"],
        "corrected": ["罗博"],
        "evidence": "焦鹏 is the editor",
    }
    return Correction(**{**values, **fields})


def test_apply_corrections_replaces_the_label():
    page = _page(authors=("焦鹏",), title="标题")
    (fixed,) = apply_corrections([page], [_correction()])
    assert fixed == replace(page, authors=("罗博",))


@pytest.mark.parametrize(
    "correction",
    [
        _correction(page_id="unknown"),
        _correction(field="body"),
        _correction(label=["孔德明"]),
    ],
    ids=["unknown page", "uncorrectable field", "stale label"],
)
def test_apply_corrections_refuses_a_correction_that_does_not_fit(correction):
    with pytest.raises(ValueError):
        apply_corrections([_page(authors=("焦鹏",))], [correction])


def test_apply_corrections_refuses_two_corrections_of_one_label():
    with pytest.raises(ValueError, match="two corrections"):
        apply_corrections([_page(authors=("焦鹏",))], [_correction(), _correction()])


def test_pages_without_a_corrections_file_have_no_corrections(tmp_path):
    assert load_corrections(tmp_path) == []
