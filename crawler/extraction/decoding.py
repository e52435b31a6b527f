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


def decode_html(body: bytes, headers: Mapping[str, str] | None = None) -> str:
    """Decode by BOM, HTTP charset, then ``<meta>`` charset; GBK-family labels read as gb18030.

    Bytes that are valid UTF-8 with non-ASCII text are read as UTF-8 when the page declares
    a GBK-family charset or none; undeclared bytes that are not UTF-8 are read as gb18030.
    """
    content_type = _header(headers, "content-type")
    if read_bom(body)[0] is None and _is_mislabelled_utf8(body, content_type):
        return body.decode("utf-8")
    return html_to_unicode(content_type, body, default_encoding=FALLBACK_ENCODING)[1]


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
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
