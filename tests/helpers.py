"""Helpers shared by test modules: test modules import from here, never from each other."""

from __future__ import annotations

import io
import re
import socket
import struct
import textwrap
import zipfile
import zlib
from pathlib import Path

import pypdf
import pytest
from flask.testing import FlaskClient
from openpyxl import Workbook
from sqlalchemy import select

from smartcity import pdf
from smartcity.domain.workflow import Status
from smartcity.extensions import db
from smartcity.models import Agency, Answer, Assessment, AuditEvent, Evidence, Period, User
from smartcity.services import assessments as assessment_service
from smartcity.services import evidence as evidence_service
from smartcity.services import workflow
from smartcity.services.accounts import create_user
from smartcity.services.assessments import AnswerInput, instrument_for

PASSWORD = "demo-password-2026"


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, username: str, password: str = PASSWORD):
        return self.client.post("/login", data={"username": username, "password": password})

    def logout(self):
        return self.client.post("/logout")

    def session_of(self, username: str) -> None:
        """Logged in as `username` as the log-in form leaves it (`security.log_in`: a session
        recorded on the server, the cookie's keys), without the form's password check and
        log-in limits: for the access matrix's thousands of cases. The form itself is tested
        where logging in is the subject."""
        from flask import session

        from smartcity.security import log_in

        app, environ = self.client.application, self.client.environ_base
        # a request from the client's address and browser: Flask-Login's "strong" protection
        # ties the session to them
        with app.test_request_context(environ_base=environ):
            user = db.session.scalar(select(User).filter_by(username=username, active=True))
            assert user is not None, username
            log_in(user)
            logged_in = dict(session)
        with self.client.session_transaction() as cookie:
            cookie.clear()
            cookie.update(logged_in)


# --- the states test databases start from (tests/databases.py) ------------------------------


def seed_demo(app) -> None:
    """The demo region's open 2026 period, every demo user's password PASSWORD."""
    from smartcity.seed import seed_demo_region

    seed_demo_region(PASSWORD, history=False)


def seed_demo_history(app) -> None:
    """The demo as `flask seed-demo` makes it, with the completed 2025 period."""
    from smartcity.seed import seed_demo_region

    seed_demo_region(PASSWORD, history=True)


def seed_national_demo(app) -> None:
    """`flask seed-demo --national` on the demo: the ministry's users, five more regions and
    the finished national year 2025 (every password PASSWORD)."""
    result = app.test_cli_runner().invoke(args=["seed-demo", "--national", "--password", PASSWORD])
    assert result.exit_code == 0, result.output


def add_extra_evaluators(app) -> None:
    """evaluator2 (assigned nowhere) and kominfo-eval (a Diskominfo member assigned to Dinkes)."""
    from smartcity.models import EvaluatorAssignment
    from smartcity.services.review import assign

    with app.app_context():
        create_user("evaluator2", "evaluator", PASSWORD, full_name="Evaluator Dua")
        member = create_user("kominfo-eval", "evaluator", PASSWORD, agency_code="DISKOMINFO")
        period = db.session.scalar(select(Period).filter_by(year=2026))
        admin = db.session.scalar(select(User).filter_by(username="admin"))
        agencies = {a.code: a for a in db.session.scalars(select(Agency))}
        assign(period, agencies["DINKES"], member, admin)
        # even a stray assignment row does not let a member review their own agency
        db.session.add(
            EvaluatorAssignment(
                period_id=period.id, agency_id=agencies["DISKOMINFO"].id, evaluator_id=member.id
            )
        )
        db.session.commit()


# the second region of tests/test_tenancy.py: what only it has, to look for on the first's pages
SECOND_REGION = "62.01"
SECOND_REGION_MARKS = (
    "Dinas Kominfo Kobar",
    "Sutrisno Kobar",
    "Administrator Kobar",
    "Evaluator Kobar",
    "Pimpinan Kobar",
    "Operator Kobar",
    "Jawaban rahasia Kobar",
    "Perbup rahasia Kobar",  # its national submission's answer and programmes
    "Program rahasia Kobar",
)
MINISTRY = ("kementerian-admin", "kementerian-evaluator", "kementerian-pimpinan")


def add_second_region(app) -> None:
    """Kabupaten Kotawaringin Barat (62.01) beside the demo: an agency with the demo's code
    DISKOMINFO, its operator and head, an administrator, evaluator and viewer, periods 2025
    (final, with its signed documents) and 2026 (a draft with evidence); and the ministry's
    three users. The demo's own 2025 documents are issued too."""
    import random

    from smartcity.models import AgencyDimension
    from smartcity.region_context import working_in
    from smartcity.seed.national import synthetic_final
    from smartcity.services import documents, periods, regions
    from smartcity.services.instruments import DEMO_INSTRUMENT, instrument_of, register_instrument
    from smartcity.services.review import assign

    with app.test_request_context():
        demo_admin = db.session.scalar(select(User).filter_by(username="admin"))
        demo_2025 = db.session.scalar(select(Period).filter_by(year=2025))
        demo_2025.certificate_min_level = 0
        own = db.session.scalar(
            select(Assessment)
            .join(Agency)
            .filter(Agency.code == "DISKOMINFO", Assessment.period_id == demo_2025.id)
        )
        documents.issue_final_documents(own, demo_admin)
        region = regions.create_region(
            SECOND_REGION,
            name="Kabupaten Kotawaringin Barat",
            kind="kabupaten",
            province_code="62",
            seat="Pangkalan Bun",
        )
        for username, role, name in (
            ("kementerian-admin", "ministry-admin", "Administrator Kementerian"),
            ("kementerian-evaluator", "ministry-evaluator", "Evaluator Kementerian"),
            ("kementerian-pimpinan", "national-viewer", "Pimpinan Kementerian"),
        ):
            create_user(username, role, PASSWORD, full_name=name)
        db.session.commit()
        with working_in(region.id):
            agency = Agency(
                region_id=region.id,
                code="DISKOMINFO",
                name="Dinas Kominfo Kobar",
                head_name="Sutrisno Kobar",
                dimension_links=[AgencyDimension(dimension_code="GOV", position=0)],
            )
            db.session.add(agency)
            db.session.flush()
            admin = create_user("b-admin", "admin", PASSWORD, full_name="Administrator Kobar")
            evaluator = create_user(
                "b-evaluator", "evaluator", PASSWORD, full_name="Evaluator Kobar"
            )
            create_user("b-pimpinan", "viewer", PASSWORD, full_name="Pimpinan Kobar")
            create_user(
                "b-operator",
                "agency",
                PASSWORD,
                agency_code="DISKOMINFO",
                full_name="Operator Kobar",
            )
            head = create_user(
                "b-kepala", "agency", PASSWORD, agency_code="DISKOMINFO", full_name="Sutrisno Kobar"
            )
            head.agency_role = "head"
            version = register_instrument(
                DEMO_INSTRUMENT.read_text(encoding="utf-8"), str(DEMO_INSTRUMENT)
            )
            for year in (2025, 2026):
                period, _ = periods.open_period(year, version)
                periods.open_assessments_for_all(period)
                assign(period, agency, evaluator, admin)
            db.session.flush()
            old, new = (
                db.session.scalar(select(Assessment).join(Period).filter(Period.year == year))
                for year in (2025, 2026)
            )
            synthetic_final(old, instrument_of(version), 3, random.Random(2025))
            for answer in db.session.scalars(select(Answer).filter_by(assessment_id=old.id)):
                answer.justification = "Jawaban rahasia Kobar"
            db.session.commit()
            old_period = old.period
            old_period.certificate_min_level = 0
            documents.issue_final_documents(old, admin)
            evidence_service.attach(new, head, "GOV-01", "sk-kobar.pdf", io.BytesIO(pdf_bytes()))
            db.session.commit()
        _national_submissions(
            {"62.02": (demo_admin, "Sampit"), SECOND_REGION: (admin, "rahasia Kobar")}
        )


def _national_submissions(regions_and_admins: dict) -> None:
    """A national period 2026 with the example instrument and, in each region, a draft
    submission: answers, an evidence file, a programme and a quick win, its 2025 agencies."""
    from smartcity.models import ProgrammeKind, Region
    from smartcity.region_context import working_in
    from smartcity.services import national_evaluation as ne
    from smartcity.services.assessments import AnswerInput
    from smartcity.services.instruments import register_instrument

    source = Path("smartcity/instruments/contoh-evaluasi-nasional.yaml")
    version = register_instrument(source.read_text(encoding="utf-8"), source.name)
    ministry = db.session.scalar(select(User).filter_by(username="kementerian-admin"))
    period = ne.open_national_period(2026, version, ministry)
    for code, (admin, mark) in regions_and_admins.items():
        region = db.session.scalar(select(Region).filter_by(code=code))
        with working_in(region.id):
            submission = ne.ensure_submission(period, region)
            ne.save_answers(submission, admin, {"GOV-01": AnswerInput(2, False, f"Perbup {mark}")})
            ne.attach_evidence(submission, admin, "GOV-01", "perbup.pdf", io.BytesIO(pdf_bytes()))
            for kind in ProgrammeKind:
                ne.add_programme(
                    submission, admin, ne.ProgrammeInput(kind, "GOV", f"Program {mark} {kind}")
                )
            ne.attach_agencies(submission, admin, 2025)


def queries_during(app, work) -> int:
    """How many SQL statements `work()` sends to the app's database."""
    from sqlalchemy import event

    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        with app.app_context():
            work()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def counted_requests(app, client, urls: list[str]) -> dict[str, int]:
    """URL -> the SQL statements of its second GET (the first warms the caches); each must
    answer 200."""
    from sqlalchemy import event

    counts = {}
    with app.app_context():
        engine = db.engine
    for url in urls:
        assert client.get(url).status_code == 200, url
        statements: list[str] = []

        def count(conn, cursor, statement, *args, into=statements):
            into.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        try:
            assert client.get(url).status_code == 200, url
        finally:
            event.remove(engine, "before_cursor_execute", count)
        counts[url] = len(statements)
    return counts


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token in the page"
    return match.group(1)


def assessment_of(app, code: str, year: int = 2026) -> Assessment:
    with app.app_context():
        return db.session.scalar(
            select(Assessment)
            .join(Agency)
            .join(Period)
            .filter(Agency.code == code, Period.year == year)
        )


def dimension_form(app, assessment_id: int, code: str, level_for=lambda i, n: 3, text="Ada SK"):
    """Form data answering every indicator of a dimension."""
    with app.app_context():
        instrument = instrument_for(db.session.get(Assessment, assessment_id))
        data = {}
        for n, indicator in enumerate(instrument.dimension(code).indicators):
            data[f"level-{indicator.code}"] = str(level_for(indicator, n))
            data[f"justification-{indicator.code}"] = f"{text} {indicator.code}"
        return data


def checked_level(page: str, code: str) -> str | None:
    """The value of the checked level radio of an indicator on a rendered page."""
    for tag in re.findall(rf'<input[^>]*name="level-{code}"[^>]*>', page):
        if re.search(r"\schecked[\s>]", tag):
            return re.search(r'value="([^"]*)"', tag).group(1)
    return None


def stored_answers(app, assessment_id: int) -> dict[str, tuple]:
    with app.app_context():
        rows = db.session.scalars(select(Answer).filter_by(assessment_id=assessment_id))
        return {r.indicator_code: (r.level, r.not_applicable, r.justification) for r in rows}


def post_dimension(client, assessment_id: int, code: str = "GOV", data=None, files=None):
    """POST the dimension form with typed answers and {indicator code: [(bytes, name), ...]}."""
    body: dict[str, object] = dict(data or {})
    for indicator, chosen in (files or {}).items():
        body[f"evidence-{indicator}"] = [(io.BytesIO(content), name) for content, name in chosen]
    return client.post(
        f"/assessments/{assessment_id}/dimensions/{code}",
        data=body,
        content_type="multipart/form-data",
    )


def attach_sample(
    app,
    assessment_id: int,
    indicator: str = "GOV-01",
    name: str = "sk-tim.pdf",
    data: bytes | None = None,
    username: str = "diskominfo",
) -> int:
    """Attach a file through the service (as the agency's user); returns the evidence id."""
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(username=username))
        assessment = db.session.get(Assessment, assessment_id)
        row = evidence_service.attach(
            assessment, user, indicator, name, io.BytesIO(data or pdf_bytes())
        )
        return row.id


def evidence_rows(app, assessment_id: int, *, include_removed: bool = False) -> list[Evidence]:
    with app.app_context():
        query = select(Evidence).filter_by(assessment_id=assessment_id).order_by(Evidence.id)
        if not include_removed:
            query = query.filter(Evidence.deleted_at.is_(None))
        rows = list(db.session.scalars(query))
        db.session.expunge_all()
        return rows


def files_on_disk(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def fetch(client, url: str):
    """GET a file and close the response (its data read first)."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def audit_events(app, action: str, assessment_id: int) -> list[AuditEvent]:
    with app.app_context():
        rows = list(
            db.session.scalars(
                select(AuditEvent).filter_by(action=action, assessment_id=assessment_id)
            )
        )
        db.session.expunge_all()
        return rows


def set_status(app, assessment_id: int, status: str) -> None:
    with app.app_context():
        db.session.get(Assessment, assessment_id).status = status
        db.session.commit()


def pdf_bytes(text: str = "Data dukung") -> bytes:
    """A one-page PDF with a correct cross-reference table (the demo's evidence is the same)."""
    return pdf.one_page(text)


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def jpeg_bytes() -> bytes:
    """A JPEG's start: SOI and a JFIF APP0 segment, then the end marker."""
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8" + b"\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0 + b"\xff\xd9"


def xlsx_bytes() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Indikator", "Capaian"])
    sheet.append(["GOV-01", 3])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)


def zip_bytes(parts: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return out.getvalue()


def docx_bytes() -> bytes:
    return zip_bytes(
        {
            "[Content_Types].xml": CONTENT_TYPES,
            "word/document.xml": (
                '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                "<w:body><w:p><w:r><w:t>SK Tim Smart City</w:t></w:r></w:p></w:body></w:document>"
            ),
        }
    )


HTML = b"<!doctype html><html><script>alert(document.cookie)</script></html>"


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 48 + b"This program"


def operator_of(assessment: Assessment) -> User:
    """The agency's demo operator (`diskominfo`)."""
    return user_named(assessment.agency.code.lower())


def head_of(assessment: Assessment) -> User:
    """The agency's demo head (`kepala-diskominfo`), its approver."""
    return user_named(f"kepala-{assessment.agency.code.lower()}")


def answer_all(assessment: Assessment, level_for=lambda indicator: 2) -> None:
    """Answer every indicator of the agency's remit (with an evidence row where the level
    needs one), as its operator."""
    instrument = assessment_service.questionnaire(assessment)
    agency_user = operator_of(assessment)
    entries = {}
    for code in assessment_service.dimension_codes(assessment, instrument):
        for indicator in instrument.dimension(code).indicators:
            level = level_for(indicator)
            entries[indicator.code] = AnswerInput(level, False, f"Bukti {indicator.code}")
            if indicator.needs_evidence(level):
                add_evidence(assessment, indicator.code, agency_user)
    assessment_service.save_answers(assessment, agency_user, entries)


def add_evidence(assessment: Assessment, code: str, by: User, name: str = "sk.pdf") -> Evidence:
    row = Evidence(
        assessment_id=assessment.id,
        indicator_code=code,
        sha256="0" * 64,
        original_name=name,
        media_type="application/pdf",
        size=1234,
        uploaded_by_id=by.id,
    )
    db.session.add(row)
    db.session.commit()
    return row


def submit_and_approve(assessment: Assessment) -> None:
    """The operator sends it to the head ("Kirim"); the head approves ("Setujui dan kirim")."""
    assert workflow.submit(assessment, operator_of(assessment)) is True
    assert assessment.status == Status.AWAITING_APPROVAL
    assert workflow.approve(assessment, head_of(assessment), confirmed=True) is True


def chair_for(assessment: Assessment) -> User:
    """Who finalizes it: the team's chair (the head of Bapperida in the demo), or the
    vice-chair acting for the chair."""
    from smartcity.policy import acting_chair

    chair_id, _acting = acting_chair(assessment.period_id, assessment.agency_id)
    return db.session.get(User, chair_id)


def submitted(app, code: str = "DISKOMINFO", level_for=lambda indicator: 2) -> int:
    """The id of the agency's 2026 assessment, answered, sent by its operator and approved
    (so submitted to the evaluators) by its head."""
    assessment_id = assessment_of(app, code).id
    with app.test_request_context():
        assessment = db.session.get(Assessment, assessment_id)
        answer_all(assessment, level_for)
        submit_and_approve(assessment)
    return assessment_id


def pdf_text(data: bytes) -> str:
    """The document's text with runs of white space as one space (lines wrap anywhere)."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def verify_page(client, data: bytes, name: str = "laporan.pdf") -> str:
    response = client.post(
        "/verify",
        data={"document": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    return page.split('data-outcome="', 1)[1].split('"', 1)[0]


def advance(app, code: str = "DISKOMINFO", to: str = "final", level: int = 3) -> int:
    """The agency's 2026 assessment answered at `level`, approved by its head and, unless `to`
    is "submitted", verified by the evaluator and made final by the team's chair."""
    from smartcity.domain.workflow import Action
    from smartcity.services import workflow

    from .helpers import submitted

    assessment_id = submitted(app, code, level_for=lambda indicator: level)
    if to == "submitted":
        return assessment_id
    with app.test_request_context():
        assessment = db.session.get(Assessment, assessment_id)
        workflow.transition(assessment, user_named("evaluator"), Action.START_REVIEW)
        workflow.transition(assessment, user_named("evaluator"), Action.VERIFY)
        workflow.transition(assessment, user_named("kepala-bapperida"), Action.FINALIZE)
    return assessment_id


def user_named(username: str) -> User:
    return db.session.scalar(select(User).filter_by(username=username))


def handed_to_evaluators(app, code: str = "DISKOMINFO") -> int:
    """The agency's 2026 assessment answered (every level 2) and handed to its evaluators."""
    from smartcity.services import assessments
    from smartcity.services.assessments import AnswerInput

    assessment_id = assessment_of(app, code).id
    with app.test_request_context():
        assessment = db.session.get(Assessment, assessment_id)
        instrument = assessments.questionnaire(assessment)  # what this agency answers
        entries = {
            indicator.code: AnswerInput(2, False, f"Bukti {indicator.code}")
            for dimension in assessments.dimension_codes(assessment, instrument)
            for indicator in instrument.dimension(dimension).indicators
        }
        assessments.save_answers(assessment, user_named(code.lower()), entries)
        hand_in(assessment)
        assert assessment.status == "submitted"
    return assessment_id


def hand_in(assessment: Assessment) -> None:
    """The agency submits again (its head approving, where the workflow asks for that)."""
    from smartcity.services import workflow

    workflow.submit(assessment, user_named(assessment.agency.code.lower()))
    if assessment.status == "awaiting_approval":
        from smartcity.services import workflow

        head = db.session.scalar(
            select(User).filter_by(agency_id=assessment.agency_id, agency_role="head")
        )
        workflow.approve(assessment, head, True)


def finalizer_of(assessment: Assessment) -> User:
    """Whoever finalizes here: the team's acting chair where the workflow has one, else admin."""
    from smartcity import policy

    acting_chair = getattr(policy, "acting_chair", None)
    if acting_chair is not None:
        chair_id, _acting = acting_chair(assessment.period_id, assessment.agency_id)
        if chair_id is not None:
            return db.session.get(User, chair_id)
    return user_named("admin")


def png(width: int = 4, height: int = 4, tail: bytes = b"") -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height)))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
        + tail
    )


HOSTILE_SVG = b"""<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
  viewBox="0 0 10 10" onload="alert(1)">
  <script>alert(2)</script>
  <style>@import url(http://evil/x.css);</style>
  <foreignObject><div xmlns="http://www.w3.org/1999/xhtml"><script>alert(3)</script></div></foreignObject>
  <a xlink:href="javascript:alert(4)"><circle r="4"/></a>
  <image href="http://evil/x.png" width="10" height="10"/>
  <use xlink:href="http://evil/sprite.svg#x"/>
  <use xlink:href="#shape"/>
  <path id="shape" d="M0 0 L10 10" fill="url(#grad)" stroke="url(http://evil/#x)"
        style="fill:red;background:url(javascript:alert(5))" onclick="alert(6)"/>
  <animate attributeName="href" to="javascript:alert(7)"/>
  <set attributeName="onload" to="alert(8)"/>
  <text x="1" y="5">Lambang</text>
</svg>"""


SMALL = textwrap.dedent(
    """\
    code: uji-admin
    version: "2027.1"
    title: {id: Instrumen Uji, en: Test Instrument}
    dimensions:
      - code: GOV
        name: {id: Tata Kelola, en: Governance}
        weight: 1
        indicators:
          - code: GOV-01
            question: {id: "Ada kebijakan?", en: "Is there a policy?"}
            explanation: {id: Penjelasan, en: Explanation}
            weight: 2
            levels:
              1: {id: Satu, en: One}
              2: {id: Dua, en: Two}
              3: {id: Tiga, en: Three}
              4: {id: Empat, en: Four}
              5: {id: Lima, en: Five}
    """
)


# line 9 holds GOV-01's code, line 12 its weight (the report must name them)
BROKEN = SMALL.replace("- code: GOV-01", "- code: 'GOV 01'").replace("weight: 2", "weight: dua")


def colleague(app) -> tuple[FlaskClient, Auth]:
    """A second Diskominfo user, logged in in their own browser."""
    with app.app_context():
        create_user("kominfo-staf", "agency", PASSWORD, agency_code="DISKOMINFO", full_name="Rina")
        db.session.commit()
    other = app.test_client()
    session = Auth(other)
    assert session.login("kominfo-staf").status_code == 302
    return other, session


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_or_none(url: str):
    """A connection to the Redis server at `url`, or None when there is none."""
    try:
        import redis
    except ImportError:
        return None
    connection = redis.Redis.from_url(url)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        return None
    return connection


def redis_or_skip(url: str):
    connection = redis_or_none(url)
    if connection is None:
        pytest.skip("no Redis server at " + url)
    return connection


def wait_for_print_jobs() -> None:
    """Print jobs a test started in a background thread end before their database is dropped."""
    from smartcity.services import print_jobs

    for job_id in list(print_jobs._threads):
        print_jobs.wait_for_thread(job_id, timeout=120)
    print_jobs._threads.clear()
