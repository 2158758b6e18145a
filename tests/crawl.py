"""The console crawl, shared by the browser crawl (tests/browser/test_crawl.py) and the fast one without a
browser (tests/core/test_links_follow_capabilities.py).

Starting from the workbench, it follows every link of the menu and of each page it reaches, `max_depth`
levels deep; the links found on the last level are requested too, not followed. One sample per URL
pattern: numeric and code-like path segments and every query value count once, so `/people/123/` and
`/people/456/` are one page. GET only: forms are never submitted; sign-out and the language switch are
POST forms, and SKIP_PREFIXES are never requested.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

# Never requested: static files, the language switches (console and portal), sign-out, the API's interactive docs and schema.
SKIP_PREFIXES = ("/static/", "/media/", "/i18n/", "/public/language/", "/logout", "/api/docs", "/api/redoc", "/api/schema")
FORBIDDEN_MARK = "无权访问"  # the 403 page's title (templates/403.html)
ERROR_MARK = 'data-testid="error-page"'  # the page a DomainError ends on (templates/error.html)


@dataclass(frozen=True)
class Failure:
    role: str
    kind: str
    url: str
    source: str
    detail: str = ""

    def __str__(self) -> str:
        detail = f" — {self.detail}" if self.detail else ""
        return f"[{self.role}] {self.kind}: {self.url}  ← {self.source}{detail}"


@dataclass(frozen=True)
class Fetched:
    status: int
    final_path: str
    content_type: str
    body: str  # "" unless HTML


class LinkParser(HTMLParser):
    """Every GET target a page offers: links and htmx loads."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")
        if a.get("hx-get"):
            self.links.append(a["hx-get"] or "")


_ID_SEGMENT = re.compile(r"^(\d+|[0-9a-fA-F-]{32,36}|[A-Za-z]*\d[\w-]{4,})$")


def url_pattern(url: str) -> str:
    """`/people/123/?page=2` → `/people/{id}/?page=`: one sample per pattern."""
    parts = urlsplit(url)
    path = "/".join("{id}" if _ID_SEGMENT.match(seg) else seg for seg in parts.path.split("/"))
    keys = sorted({k for k, _v in parse_qsl(parts.query, keep_blank_values=True)})
    return path + ("?" + urlencode([(k, "") for k in keys]) if keys else "")


def site_path(href: str, page_url: str, base: str) -> str | None:
    """The path (with query) of a link on this site that the crawl may request, else None."""
    href = href.strip()
    if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
        return None
    absolute = urljoin(page_url, href)
    if not absolute.startswith(base):
        return None
    parts = urlsplit(absolute)
    path = parts.path + ("?" + parts.query if parts.query else "")
    return None if path.startswith(SKIP_PREFIXES) else path


def is_full_page(body: str) -> bool:
    """A whole console page, as opposed to an htmx fragment."""
    return body.lstrip().lower().startswith("<!doctype")


def crawl(
    *,
    role: str,
    start: str,
    fetch: Callable[[str], Fetched],
    base: str = "http://testserver",
    max_depth: int = 2,
    max_fetches: int = 90,
    on_page: Callable[[str, str], list[Failure]] | None = None,
) -> tuple[list[Failure], dict[str, int]]:
    """Crawl from `start` and return the failures and counts. `fetch(path)` requests a path with the
    role's session; `on_page(path, source)` may check a full HTML page further (rendering it)."""
    failures: list[Failure] = []
    queue: list[tuple[str, int, str]] = [(start, 0, "登录后首页")]
    seen: set[str] = set()
    counts = {"fetched": 0, "pages": 0, "over_limit": 0}
    while queue:
        path, depth, source = queue.pop(0)
        pattern = url_pattern(path)
        if pattern in seen:
            continue
        seen.add(pattern)
        if counts["fetched"] >= max_fetches:
            counts["over_limit"] += 1
            continue
        counts["fetched"] += 1
        got = fetch(path)
        is_html = "text/html" in got.content_type
        if got.status >= 500:
            failures.append(Failure(role, f"服务器错误 {got.status}", path, source))
        elif got.status == 403 or (is_html and FORBIDDEN_MARK in got.body):
            failures.append(Failure(role, "无权访问（链接对该角色显示，却不许打开）", path, source))
        elif got.status == 404:
            failures.append(Failure(role, "链接不存在 404", path, source))
        elif got.status >= 400 or (is_html and ERROR_MARK in got.body):
            failures.append(Failure(role, f"错误页 {got.status}", path, source))
        elif got.final_path.startswith("/login"):
            failures.append(Failure(role, "被送回登录页", path, source))
        elif is_html and depth <= max_depth and not path.startswith("/api/"):
            parser = LinkParser()
            parser.feed(got.body)
            for href in parser.links:
                target = site_path(href, base + got.final_path, base)
                if target and url_pattern(target) not in seen:
                    queue.append((target, depth + 1, path))
            if on_page is not None and is_full_page(got.body):
                counts["pages"] += 1
                failures += on_page(path, source)
    return failures, counts
