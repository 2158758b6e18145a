"""Nothing personal on the public pages (issue 15, item 8): every public page of the demo data, crawled
without an account, carries no ID number, no phone number of a person and no full name of an older person."""

import re

import pytest
from django.test import Client

from tests.crawl import Fetched, crawl

pytestmark = pytest.mark.django_db

ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)|(?<!\d)\d{6}\*{6,}\d{3}[\dXx]")
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)|(?<!\d)1[3-9]\d\*{4,}\d{2,4}(?!\d)")


def test_no_public_page_of_the_demo_shows_an_id_number_a_mobile_phone_or_an_older_persons_name():
    from tests.browser.test_crawl import build_demo_data
    from yanglao.people.models import Person

    build_demo_data()
    names = set(Person.objects.values_list("name", flat=True))
    pages: dict[str, str] = {}
    client = Client()

    def fetch(path: str) -> Fetched:
        got = client.get(path, follow=True)
        final = got.redirect_chain[-1][0] if got.redirect_chain else path
        ctype = got.get("Content-Type", "")
        body = got.content.decode() if "text/html" in ctype or "json" in ctype else ""
        pages[path] = body
        return Fetched(got.status_code, final.split("?")[0], ctype, body)

    failures, counts = crawl(role="public", start="/public/", fetch=fetch, max_depth=3, max_fetches=200)
    assert not [f for f in failures if f.kind != "被送回登录页"], failures
    assert counts["fetched"] >= 10
    leaks = []
    for path, body in pages.items():
        text = re.sub(r"<script[^>]*>.*?</script>|<[^>]+>", " ", body, flags=re.S)
        for pattern in (ID_NUMBER, MOBILE):
            leaks += [f"{path}: {m}" for m in pattern.findall(text)]
        leaks += [f"{path}: 姓名 {n}" for n in names if len(n) >= 3 and n in text]
    assert not leaks, "\n".join(leaks[:20])
