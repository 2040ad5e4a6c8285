"""An HTTP crawler for the tests: log in as a demo user and follow what the pages show.

It follows every link (`<a href>`) to a page of the app and, once the pages are seen, submits
every form (button) it found with the values the page filled in. It records each answer, so a
test can ask "did anything answer 403?" (issue 15: no role is shown a link or a button it may
not use) or read every page's text ("no English left in the Indonesian interface").

Kept bounded: each kind of page (endpoint) is visited for at most `per_endpoint` different
objects (an assessment, an agency, ...), which covers every kind of page a role reaches
without reading every one of the region's agencies; query strings that only sort or page a
list count as the same page. Logging out and switching the language are never followed, and
a form is submitted after the pages are crawled, so a change it makes (a status moved on)
does not hide pages from the crawl.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import MethodNotAllowed, NotFound

# never followed: they end the session or change the language of the crawl
SKIPPED_ENDPOINTS = frozenset({"auth.logout", "auth.switch_language", "static"})
# query parameters that only order or page a list: the same page for the crawl
LIST_PARAMETERS = frozenset({"page", "sort", "dir"})
# the texts of these elements are not interface text
HIDDEN_TAGS = frozenset({"script", "style", "template"})
# attributes people read (or hear, with a screen reader)
READ_ATTRIBUTES = ("aria-label", "title", "alt", "placeholder")


@dataclass
class Form:
    method: str
    action: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    found_on: str = ""


@dataclass
class Page:
    url: str
    status: int
    content_type: str
    text: str = ""  # what a person reads: element texts and READ_ATTRIBUTES
    # the texts inside elements marked data-user-text: what users typed, not the interface
    user_text: list[str] = field(default_factory=list)
    method: str = "GET"
    found_on: str = ""


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[Form] = []
        self.texts: list[str] = []
        self.user_texts: list[str] = []
        self._hidden = 0
        self._user = 0
        self._stack: list[tuple[str, bool, bool]] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._select_value: str | None = None
        self._textarea: str | None = None
        self._textarea_text: list[str] = []

    # -- structure
    def handle_starttag(self, tag, attrs):  # noqa: C901 - one branch per element kind
        attributes = dict(attrs)
        hidden = tag in HIDDEN_TAGS
        user = "data-user-text" in attributes
        if tag not in ("input", "img", "br", "hr", "meta", "link", "source", "col", "wbr"):
            self._stack.append((tag, hidden, user))
            self._hidden += hidden
            self._user += user
        for name in READ_ATTRIBUTES:
            if attributes.get(name) and not self._hidden:
                (self.user_texts if self._user or user else self.texts).append(attributes[name])
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        elif tag == "form":
            self._form = Form(
                method=(attributes.get("method") or "get").upper(),
                action=attributes.get("action") or "",
            )
            self.forms.append(self._form)
        elif tag == "input" and self._form is not None:
            kind = (attributes.get("type") or "text").lower()
            name = attributes.get("name")
            if kind in ("submit", "button") and attributes.get("value") and not self._hidden:
                self.texts.append(attributes["value"])
            if not name or kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attributes:
                return
            self._form.fields.append(
                (name, attributes.get("value") or ("on" if kind == "checkbox" else ""))
            )
        elif tag == "select" and self._form is not None:
            self._select, self._select_value = attributes.get("name"), None
        elif tag == "option" and self._select is not None:
            if self._select_value is None or "selected" in attributes:
                self._select_value = attributes.get("value", "")
        elif tag == "textarea" and self._form is not None:
            self._textarea, self._textarea_text = attributes.get("name"), []
        elif tag == "button" and self._form is not None:
            if attributes.get("name") and not any(
                n == attributes["name"] for n, _ in self._form.fields
            ):
                self._form.fields.append((attributes["name"], attributes.get("value", "")))

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None:
            if self._form is not None and self._select and self._select_value is not None:
                self._form.fields.append((self._select, self._select_value))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            if self._form is not None and self._textarea:
                self._form.fields.append((self._textarea, "".join(self._textarea_text)))
            self._textarea = None
        elif tag == "form":
            self._form = None
        # close up to the matching tag (HTML lets some end tags out)
        for position in range(len(self._stack) - 1, -1, -1):
            if self._stack[position][0] == tag:
                for _tag, hidden, user in self._stack[position:]:
                    self._hidden -= hidden
                    self._user -= user
                del self._stack[position:]
                break

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea_text.append(data)
            return
        if self._hidden or not data.strip():
            return
        (self.user_texts if self._user else self.texts).append(data)


def parse(html: str) -> _Parser:
    parser = _Parser()
    parser.feed(html)
    parser.close()
    return parser


class Crawler:
    """Crawls the app as one logged-in user (a Flask test client)."""

    def __init__(self, app, client, per_endpoint: int = 3) -> None:
        self.app = app
        self.client = client
        self.per_endpoint = per_endpoint
        self.pages: list[Page] = []
        self.forms: list[Form] = []
        self._adapter = app.url_map.bind("localhost")

    def endpoint_of(self, path: str, method: str = "GET") -> str | None:
        try:
            endpoint, _args = self._adapter.match(path, method=method)
        except (NotFound, MethodNotAllowed):
            return None
        except Exception:  # noqa: BLE001 - a redirect rule (trailing slash) and the like
            return None
        return endpoint

    def _key(self, url: str) -> str:
        parts = urlsplit(url)
        query = [(k, v) for k, v in parse_qsl(parts.query) if k not in LIST_PARAMETERS]
        return parts.path + ("?" + urlencode(sorted(query)) if query else "")

    def _local(self, base: str, href: str) -> str | None:
        if href.startswith(("mailto:", "tel:", "javascript:", "#", "data:")):
            return None
        absolute = urljoin("http://localhost" + base, href)
        parts = urlsplit(absolute)
        if parts.netloc not in ("localhost", "") or not parts.path.startswith("/"):
            return None
        return parts.path + ("?" + parts.query if parts.query else "")

    def crawl(self, start: str = "/") -> list[Page]:
        seen: set[str] = set()
        per_endpoint: Counter[str] = Counter()
        queue: deque[tuple[str, str]] = deque([(start, "")])
        submitted: set[tuple[str, str]] = set()
        while queue:
            url, found_on = queue.popleft()
            key = self._key(url)
            if key in seen:
                continue
            endpoint = self.endpoint_of(urlsplit(url).path)
            if endpoint is None or endpoint in SKIPPED_ENDPOINTS:
                continue
            if per_endpoint[endpoint] >= self.per_endpoint:
                continue
            seen.add(key)
            per_endpoint[endpoint] += 1
            page = self._get(url, found_on)
            if page is None:
                continue
            for href in page.links:
                target = self._local(url, href)
                if target is not None:
                    queue.append((target, url))
            for form in page.forms:
                form.found_on = url
                action = self._local(url, form.action or url)
                if action is None:
                    continue
                form.action = action
                if form.method == "GET":
                    query = urlencode([(k, v) for k, v in form.fields if v])
                    target = action.split("?")[0] + ("?" + query if query else "")
                    queue.append((target, url))
                elif (form.action, form.method) not in submitted:
                    submitted.add((form.action, form.method))
                    self.forms.append(form)
        for form in self.forms:
            self._post(form)
        return self.pages

    def _get(self, url: str, found_on: str):
        response = self.client.get(url)
        content_type = response.headers.get("Content-Type", "")
        page = Page(url, response.status_code, content_type, found_on=found_on)
        self.pages.append(page)
        html = content_type.startswith("text/html") and response.status_code == 200
        body = response.get_data(as_text=True) if html else ""
        response.close()  # a file download streams from an open file
        if not html:
            return None
        parsed = parse(body)
        page.text = " ".join(" ".join(parsed.texts).split())
        page.user_text = [" ".join(t.split()) for t in parsed.user_texts if t.strip()]
        page.links = parsed.links  # type: ignore[attr-defined]
        page.forms = parsed.forms  # type: ignore[attr-defined]
        return page

    def _post(self, form: Form) -> None:
        endpoint = self.endpoint_of(urlsplit(form.action).path, "POST")
        if endpoint is None or endpoint in SKIPPED_ENDPOINTS:
            return
        response = self.client.post(form.action, data=MultiDict(form.fields))
        response.close()
        self.pages.append(
            Page(
                form.action,
                response.status_code,
                response.headers.get("Content-Type", ""),
                method="POST",
                found_on=form.found_on,
            )
        )


def log_in(client, username: str, password: str) -> None:
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code in (302, 303), f"{username} could not log in"


WORD = re.compile(r"\b[A-Za-z][A-Za-z'-]*\b")  # whole words: not "password" in "password123"


def words(text: str) -> list[str]:
    return [match.group(0).lower() for match in WORD.finditer(text)]
