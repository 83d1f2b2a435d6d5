"""Every role of the demo story follows every same-site link it is shown (issue 12, the crawl bar): no answer
is a server error, and no Chinese page shows a raw code (id_mismatch, PENDING …) or English words.

The console's HTML does not depend on the screen (the phone layout is CSS), so the crawl fetches each page
once per role with a phone's and once with a desktop's User-Agent on its start page only; the browser
test (test_home_browser.py) looks at each role's home at both widths."""

import os
import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

from django.apps import apps
from django.utils import translation

from gonghui.accounts.models import User
from gonghui.core.event_labels import EVENT_LABELS

# The demo logins of the README, one per role.
DEMO_LOGINS = [
    "admin",
    "tongzhou",
    "haidian",
    "luyuan",
    "ganjiakou",
    "yongshun",
    "yunrui",
    "collector",
    "leader",
    "gaoli",
    "luchengbank",
]
CRAWL_LOGINS = (
    os.environ.get("GONGHUI_CRAWL_LOGINS", "").split(",")
    if os.environ.get("GONGHUI_CRAWL_LOGINS")
    else DEMO_LOGINS
)
# Pages a role is not shown a link to but reaches by a typed or stale address: each answers in Chinese.
STRAY_URLS = [
    "/bank/",
    "/collect/",
    "/cards/",
    "/m/no-such-code/",
    "/join/no-such-token/",
    "/members/999999/",
]
PHONE_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
DESKTOP_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/130.0 Safari/537.36"
# Not pages: signing out ends the crawl, the API answers JSON (its docs are Swagger's English page),
# static files and the language switch are not ours to read.
SKIP_PREFIXES = ("/accounts/logout", "/static/", "/i18n/", "/api/", "/admin/")
# Words that are names, not untranslated text: products people know by these names.
ALLOWED_ENGLISH = {"Microsoft Authenticator", "Google Authenticator", "English"}
# Choice values that are also the words people use (file formats, "API 接口").
ALLOWED_CODES = {"API", "CSV", "XLSX"}


class PageText(HTMLParser):
    """The text a person reads on a page (visible text and the placeholders, titles and labels of
    controls), without scripts, styles and the <code> a support person may be told; and its links."""

    HIDDEN = {"script", "style", "code", "template"}
    READ_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in self.HIDDEN:
            self._hidden += 1
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        for name in self.READ_ATTRIBUTES:
            if a.get(name):
                self.parts.append(a[name])

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)

    @property
    def text(self) -> str:
        return "\n".join(part.strip() for part in self.parts if part.strip())


def raw_words() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Two patterns: the codes stored in the data (choice values such as PENDING, event types, error
    codes) and English text (two or more English words in a row, or one English choice label)."""
    codes = set(EVENT_LABELS)
    labels: set[str] = set()
    with translation.override("en"):
        for model in apps.get_models():
            if not model.__module__.startswith("gonghui."):
                continue
            for field in model._meta.concrete_fields:
                for value, label in field.flatchoices or []:
                    if (
                        isinstance(value, str)
                        and re.fullmatch(r"[A-Z][A-Z0-9_]{2,}", value)
                        and value not in ALLOWED_CODES
                    ):
                        codes.add(value)
                    if isinstance(label, str) or hasattr(label, "_proxy____args"):
                        text = str(label)
                        if re.fullmatch(r"[A-Za-z][A-Za-z' -]{3,}", text):
                            labels.add(text)
    code_pattern = re.compile(
        r"(?<![A-Za-z0-9_])("
        + "|".join(sorted(map(re.escape, codes), key=len, reverse=True))
        + r")(?![A-Za-z0-9_])"
        r"|(?<![A-Za-z0-9_./-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![A-Za-z0-9_./-])"
    )
    english_pattern = re.compile(
        r"(?<![A-Za-z])(?:[A-Za-z][a-z']+ (?:[A-Za-z][a-z']* ?)+)(?![A-Za-z])"
        # A label inside an address (/join/…) is the address, not text.
        r"|(?<![A-Za-z/])("
        + "|".join(sorted(map(re.escape, labels), key=len, reverse=True))
        + r")(?![A-Za-z/])"
    )
    return code_pattern, english_pattern


def shape(url: str) -> str:
    """A link's shape: its path with ids as N and its query's names without their values. The calendar
    links to the next month forever and every list links to its filters, so the crawl visits a few links
    of each shape (every page kind, every filter) rather than every value."""
    parts = urlsplit(url)
    names = sorted({pair.partition("=")[0] for pair in parts.query.split("&") if pair})
    return re.sub(r"\d+", "N", parts.path) + "?" + "&".join(names)


PER_SHAPE = 2


def crawl(client, start: list[str], *, user_agent: str) -> tuple[dict[str, int], dict[str, str]]:  # type: ignore[no-untyped-def]
    """Breadth-first over same-site links from `start`: each page's status and, for HTML, its text."""
    statuses: dict[str, int] = {}
    texts: dict[str, str] = {}
    shapes: dict[str, int] = {}
    queue = deque(start)
    while queue:
        url = queue.popleft()
        if url in statuses or shapes.get(shape(url), 0) >= PER_SHAPE:
            continue
        shapes[shape(url)] = shapes.get(shape(url), 0) + 1
        response = client.get(url, headers={"user-agent": user_agent})
        statuses[url] = response.status_code
        if response.status_code in (301, 302) and response.get("Location"):
            target = urljoin(url, response["Location"])
            if not urlsplit(target).netloc and not target.startswith(SKIP_PREFIXES):
                queue.append(urldefrag(target)[0])
            continue
        if "text/html" not in response.get("Content-Type", "") or response.status_code >= 500:
            continue
        parser = PageText()
        parser.feed(response.content.decode())
        texts[url] = parser.text
        if response.status_code != 200:
            continue
        for href in parser.links:
            target = urldefrag(urljoin(url, href))[0]
            parts = urlsplit(target)
            if parts.scheme not in ("", "http") or (parts.netloc and parts.netloc != "testserver"):
                continue
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            if not local.startswith(SKIP_PREFIXES) and local not in statuses:
                queue.append(local)
    return statuses, texts


def test_it_crawls_every_page_of_every_demo_role_without_errors_or_raw_codes(personas):
    from gonghui.demo.story import load_demo_story

    load_demo_story()
    code_pattern, english_pattern = raw_words()
    problems: list[str] = []
    pages = 0
    for username in CRAWL_LOGINS:
        client = personas.client(User.objects.get(username=username))
        client.raise_request_exception = False
        home = client.get("/", headers={"user-agent": PHONE_UA})
        if home.status_code >= 500:
            problems.append(f"{username} / (phone): {home.status_code}")
        statuses, texts = crawl(client, ["/", *STRAY_URLS], user_agent=DESKTOP_UA)
        pages += len(statuses)
        print(username, len(statuses), "pages")
        for url, status in statuses.items():
            if status >= 500:
                problems.append(f"{username} {url}: {status}")
        for url, text in texts.items():
            for match in code_pattern.finditer(text):
                problems.append(f"{username} {url}: raw code {match.group(0)!r}")
            for match in english_pattern.finditer(text):
                if match.group(0).strip() not in ALLOWED_ENGLISH:
                    problems.append(f"{username} {url}: English {match.group(0).strip()!r}")
    assert pages > 10 * len(CRAWL_LOGINS)
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(sorted(set(problems)))
