"""Bytes of an HTML page to text, the way browsers read Chinese news pages."""

from __future__ import annotations

from collections.abc import Mapping

from w3lib.encoding import (
    html_body_declared_encoding,
    html_to_unicode,
    http_content_type_encoding,
    read_bom,
)

FALLBACK_ENCODING = "gb18030"
BIG5 = "big5hkscs"
_BIG5_SIGN = 0.3
"""Share of non-ASCII bytes that gb18030 reads as characters outside GB2312, above which
undeclared bytes that are valid Big5 are read as Big5."""


def decode_html(body: bytes, headers: Mapping[str, str] | None = None) -> str:
    """Decode by BOM, HTTP charset, then ``<meta>`` charset; GBK-family labels read as gb18030.

    Bytes that are valid UTF-8 with non-ASCII text are read as UTF-8 when the page declares
    a GBK-family charset or none; undeclared bytes that are not UTF-8 are read as gb18030,
    unless they are valid Big5 that gb18030 would read mostly as characters outside GB2312
    (kana, symbols, rare ideographs), the sign of Traditional Chinese text.
    """
    content_type = header(headers, "content-type")
    if read_bom(body)[0] is None:
        if _is_mislabelled_utf8(body, content_type):
            return body.decode("utf-8")
        if _is_undeclared_big5(body, content_type):
            return body.decode(BIG5)
    return html_to_unicode(content_type, body, default_encoding=FALLBACK_ENCODING)[1]


def header(headers: Mapping[str, str] | None, name: str) -> str | None:
    """The value of the HTTP header ``name`` (lower case), whatever the case of its key."""
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return value
    return None


def _is_mislabelled_utf8(body: bytes, content_type: str | None) -> bool:
    declared = http_content_type_encoding(content_type) or html_body_declared_encoding(body)
    if declared not in (None, FALLBACK_ENCODING) or body.isascii():
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _is_undeclared_big5(body: bytes, content_type: str | None) -> bool:
    if http_content_type_encoding(content_type) or html_body_declared_encoding(body):
        return False
    try:
        body.decode(BIG5)
    except UnicodeDecodeError:
        return False
    non_ascii = len(body) - len(body.decode("ascii", "ignore"))
    as_gb = body.decode(FALLBACK_ENCODING, "replace")
    outside_gb2312 = len(as_gb.encode(FALLBACK_ENCODING)) - len(as_gb.encode("gb2312", "ignore"))
    return non_ascii > 0 and outside_gb2312 > _BIG5_SIGN * non_ascii
