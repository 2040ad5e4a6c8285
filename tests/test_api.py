"""The JSON API v1 (docs/API.md): tokens, who reads what, and responses that match the OpenAPI
document."""

from __future__ import annotations

import hashlib

from jsonschema import Draft202012Validator
from sqlalchemy import select

from smartcity.api.openapi import document
from smartcity.extensions import db
from smartcity.models import Agency, ApiToken, Assessment, AuditEvent, Period, Review, User
from smartcity.services import tokens
from smartcity.services.accounts import create_user

from .helpers import PASSWORD

# --- helpers ---------------------------------------------------------------------------------


def token_for(app, username: str, name: str = "") -> str:
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(username=username))
        secret = tokens.create_token(user, name).secret
        db.session.commit()
    return secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def response_schema(path: str, status: int) -> dict:
    """The document's schema for a response, with its components so that $refs resolve."""
    doc = document()
    content = doc["paths"][path]["get"]["responses"][str(status)]["content"]
    return {**content["application/json"]["schema"], "components": doc["components"]}


def assert_matches_document(path: str, response) -> None:
    assert response.mimetype == "application/json"
    schema = response_schema(path, response.status_code)
    Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(
        response.get_json()
    )


RESULTS = "/api/v1/periods/{year}/results"
ASSESSMENT = "/api/v1/periods/{year}/agencies/{code}/assessment"
PERIODS = "/api/v1/periods"


# --- tokens ----------------------------------------------------------------------------------


def test_a_token_is_stored_only_as_its_sha256(demo):
    secret = token_for(demo, "admin", "dashboard")
    assert secret.startswith("sc_") and len(secret) >= 40
    with demo.app_context():
        row = db.session.scalar(select(ApiToken))
        assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert row.prefix == secret[:11] and row.name == "dashboard"
        stored = [str(getattr(row, c.key)) for c in ApiToken.__table__.columns]
        assert not any(secret in value for value in stored)
        assert db.session.scalar(select(AuditEvent).filter_by(action="api_token.created"))
    assert token_for(demo, "admin") != token_for(demo, "admin")


BAD_AUTHORIZATION = [
    (None, "no header"),
    ("Bearer", "no token"),
    ("Basic YWRtaW46eA==", "another scheme"),
    ("Bearer sc_not-a-real-token", "unknown token"),
    ("Bearer not-even-our-format", "not a token of this app"),
]


def test_requests_without_a_valid_token_get_401(demo, client, auth):
    auth.login("admin")  # a logged-in session is not enough: the API reads tokens only
    for header, why in BAD_AUTHORIZATION:
        response = client.get(PERIODS, headers={"Authorization": header} if header else {})
        assert response.status_code == 401, why
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.get_json()["error"]["code"] == "unauthorized"
        assert_matches_document(PERIODS, response)


def test_a_revoked_token_stops_working(demo, client):
    secret = token_for(demo, "admin")
    assert client.get(PERIODS, headers=bearer(secret)).status_code == 200
    with demo.app_context():
        row = db.session.scalar(select(ApiToken))
        assert row.last_used_at is not None
        assert tokens.revoke_token(row) is True
        assert tokens.revoke_token(row) is False  # already revoked
        db.session.commit()
    assert client.get(PERIODS, headers=bearer(secret)).status_code == 401


def test_the_token_of_an_inactive_user_stops_working(demo, client):
    secret = token_for(demo, "evaluator")
    with demo.app_context():
        db.session.scalar(select(User).filter_by(username="evaluator")).active = False
        db.session.commit()
    assert client.get(PERIODS, headers=bearer(secret)).status_code == 401


def test_tokens_on_the_command_line(demo, runner, client):
    created = runner.invoke(args=["token", "create", "pimpinan", "--name", "laporan"])
    assert created.exit_code == 0, created.output
    secret = created.stdout.strip()
    assert secret.startswith("sc_") and "\n" not in secret  # only the token on standard output
    assert client.get(PERIODS, headers=bearer(secret)).status_code == 200
    listed = runner.invoke(args=["token", "list"])
    assert secret[:11] in listed.output and secret not in listed.output
    assert runner.invoke(args=["token", "create", "nobody"]).exit_code != 0
    revoked = runner.invoke(args=["token", "revoke", secret[:11]])
    assert revoked.exit_code == 0, revoked.output
    assert client.get(PERIODS, headers=bearer(secret)).status_code == 401
    assert runner.invoke(args=["token", "revoke", "sc_nothing"]).exit_code != 0
    # by the whole secret, or by the id `token list` shows
    for reference in ("secret", "id"):
        other = token_for(demo, "admin")
        with demo.app_context():
            token_id = tokens.find_token(other).id
        target = other if reference == "secret" else str(token_id)
        assert runner.invoke(args=["token", "revoke", target]).exit_code == 0
        assert client.get(PERIODS, headers=bearer(other)).status_code == 401


def test_admins_create_and_revoke_tokens_in_the_ui(demo, client, auth):
    auth.login("admin")
    with demo.app_context():
        viewer = db.session.scalar(select(User).filter_by(username="pimpinan"))
    page = client.post("/admin/tokens", data={"user_id": viewer.id, "name": "<b>rapat</b>"})
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    secret = html.split('data-testid="token-secret"')[0].rsplit('value="', 1)[1].split('"')[0]
    assert secret.startswith("sc_")
    assert "&lt;b&gt;rapat&lt;/b&gt;" in html and "<b>rapat</b>" not in html
    assert client.get(PERIODS, headers=bearer(secret)).status_code == 200
    # shown once: the list never shows it again
    assert secret not in client.get("/admin/tokens").get_data(as_text=True)
    with demo.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    assert client.post(f"/admin/tokens/{token_id}/revoke").status_code == 303
    assert client.get(PERIODS, headers=bearer(secret)).status_code == 401
    with demo.app_context():
        actions = set(db.session.scalars(select(AuditEvent.action)))
        assert {"api_token.created", "api_token.revoked"} <= actions


# --- who reads what --------------------------------------------------------------------------

# token of -> (URL, expected status); an agency's token reads only its own agency
PERMISSIONS = {
    "diskominfo": (200, 200, 404, 200, 404, 404),
    "dinkes": (200, 200, 404, 404, 200, 404),
    "evaluator": (200, 200, 404, 200, 200, 404),
    "admin": (200, 200, 404, 200, 200, 404),
    "pimpinan": (200, 200, 404, 200, 200, 404),
}
URLS = (
    (PERIODS, PERIODS),
    (RESULTS, "/api/v1/periods/2026/results"),
    (RESULTS, "/api/v1/periods/1999/results"),
    (ASSESSMENT, "/api/v1/periods/2026/agencies/DISKOMINFO/assessment"),
    (ASSESSMENT, "/api/v1/periods/2026/agencies/DINKES/assessment"),
    (ASSESSMENT, "/api/v1/periods/2026/agencies/NOPE/assessment"),
)


def test_permission_matrix(demo, client):
    """Every token against every URL of the table; each response also matches the document."""
    got = {}
    for user in PERMISSIONS:
        headers = bearer(token_for(demo, user))
        statuses = []
        for template, url in URLS:
            response = client.get(url, headers=headers)
            assert_matches_document(template, response)
            statuses.append(response.status_code)
        got[user] = tuple(statuses)
    assert got == PERMISSIONS


def test_an_agency_token_sees_only_its_own_results(demo, client):
    body = client.get(
        "/api/v1/periods/2026/results", headers=bearer(token_for(demo, "dinkes"))
    ).get_json()
    assert [agency["code"] for agency in body["agencies"]] == ["DINKES"]
    region = client.get(
        "/api/v1/periods/2026/results", headers=bearer(token_for(demo, "pimpinan"))
    ).get_json()
    with demo.app_context():
        count = db.session.query(Assessment).join(Period).filter(Period.year == 2026).count()
    assert len(region["agencies"]) == count > 1


def test_final_results_match_the_documents_and_the_pages(demo_history, client):
    """2025 is final: verified indices, levels and evidence files, all matching the document."""
    secret = token_for(demo_history, "pimpinan")
    results = client.get("/api/v1/periods/2025/results", headers=bearer(secret))
    assert_matches_document(RESULTS, results)
    agencies = {a["code"]: a for a in results.get_json()["agencies"]}
    assert {a["status"] for a in agencies.values()} == {"final"}
    kominfo = agencies["DISKOMINFO"]
    assert kominfo["overall"]["verified_index"] is not None
    assert kominfo["overall"]["final_index"] == kominfo["overall"]["verified_index"]
    assert 1 <= kominfo["overall"]["maturity"]["level"] <= 5

    detail = client.get(
        "/api/v1/periods/2025/agencies/DISKOMINFO/assessment", headers=bearer(secret)
    )
    assert_matches_document(ASSESSMENT, detail)
    body = detail.get_json()
    assert body["overall"] == kominfo["overall"]
    assert any(answer["evidence"] for answer in body["answers"])
    # the same index as the result page shows
    with demo_history.app_context():
        from smartcity.domain.scoring import display_index
        from smartcity.services.review import scores

        assessment = db.session.scalar(
            select(Assessment)
            .join(Agency)
            .join(Period)
            .filter(Agency.code == "DISKOMINFO", Period.year == 2025)
        )
        shown = display_index(scores(assessment).verified.index)
    assert f"{kominfo['overall']['verified_index']:.2f}" == shown


# while the review runs, its verified levels and notes are for admins and its evaluators only
REVIEW_VISIBLE = [
    ("admin", True),
    ("evaluator", True),
    ("pimpinan", False),
    ("diskominfo", False),
    # an evaluator not assigned to it, or one who belongs to it, reads it like anyone else
    ("evaluator2", False),
    ("kominfo-eval", False),
]


def test_verified_levels_during_review(demo, client):
    with demo.app_context():
        create_user("kominfo-eval", "evaluator", PASSWORD, agency_code="DISKOMINFO")
        create_user("evaluator2", "evaluator", PASSWORD)
        assessment = db.session.scalar(
            select(Assessment)
            .join(Agency)
            .join(Period)
            .filter(Agency.code == "DISKOMINFO", Period.year == 2026)
        )
        assessment.status = "in_review"
        db.session.add(
            Review(
                assessment_id=assessment.id,
                indicator_code="GOV-01",
                verified_level=2,
                note="=bukti kurang",
            )
        )
        db.session.commit()
    for user, visible in REVIEW_VISIBLE:
        response = client.get(
            "/api/v1/periods/2026/agencies/DISKOMINFO/assessment",
            headers=bearer(token_for(demo, user)),
        )
        assert_matches_document(ASSESSMENT, response)
        answers = response.get_json()["answers"]
        answer = next(a for a in answers if a["indicator_code"] == "GOV-01")
        assert (answer["verified_level"], answer["evaluator_note"]) == (
            (2, "=bukti kurang") if visible else (None, "")
        ), user


# --- errors ----------------------------------------------------------------------------------

ERRORS = [
    ("POST", "/api/v1/periods", 405, "method_not_allowed"),
    ("DELETE", "/api/v1/periods/2026/results", 405, "method_not_allowed"),
    ("PUT", "/api/v1/periods/2026/agencies/DINKES/assessment", 405, "method_not_allowed"),
    ("GET", "/api/v1/no-such-thing", 404, "not_found"),
    ("GET", "/api/v1/periods/-3/results", 404, "not_found"),
    ("GET", "/api/v1/periods/99999999999999999999999/results", 404, "not_found"),
    ("GET", "/api/v1/periods/2026/agencies/a%0Ab/assessment", 404, "not_found"),
    ("GET", "/api/v1/periods/2026/agencies/a%00b/assessment", 404, "not_found"),
    ("GET", "/api/v1/periods/2026/agencies/" + "X" * 41 + "/assessment", 404, "not_found"),
    ("POST", "/api/v1/", 404, "not_found"),
]


def test_errors_are_json_with_a_code(demo, client):
    headers = bearer(token_for(demo, "admin"))
    for method, url, status, code in ERRORS:
        response = client.open(url, method=method, headers=headers)
        assert response.status_code == status, url
        error = response.get_json()["error"]
        assert error["code"] == code and error["message"] and error["request_id"]
        if status == 405:
            assert "GET" in response.headers["Allow"]


def test_an_unexpected_failure_is_a_json_500_without_details(demo, client, monkeypatch):
    from smartcity.services import exports

    def broken(*args, **kwargs):
        raise RuntimeError("secret detail")

    monkeypatch.setattr(exports, "load_period", broken)
    response = client.get("/api/v1/periods/2026/results", headers=bearer(token_for(demo, "admin")))
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "internal_error"
    assert "secret detail" not in response.get_data(as_text=True)
    assert_matches_document(RESULTS, response)


def test_the_api_is_rate_limited(demo, client):
    demo.config["API_RATE_LIMIT"] = "3 per minute"
    headers = bearer(token_for(demo, "admin"))
    statuses = [client.get(PERIODS, headers=headers).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    last = client.get(PERIODS, headers=headers)
    assert last.get_json()["error"]["code"] == "too_many_requests"


def test_the_openapi_document_is_public_and_describes_every_api_route(app, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["openapi"].startswith("3.1")
    assert doc["components"]["securitySchemes"]["bearerToken"]["scheme"] == "bearer"
    documented = {path.replace("{", "<").replace("}", ">") for path in doc["paths"]}
    routes = {
        rule.rule.replace("<int:", "<")
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        and rule.endpoint not in ("api.openapi_document", "api.unknown")
    }
    assert routes == documented


def test_the_tokens_page_shows_the_header_to_send_as_text(demo, client, auth):
    """Issue 15 item 8: `<token>` is shown, not swallowed by the browser as an HTML tag."""
    auth.login("admin")
    html = client.get("/admin/tokens").get_data(as_text=True)
    assert "Authorization: Bearer &lt;token&gt;" in html
    assert "<token>" not in html
