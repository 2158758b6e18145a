"""The crawl that keeps the console honest (issue 19, item 17).

Every demo role signs in and follows every link of the menu and of each page it reaches, two levels
deep (the links found on the second level are checked too, not followed), one sample per URL pattern
(`/people/123/` and `/people/456/` count once). It fails on:

- any 5xx;
- any link that answers 403 (or the 无权访问 page), 404 or another error page to the role it was shown to;
- any page wider than the screen on a phone (390×844) or a desktop (1280×800);
- English words left in a Chinese page, outside proper names and codes (ALLOWED_WORDS; text inside
  `code`, `.mono` or `translate="no"` is a code by definition).

GET only: forms are never submitted, logout and language switches are POST forms and never followed.
Every failure of every role is collected and reported together, so one run shows everything. Statuses
and links come from plain HTTP requests sharing the browser's session; the browser renders each
sampled page once at phone size and measures it again at desktop size without reloading.

A module is covered the day it adds a menu entry: nothing here names a module's pages. The public portal is
crawled the same way without an account, from /public/ (every module's public page is linked from its frame).
"""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.crawl import Failure, Fetched, crawl
from yanglao.core.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOCS_SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
MAX_DEPTH = 2  # menu and home links are level 1, the links on those pages level 2
MAX_FETCHES = 90  # per role: pages and links requested over HTTP
MAX_RENDERS = 30  # per role: pages rendered in the browser (phone, then desktop)
TIMEOUT_MS = 60_000

# Words allowed in a Chinese page: product names, standards and codes, the language switch.
ALLOWED_WORDS = {
    "PDF", "Excel", "CSV", "XLSX", "xlsx", "csv", "pdf", "xls", "API", "OpenAPI", "GB", "MZ", "ICD", "TOTP",
    "English", "IP", "ID", "URL", "JSON", "HTTP", "HTTPS", "GBK", "UTF", "NBS", "WPS", "Bearer", "Token",
    "ECharts", "Yanglao", "QR", "App", "APP", "Google", "Microsoft", "Authenticator", "SMS", "WGS", "GCJ",
}

ENGLISH_JS = r"""
([allowed, codes]) => {
  const allow = new Set(allowed);
  // Account usernames are codes too (the audit and login logs show them): taken out before judging.
  const escape = (c) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const accounts = codes.length ? new RegExp('(^|[^A-Za-z0-9_-])(' + codes.map(escape).join('|') + ')(?![A-Za-z0-9_-])', 'g') : null;
  const codeLike = 'script,style,noscript,template,code,pre,kbd,samp,.mono,[translate=no],[data-code]';
  // URLs, e-mail addresses, paths and standards (GB/T), file names, kebab-case codes (fuwu-butie).
  const strip = /(https?:\/\/\S+|\S+@\S+|\S*\/\S*|\S+\.(xlsx|xls|csv|pdf|png|json)|\b[a-z0-9]+(-[a-z0-9]+)+\b)/g;
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const text = node.nodeValue;
    if (!/[A-Za-z]{3,}/.test(text)) continue;
    const el = node.parentElement;
    if (!el || el.closest(codeLike)) continue;
    const shown = el.closest('select') || el;
    if (shown.checkVisibility && !shown.checkVisibility({visibilityProperty: true})) continue;
    const cleaned = accounts ? text.replace(accounts, '$1 ') : text;
    const words = (cleaned.replace(strip, ' ').match(/[A-Za-z]{3,}/g) || []).filter(w => !allow.has(w));
    if (words.length) found.push(`${text.trim().replace(/\s+/g, ' ').slice(0, 60)} [${[...new Set(words)].join(', ')}]`);
  }
  return [...new Set(found)].slice(0, 8);
}
"""

WIDTH_JS = r"""
() => {
  const limit = window.innerWidth + 1;
  const width = document.documentElement.scrollWidth;
  if (width <= limit) return null;
  // The outermost elements sticking out of the screen, to say what to fix.
  const culprits = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.right <= limit || r.width === 0) continue;
    const parent = el.parentElement;
    if (parent && parent !== document.body && parent.getBoundingClientRect().right > limit) continue;
    const cls = (el.getAttribute('class') || '').trim().split(/\s+/).filter(Boolean).join('.');
    culprits.push(`${el.tagName.toLowerCase()}${cls ? '.' + cls : ''} (${Math.round(r.right)} px)`);
    if (culprits.length >= 3) break;
  }
  return {width, culprits};
}
"""


def build_demo_data() -> None:
    """Realistic data for every role, small enough to build in seconds: the demo accounts, 300 people
    (60 of them in 北门社区 so the community worker has a list), then every module's demo loader."""
    import importlib
    from importlib.util import find_spec

    from yanglao.core.audit import AuditActor, audit_context
    from yanglao.core.demo import create_demo_accounts
    from yanglao.core.testing import ensure_divisions
    from yanglao.modules import MODULES
    from yanglao.people.seeding import seed_people

    ensure_divisions()
    if find_spec("yanglao.admissions.defaults"):
        from yanglao.admissions.defaults import ensure_default_rules

        ensure_default_rules()  # transactional tests flush the migration's data
    with audit_context(actor=AuditActor(user_id=None, username="cli:load_demo")):
        create_demo_accounts()
        seed_people(240, seed=2026)
        seed_people(60, seed=2027, city="441702001001")
        for module in MODULES:
            if find_spec(f"yanglao.{module}.demo"):
                importlib.import_module(f"yanglao.{module}.demo").load_demo(seed=2026)


def crawl_role(browser, base: str, username: str, role: str, codes: list[str]) -> tuple[list[Failure], str]:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    started = time.perf_counter()
    try:
        page.goto(f"{base}/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("[data-testid=user-name]")
        page.wait_for_load_state("networkidle")
        DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DOCS_SHOTS / f"crawl-{username}-phone.png"), full_page=True)
        rendered = 0

        def fetch(path: str) -> Fetched:  # over HTTP with the browser's session, without rendering
            response = context.request.get(base + path, timeout=TIMEOUT_MS, max_redirects=5)
            ctype = response.headers.get("content-type", "")
            return Fetched(response.status, urlsplit(response.url).path, ctype,
                           response.text() if "text/html" in ctype else "")

        def on_page(path: str, source: str) -> list[Failure]:
            nonlocal rendered
            if rendered >= MAX_RENDERS:
                return []
            rendered += 1
            return render_checks(page, base, path, source, role, codes)

        failures, counts = crawl(role=role, start=urlsplit(page.url).path or "/", fetch=fetch, base=base,
                                 max_depth=MAX_DEPTH, max_fetches=MAX_FETCHES, on_page=on_page)
        if username == "city":  # a wide list on a phone, scrolling inside its card
            page.set_viewport_size(PHONE)
            page.goto(f"{base}/people/", wait_until="load")
            page.screenshot(path=str(DOCS_SHOTS / "crawl-city-people-phone.png"))
        summary = (f"{username} ({role}): {counts['fetched']} 个地址，{rendered} 页渲染，"
                   f"{counts['over_limit']} 个超出上限未查，{time.perf_counter() - started:.1f} 秒")
    finally:
        context.close()
    return failures, summary


def render_checks(page, base: str, path: str, source: str, role: str, codes: list[str]) -> list[Failure]:  # type: ignore[no-untyped-def]
    failures = []
    page.set_viewport_size(PHONE)
    page.goto(base + path, wait_until="load", timeout=TIMEOUT_MS)
    try:  # htmx loads on page load: let them land before measuring
        page.wait_for_function("() => !document.querySelector('.htmx-request')", timeout=5000)
    except Exception:  # noqa: BLE001 - a slow fragment is measured as it is
        pass
    for label, size in (("手机", PHONE), ("桌面", DESKTOP)):
        if size is DESKTOP:
            page.set_viewport_size(DESKTOP)
        wide = page.evaluate(WIDTH_JS)
        if wide:
            failures.append(Failure(role, f"页面宽于{label}屏幕", path, source,
                                    f"{wide['width']} px > {size['width']} px：" + "；".join(wide["culprits"])))
    english = page.evaluate(ENGLISH_JS, [sorted(ALLOWED_WORDS), codes])
    if english:
        failures.append(Failure(role, "中文页面中的英文", path, source, " | ".join(english)))
    return failures


def demo_roles() -> list[tuple[str, str]]:
    """One demo account per role (the first listed), in the order of README.md."""
    seen: dict[str, str] = {}
    for username, role, *_rest in DEMO_ACCOUNTS:
        seen.setdefault(str(role), username)
    return [(username, role) for role, username in seen.items()]


def test_every_role_crawls_the_console_on_a_desktop_and_a_phone_without_a_broken_link(live_server, browser):
    from yanglao.core.models import User

    build_demo_data()
    codes = sorted(User.objects.values_list("username", flat=True), key=len, reverse=True)
    failures: list[Failure] = []
    summaries = []
    for username, role in demo_roles():
        found, summary = crawl_role(browser, live_server.url, username, role, codes)
        failures += found
        summaries.append(summary)
    found, summary = crawl_public(browser, live_server.url)
    failures += found
    summaries.append(summary)
    print("\n".join(summaries))
    report = "\n".join(str(f) for f in failures)
    assert not failures, f"巡检发现 {len(failures)} 处问题：\n{report}\n\n" + "\n".join(summaries)


def crawl_public(browser, base: str) -> tuple[list[Failure], str]:  # type: ignore[no-untyped-def]
    """The public portal without an account, from /public/ on a phone (issue 15): every page of its frame and
    every module's public page it links to, rendered at phone and desktop size like the roles' pages."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    started = time.perf_counter()
    try:
        page.goto(f"{base}/public/")
        DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DOCS_SHOTS / "crawl-public-phone.png"), full_page=True)
        rendered = 0

        def fetch(path: str) -> Fetched:
            response = context.request.get(base + path, timeout=TIMEOUT_MS, max_redirects=5)
            ctype = response.headers.get("content-type", "")
            return Fetched(response.status, urlsplit(response.url).path, ctype,
                           response.text() if "text/html" in ctype else "")

        def on_page(path: str, source: str) -> list[Failure]:
            nonlocal rendered
            if rendered >= MAX_RENDERS or path.startswith("/login"):
                return []
            rendered += 1
            return render_checks(page, base, path, source, "公众（未登录）", [])

        failures, counts = crawl(role="公众（未登录）", start="/public/", fetch=fetch, base=base, max_depth=MAX_DEPTH,
                                 max_fetches=MAX_FETCHES, on_page=on_page)
        # the sign-in link is the one place the public pages lead into the console
        failures = [f for f in failures if f.kind != "被送回登录页"]
        summary = (f"公众（未登录）: {counts['fetched']} 个地址，{rendered} 页渲染，{counts['over_limit']} 个超出上限未查，"
                   f"{time.perf_counter() - started:.1f} 秒")
    finally:
        context.close()
    return failures, summary


def test_on_a_phone_the_menu_button_opens_the_side_menu_and_reaches_assessments(live_server, page):
    from yanglao.core.roles import Role
    from yanglao.core.testing import PASSWORD, make_user

    make_user(Role.ASSESSOR, "441702", username="assessor1", real_name="吴志坚")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "assessor1")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=user-name]")
    menu = page.locator("#sidebar [data-nav=assessments]")
    assert not menu.is_visible()  # closed: the page has the whole screen
    toggle = page.locator("[data-testid=menu-toggle]")
    box = toggle.bounding_box()
    assert box and box["width"] >= 44 and box["height"] >= 44  # a thumb-sized target
    toggle.click()
    menu.wait_for(state="visible")
    page.wait_for_function("() => document.getElementById('sidebar').getBoundingClientRect().left >= 0")
    assert toggle.get_attribute("aria-expanded") == "true"
    DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(DOCS_SHOTS / "phone-menu-open.png"))
    menu.click()
    page.wait_for_url("**/assessments/")
    assert not page.locator("#sidebar [data-nav=assessments]").is_visible()  # closed again on the new page
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    page.set_viewport_size(DESKTOP)
    assert not page.locator("[data-testid=menu-toggle]").is_visible()  # desktops keep the fixed menu
    assert page.locator("#sidebar [data-nav=assessments]").is_visible()
