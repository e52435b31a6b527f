"""A real HTTP server on 127.0.0.1 that serves a ``ReplicaSite`` page by page, from memory."""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from crawler.replica import pages
from crawler.replica.hostile import HostileRoutes
from crawler.replica.model import Reply
from crawler.replica.site import (
    CHANNELS,
    CNFINANCE,
    CNFINANCE_LIST_TEMPLATE,
    CNFINANCE_PREFIX,
    ReplicaSite,
)

_FINANCEUN_LIST = re.compile(r"^/articleList/(?P<channel>[a-z]+)_(?P<page>\d+)\.shtml$")
HTML = "text/html; charset=utf-8"


class ReplicaRequestHandler(BaseHTTPRequestHandler):
    """Routes GET requests to the pages of the server's ``site``."""

    server: ReplicaServer
    protocol_version = "HTTP/1.1"

    def handle(self) -> None:
        """Serves the connection's requests; a client that hung up ends it quietly."""
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def do_GET(self) -> None:
        self._send(self.server.reply(self.path, self._base_url()))

    def _send(self, reply: Reply) -> None:
        if reply.delay:
            time.sleep(reply.delay)
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        self.end_headers()
        for chunk in reply.body:
            self.wfile.write(chunk)
        if reply.close:
            self.close_connection = True

    def _base_url(self) -> str:
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        return f"http://{host}"

    def log_message(self, format: str, *args: object) -> None:
        """Silent: a crawl makes thousands of requests."""


class ReplicaServer(ThreadingHTTPServer):
    """The replica site served over HTTP; ``port=0`` takes a free port. A hostile site's
    slow routes keep a request waiting ``slow_seconds``."""

    daemon_threads = True
    block_on_close = False

    def __init__(
        self,
        site: ReplicaSite,
        host: str = "127.0.0.1",
        port: int = 0,
        slow_seconds: float = 12.0,
    ) -> None:
        super().__init__((host, port), ReplicaRequestHandler)
        self.site = site
        self.hostile = (
            HostileRoutes(site, self.server_address[1], slow_seconds) if site.hostile else None
        )
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def start_in_thread(self) -> ReplicaServer:
        """Serve from a daemon thread and return at once."""
        self._thread = threading.Thread(target=self.serve_forever, name="replica", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    def reply(self, raw_path: str, base: str) -> Reply:
        """The answer to a request path: a hostile route's, else the site's page."""
        if self.hostile is not None:
            reply = self.hostile.reply(raw_path, base)
            if reply is not None:
                return reply
        return Reply.whole(*self.respond(raw_path, base))

    def respond(self, raw_path: str, base: str) -> tuple[int, str, bytes]:
        """Status, content type and body for a request path."""
        parts = urlsplit(raw_path)
        path, query = parts.path, parse_qs(parts.query)
        site = self.site
        if path == "/robots.txt":
            return 200, "text/plain; charset=utf-8", pages.robots_txt(site.hostile)
        if path == "/sitemap.xml":
            return 200, "application/xml; charset=utf-8", pages.sitemap_xml(site, base)
        if path == "/_truth.jsonl":
            lines = (json.dumps(t, ensure_ascii=False) + "\n" for t in site.truth(base))
            return 200, "application/x-ndjson; charset=utf-8", "".join(lines).encode()
        if path in ("/", "/index.shtml"):
            return 200, HTML, pages.financeun_home(site)
        if path == f"{CNFINANCE_PREFIX}/":
            return 200, HTML, pages.cnfinance_home(site)
        article = site.by_path.get(path)
        if article is not None:
            return 200, pages.article_content_type(article), pages.render_article(site, article)
        article = site.by_variant_path.get(path)
        if article is not None:
            body = pages.render_article(site, article, variant=True)
            return 200, pages.article_content_type(article), body
        match = _FINANCEUN_LIST.match(path)
        if match and match["channel"] in CHANNELS:
            channel, page = match["channel"], int(match["page"])
            count = site.list_page_count(channel)
            if 1 <= page <= count:
                pinned, chunk = site.list_page(channel, page)
                return 200, HTML, pages.financeun_list(site, channel, page, count, chunk, pinned)
        if path == f"{CNFINANCE_PREFIX}/articles/" and query.get("template") == [
            CNFINANCE_LIST_TEMPLATE
        ]:
            page_text = query.get("page", ["1"])[0]
            count = site.list_page_count(CNFINANCE)
            if page_text.isdigit() and 1 <= int(page_text) <= count:
                page = int(page_text)
                pinned, chunk = site.list_page(CNFINANCE, page)
                return 200, HTML, pages.cnfinance_list(site, page, count, chunk, pinned)
        return 404, HTML, "<html><body><h1>404 页面不存在</h1></body></html>".encode()
