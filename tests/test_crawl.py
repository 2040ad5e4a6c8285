"""Every demo role, crawled through the pages it is shown (tests/crawl.py).

- No role is shown a link or a button it may not use: nothing answers 403 (issue 15, item 3).
- No English is left in the Indonesian interface: every page of every role, read in
  Indonesian, has none of the English interface words below, once what people typed and the
  questionnaire's own texts are taken out (issue 17).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import String, Text, select

from smartcity.extensions import db
from smartcity.factory import create_app
from smartcity.models import Agency, Assessment, Period, User

from .crawl import Crawler, log_in, words
from .databases import TEST_CONFIG
from .helpers import PASSWORD, redis_or_none, wait_for_print_jobs

# the demo's roles: the leadership, an agency's operator and head, the team's chair (the head
# of Bapperida), the evaluator and the administrator (last: its buttons change the most)
ROLES = ("pimpinan", "diskominfo", "kepala-diskominfo", "kepala-bapperida", "evaluator", "admin")

# English interface words that have no place in an Indonesian page (words Indonesian shares
# with English, such as "status", "final", "data", "total", "valid" or "evaluator", are not here)
ENGLISH = frozenset(
    """
    the and with from your you this that these those are was were not yes
    level levels kind language document documents superseded revoked report reports certificate
    region agency agencies viewer open closed draft submitted returned verified review reviews
    signature signed signing content added after before page pages download upload answer
    answers question questions deadline period periods predicate maturity score indicator
    indicators evidence file files search user users role password save saved cancel back next
    previous home settings number date name value values result results dimension dimensions
    overall weight print issue issued head team chair approve approved approval minutes
    follow obstacles achievements notes note comment comments show hide open change changed
    """.split()
)


def user_data() -> list[str]:
    """Everything people typed or uploaded, and the questionnaires' own texts: not interface."""
    from smartcity.services.instruments import instrument_of

    skipped_tables = {"notifications", "audit_events", "alembic_version", "print_jobs"}
    skipped_columns = {
        "status", "action", "subject_type", "kind", "role", "language", "media_type",
        "agency_role", "side", "what", "runner", "from_status", "to_status", "emblem_type",
        "numbering", "summary", "source", "password_hash", "token_hash", "sha256",
        "fingerprint", "archive", "archive_sha256", "subject", "old_value", "new_value",
    }  # fmt: skip
    found: set[str] = set()
    for table in db.metadata.sorted_tables:
        if table.name in skipped_tables:
            continue
        for column in table.columns:
            if column.name in skipped_columns or not isinstance(column.type, String | Text):
                continue
            for (value,) in db.session.execute(select(column).distinct()):
                if isinstance(value, str) and len(value.strip()) > 1:
                    found.add(" ".join(value.split()))
    for period in db.session.scalars(select(Period)):
        found |= _instrument_texts(instrument_of(period.instrument_version))
    return sorted(found, key=len, reverse=True)


def _instrument_texts(instrument) -> set[str]:
    texts: set[str] = set()

    def add(text) -> None:
        if text is None:
            return
        for value in (getattr(text, "id", None), getattr(text, "en", None)):
            if value:
                texts.add(" ".join(value.split()))

    add(instrument.title)
    add(instrument.description)
    for entry in instrument.level_names:
        add(entry.name)
    for band in instrument.maturity_bands:
        add(band.name)
    for dimension in instrument.dimensions:
        add(dimension.name)
        add(getattr(dimension, "description", None))
        for sub in getattr(dimension, "sub_elements", ()) or ():
            add(sub.name)
        for indicator in dimension.indicators:
            add(indicator.question)
            add(indicator.explanation)
            add(getattr(indicator, "evidence_hint", None))
            for level in indicator.level_numbers:
                add(indicator.descriptor(level))
            for option in getattr(indicator, "options", ()) or ():
                add(option.label)
            for text in (getattr(indicator, "evidence_by_level", None) or {}).values():
                add(text)
    return texts


def issue_demo_documents(app) -> None:
    """A report, a certificate and the region recap of 2025, so their links are on the pages."""
    from smartcity.services import documents

    with app.test_request_context():
        admin = db.session.scalar(select(User).filter_by(username="admin"))
        period = db.session.scalar(select(Period).filter_by(year=2025))
        period.certificate_min_level = 0
        db.session.commit()
        assessment = db.session.scalar(
            select(Assessment)
            .join(Agency)
            .filter(Agency.code == "DISKOMINFO", Assessment.period_id == period.id)
        )
        documents.issue_final_documents(assessment, admin)
        documents.issue_period_documents(period, admin)


def crawl_as(app, username: str) -> Crawler:
    client = app.test_client()
    log_in(client, username, PASSWORD)
    crawler = Crawler(app, client)
    crawler.crawl("/")
    return crawler


REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture(scope="module")
def crawled(databases) -> Iterator[tuple[dict[str, Crawler], list[str]]]:
    """Every role crawled once, in ROLES order, on a copy of the demo with 2025 (each role's
    buttons pressed after its pages were read): ({username: crawler}, what people typed).

    Print jobs the admin's buttons start wait on a Redis queue of their own that no worker
    reads (printing is tests/test_print_jobs.py's); without Redis they run in a thread."""
    url = databases.fresh("demo_history")
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    queue = f"smartcity-crawl-{uuid.uuid4().hex[:8]}"
    redis = redis_or_none(REDIS_URL)
    if redis is not None:
        app.config.update(REDIS_URL=REDIS_URL, PRINT_QUEUE=queue)
    try:
        issue_demo_documents(app)
        crawlers = {username: crawl_as(app, username) for username in ROLES}
        with app.app_context():
            known = user_data()
        yield crawlers, known
    finally:
        wait_for_print_jobs()
        if redis is not None:
            for key in redis.scan_iter(f"rq:*{queue}*"):
                redis.delete(key)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        databases.drop(url)


def test_no_role_is_shown_a_link_or_a_button_it_may_not_use(crawled):
    crawlers, _known = crawled
    forbidden = []
    for username, crawler in crawlers.items():
        assert len(crawler.pages) > 5, username
        forbidden += [
            f"{username}: {page.method} {page.url} (shown on {page.found_on})"
            for page in crawler.pages
            if page.status == 403
        ]
    assert forbidden == []


def english_words_in(text: str, known: list[str]) -> list[str]:
    for value in known:
        if value in text:
            text = text.replace(value, " ")
    return sorted({word for word in words(text) if word in ENGLISH})


def test_the_indonesian_interface_has_no_english_words(crawled):
    crawlers, known = crawled
    found: dict[str, list[str]] = {}
    for username, crawler in crawlers.items():
        for page in crawler.pages:
            if page.status != 200 or not page.content_type.startswith("text/html"):
                continue
            english = english_words_in(page.text, known)
            if english:
                found[f"{username} {page.url}"] = english
    assert found == {}


@pytest.mark.parametrize(
    ("text", "english"),
    [
        ("Dokumen diterbitkan · kind: certificate", ["certificate", "kind"]),
        ("Tingkat 2 (Terkelola) · Jalur peningkatan", []),
        ("Status final · data valid", []),
    ],
)
def test_the_english_check_finds_english_words(text, english):
    assert english_words_in(text, []) == english


def test_what_people_typed_is_not_taken_for_interface_text():
    typed = "Laporan the quarterly report of the agency"
    assert english_words_in(f"Justifikasi: {typed}", [typed]) == []
