"""Who gets what: a matrix of roles and URLs and the status each must get."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from smartcity.extensions import db
from smartcity.models import Agency, Answer, Assessment

from .helpers import assessment_of, attach_sample, stored_answers

OWN = "OWN"  # the Diskominfo assessment
OTHER = "OTHER"  # the Dinkes assessment

# evaluator2: an evaluator assigned to no agency; kominfo-eval: an evaluator who belongs to
# Diskominfo (so may not review it, even with an assignment row) and is assigned to Dinkes
ROLES = (
    "anonymous",
    "diskominfo",
    "dinkes",
    "evaluator",
    "evaluator2",
    "kominfo-eval",
    "admin",
    "pimpinan",
)


def _row(anonymous, diskominfo, dinkes, evaluator, evaluator2, kominfo_eval, admin, viewer):
    return dict(
        zip(
            ROLES,
            (anonymous, diskominfo, dinkes, evaluator, evaluator2, kominfo_eval, admin, viewer),
            strict=True,
        )
    )


# (method, url template, {role: expected status}); anonymous is sent to log in (302)
# The assessments are drafts here: review, finalize and reopen are out of order (409) for the
# reviewers, 403 for the agency that sees its own assessment, 404 for those who cannot see it.
MATRIX = [
    ("GET", "/", _row(302, 200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/login", _row(200, 302, 302, 302, 302, 302, 302, 302)),
    ("GET", "/assessments/{OWN}", _row(302, 200, 404, 200, 404, 404, 200, 200)),
    ("GET", "/assessments/{OWN}/dimensions/GOV", _row(302, 200, 404, 200, 404, 404, 200, 200)),
    ("POST", "/assessments/{OWN}/dimensions/GOV", _row(302, 303, 404, 303, 404, 404, 303, 303)),
    # autosave (JSON): 401 instead of a redirect; the agency gets past every check to the body,
    # which is not JSON here (400); those who see it but may not change it get 403
    ("POST", "/assessments/{OWN}/autosave", _row(401, 400, 404, 403, 404, 404, 403, 403)),
    ("POST", "/assessments/999999/autosave", _row(401, 404, 404, 404, 404, 404, 404, 404)),
    ("GET", "/assessments/{OWN}/dimensions/LIV", _row(302, 404, 404, 404, 404, 404, 404, 404)),
    ("GET", "/assessments/{OWN}/submit", _row(302, 200, 404, 403, 404, 404, 403, 403)),
    ("POST", "/assessments/{OWN}/submit", _row(302, 409, 404, 403, 404, 404, 403, 403)),
    ("GET", "/assessments/{OWN}/result", _row(302, 200, 404, 200, 404, 404, 200, 200)),
    ("GET", "/assessments/{OTHER}", _row(302, 404, 200, 200, 404, 200, 200, 200)),
    ("GET", "/assessments/999999", _row(302, 404, 404, 404, 404, 404, 404, 404)),
    ("GET", "/periods/2026/assessments", _row(302, 403, 403, 200, 200, 200, 200, 200)),
    ("GET", "/periods/1999/assessments", _row(302, 403, 403, 404, 404, 404, 404, 404)),
    ("GET", "/periods/2026/assignments", _row(302, 403, 403, 403, 403, 403, 200, 403)),
    ("POST", "/periods/2026/assignments", _row(302, 403, 403, 403, 403, 403, 303, 403)),
    ("GET", "/periods/1999/assignments", _row(302, 403, 403, 403, 403, 403, 404, 403)),
    ("GET", "/assessments/{OWN}/review", _row(302, 403, 404, 200, 404, 404, 200, 403)),
    ("POST", "/assessments/{OWN}/review", _row(302, 403, 404, 409, 404, 404, 409, 403)),
    ("GET", "/assessments/{OTHER}/review", _row(302, 404, 403, 200, 404, 200, 200, 403)),
    ("GET", "/assessments/999999/review", _row(302, 404, 404, 404, 404, 404, 404, 404)),
    # finalizing is the team's chair's (OFFICIALS_MATRIX below), not an administrator's
    ("POST", "/assessments/{OWN}/finalize", _row(302, 403, 404, 403, 404, 404, 403, 403)),
    ("POST", "/assessments/{OWN}/reopen", _row(302, 403, 404, 403, 404, 404, 409, 403)),
    # signed documents (docs/DOCUMENTS.md): issued by admins only (403 for the others who see
    # it: a viewer creates nothing); a draft prints nothing (409); verification is public
    ("POST", "/assessments/{OWN}/report", _row(302, 403, 404, 403, 404, 404, 409, 403)),
    ("POST", "/assessments/{OWN}/certificate", _row(302, 403, 404, 403, 404, 404, 409, 403)),
    ("GET", "/documents/999999/download", _row(302, 404, 404, 404, 404, 404, 404, 404)),
    ("POST", "/documents/999999/revoke", _row(302, 404, 404, 404, 404, 404, 404, 404)),
    ("GET", "/verify/AAAA-BBBB-CCCC-DDDD-EEEE", _row(404, 404, 404, 404, 404, 404, 404, 404)),
    ("GET", "/verify", _row(200, 200, 200, 200, 200, 200, 200, 200)),
    # the load balancer's health probe: no log-in
    ("GET", "/healthz", _row(200, 200, 200, 200, 200, 200, 200, 200)),
    ("POST", "/verify", _row(400, 400, 400, 400, 400, 400, 400, 400)),
    # the audit trail: an assessment's history for its reviewers (others 404), all of it for admins
    ("GET", "/assessments/{OWN}/history", _row(302, 404, 404, 200, 404, 404, 200, 404)),
    ("GET", "/assessments/{OTHER}/history", _row(302, 404, 404, 200, 404, 200, 200, 404)),
    ("GET", "/assessments/999999/history", _row(302, 404, 404, 404, 404, 404, 404, 404)),
    ("GET", "/audit", _row(302, 403, 403, 403, 403, 403, 200, 403)),
    ("GET", "/audit?from=31-12-2025", _row(302, 403, 403, 403, 403, 403, 400, 403)),
    # days whose time-zone neighbours overflow, superscript page numbers: 400, never a 500
    ("GET", "/audit?from=0001-01-01", _row(302, 403, 403, 403, 403, 403, 400, 403)),
    ("GET", "/audit?to=9999-12-31", _row(302, 403, 403, 403, 403, 403, 400, 403)),
    ("GET", "/audit?page=\u00b2", _row(302, 403, 403, 403, 403, 403, 400, 403)),
    ("GET", "/assessments/{OWN}/history?page=\u00b2", _row(302, 404, 404, 400, 404, 404, 400, 404)),
    # region results: the Smart City team
    ("GET", "/periods/2026/region", _row(302, 403, 403, 200, 200, 200, 200, 200)),
    ("GET", "/periods/1999/region", _row(302, 403, 403, 404, 404, 404, 404, 404)),
    (
        "GET",
        "/periods/2026/region?sort=name&dir=desc",
        _row(302, 403, 403, 200, 200, 200, 200, 200),
    ),
    # an agency's dashboard: its users, evaluators assigned to it (not its members), admins,
    # viewers; anyone else learns nothing (404)
    ("GET", "/agencies/DISKOMINFO/dashboard", _row(302, 200, 404, 200, 404, 404, 200, 200)),
    ("GET", "/agencies/DINKES/dashboard", _row(302, 404, 200, 200, 404, 200, 200, 200)),
    ("GET", "/agencies/NOPE/dashboard", _row(302, 404, 404, 404, 404, 404, 404, 404)),
    # two periods compared: the region for the team and viewers, an agency its own results
    ("GET", "/compare", _row(302, 200, 200, 200, 200, 200, 200, 200)),
    (
        "GET",
        "/compare?from=2026&to=2026&agency=DINKES",
        _row(302, 404, 200, 200, 404, 200, 200, 200),
    ),
    ("GET", "/compare?from=1999&to=2026", _row(302, 404, 404, 404, 404, 404, 404, 404)),
    ("GET", "/compare?from=abc", _row(302, 400, 400, 400, 400, 400, 400, 400)),
    # superscript digits pass str.isdigit() but not int(): a bad value, never a 500
    ("GET", "/compare?from=\u00b2\u00b2\u00b2\u00b2", _row(302, 400, 400, 400, 400, 400, 400, 400)),
    # the signed region summary report: issued by admins (303 to the download)
    ("POST", "/periods/2026/report", _row(302, 403, 403, 403, 403, 403, 303, 403)),
    ("POST", "/periods/1999/report", _row(302, 403, 403, 403, 403, 403, 404, 403)),
    # evidence files (data dukung) of a Diskominfo answer: only those who see the assessment
    ("GET", "/evidence/{OWN_EVIDENCE}", _row(302, 200, 404, 200, 404, 404, 200, 200)),
    ("GET", "/evidence/{OWN_EVIDENCE}/preview", _row(302, 200, 404, 200, 404, 404, 200, 200)),
    ("GET", "/evidence/999999", _row(302, 404, 404, 404, 404, 404, 404, 404)),
    # a file sent at once, removed at once (JSON, docs/AUTOSAVE.md): 401 instead of a redirect;
    # the agency gets past every check to the empty form (400); who only reads gets 403
    ("POST", "/assessments/{OWN}/evidence", _row(401, 400, 404, 403, 404, 404, 403, 403)),
    ("POST", "/assessments/999999/evidence", _row(401, 404, 404, 404, 404, 404, 404, 404)),
    ("POST", "/evidence/{OWN_EVIDENCE}/remove", _row(401, 200, 404, 403, 404, 404, 403, 403)),
    ("POST", "/evidence/999999/remove", _row(401, 404, 404, 404, 404, 404, 404, 404)),
    ("GET", "/verify/no-such-code", _row(404, 404, 404, 404, 404, 404, 404, 404)),
    ("GET", "/evidence/999999/preview", _row(302, 404, 404, 404, 404, 404, 404, 404)),
    # background batch printing: administrators only (2026 has nothing final: 400)
    ("GET", "/periods/2026/print", _row(302, 403, 403, 403, 403, 403, 200, 403)),
    ("POST", "/periods/2026/print", _row(302, 403, 403, 403, 403, 403, 400, 403)),
    ("GET", "/print-jobs/999999", _row(302, 403, 403, 403, 403, 403, 404, 403)),
    ("GET", "/print-jobs/999999/download", _row(302, 403, 403, 403, 403, 403, 404, 403)),
    # administration of periods and questionnaires: administrators only (docs/ADMINISTRATION.md);
    # an empty form is 400, an unchanged date pair 303
    ("GET", "/admin", _row(302, 403, 403, 403, 403, 403, 200, 403)),
    ("GET", "/admin/periods", _row(302, 403, 403, 403, 403, 403, 200, 403)),
    # the letterhead and document numbers (docs/DOCUMENTS.md); no emblem yet: 404
    ("GET", "/admin/region", _row(302, 403, 403, 403, 403, 403, 200, 403)),
    ("POST", "/admin/region", _row(302, 403, 403, 403, 403, 403, 303, 403)),
    ("GET", "/admin/region/emblem", _row(302, 403, 403, 403, 403, 403, 200, 403)),
    ("GET", "/admin/periods?q=2026&page=2", _row(302, 403, 403, 403, 403, 403, 200, 403)),
    ("GET", "/admin/periods/new", _row(302, 403, 403, 403, 403, 403, 200, 403)),
    ("POST", "/admin/periods/new", _row(302, 403, 403, 403, 403, 403, 400, 403)),
    ("GET", "/admin/periods/2026", _row(302, 403, 403, 403, 403, 403, 200, 403)),
    ("GET", "/admin/periods/1999", _row(302, 403, 403, 403, 403, 403, 404, 403)),
    ("POST", "/admin/periods/2026/status", _row(302, 403, 403, 403, 403, 403, 400, 403)),
    ("POST", "/admin/periods/1999/status", _row(302, 403, 403, 403, 403, 403, 404, 403)),
    ("POST", "/admin/periods/2026/dates", _row(302, 403, 403, 403, 403, 403, 303, 403)),
    ("POST", "/admin/periods/2026/extensions", _row(302, 403, 403, 403, 403, 403, 400, 403)),
    ("POST", "/admin/periods/2026/certificates", _row(302, 403, 403, 403, 403, 403, 400, 403)),
    ("GET", "/admin/instruments", _row(302, 403, 403, 403, 403, 403, 200, 403)),
    ("GET", "/admin/instruments/upload", _row(302, 403, 403, 403, 403, 403, 200, 403)),
    ("POST", "/admin/instruments/upload", _row(302, 403, 403, 403, 403, 403, 400, 403)),
    ("POST", "/admin/instruments/publish", _row(302, 403, 403, 403, 403, 403, 400, 403)),
    ("GET", "/admin/instruments/999999", _row(302, 403, 403, 403, 403, 403, 404, 403)),
    ("GET", "/admin/instruments/999999/download", _row(302, 403, 403, 403, 403, 403, 404, 403)),
    # a failed log-in (these users are already logged in, or have no password here)
    ("POST", "/login", _row(401, 302, 302, 302, 302, 302, 302, 302)),
    ("GET", "/language/en", _row(302, 302, 302, 302, 302, 302, 302, 302)),
    ("POST", "/logout", _row(302, 302, 302, 302, 302, 302, 302, 302)),
    # exports (docs/EXPORTS.md): like the period overview; evaluators get their agencies only
    (
        "GET",
        "/periods/2026/export?what=results&format=csv",
        _row(302, 403, 403, 200, 200, 200, 200, 200),
    ),
    (
        "GET",
        "/periods/1999/export?what=answers&format=xlsx",
        _row(302, 403, 403, 404, 404, 404, 404, 404),
    ),
    # API tokens: administrators only (an empty create form is 400)
    ("GET", "/admin/tokens", _row(302, 403, 403, 403, 403, 403, 200, 403)),
    ("POST", "/admin/tokens", _row(302, 403, 403, 403, 403, 403, 400, 403)),
    ("POST", "/admin/tokens/999999/revoke", _row(302, 403, 403, 403, 403, 403, 404, 403)),
    # the JSON API reads tokens only: a logged-in session without a token is 401 (tests/test_api.py
    # has the matrix with tokens); the OpenAPI document is public
    ("GET", "/api/v1/openapi.json", _row(200, 200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/api/v1/periods", _row(401, 401, 401, 401, 401, 401, 401, 401)),
    ("GET", "/api/v1/periods/2026/results", _row(401, 401, 401, 401, 401, 401, 401, 401)),
    (
        "GET",
        "/api/v1/periods/2026/agencies/DISKOMINFO/assessment",
        _row(401, 401, 401, 401, 401, 401, 401, 401),
    ),
    ("GET", "/api/v1/regions", _row(401, 401, 401, 401, 401, 401, 401, 401)),
    ("GET", "/api/v1/national/periods/2025/results", _row(401, 401, 401, 401, 401, 401, 401, 401)),
    (
        "GET",
        "/api/v1/national/evaluations/2025/results",
        _row(401, 401, 401, 401, 401, 401, 401, 401),
    ),
    # the national pages are the ministry's roles' (tests/test_tenancy.py): every region role
    # gets 403, whatever the year
    ("GET", "/national/", _row(302, 403, 403, 403, 403, 403, 403, 403)),
    ("GET", "/national/2026", _row(302, 403, 403, 403, 403, 403, 403, 403)),
    ("GET", "/national/2026/regions/62.02", _row(302, 403, 403, 403, 403, 403, 403, 403)),
    ("GET", "/national/regions/new", _row(302, 403, 403, 403, 403, 403, 403, 403)),
    ("POST", "/national/regions/new", _row(302, 403, 403, 403, 403, 403, 403, 403)),
    ("GET", "/national/users", _row(302, 403, 403, 403, 403, 403, 403, 403)),
    ("GET", "/national/users/new", _row(302, 403, 403, 403, 403, 403, 403, 403)),
    ("POST", "/national/users/new", _row(302, 403, 403, 403, 403, 403, 403, 403)),
    ("GET", "/national/1999/export.csv", _row(302, 403, 403, 403, 403, 403, 403, 403)),
    # the ministry's evaluation of regions, its pages (views/national_evaluation.py): the
    # ministry's roles only, like /national/; every region role gets 403, whatever the year
    ("GET", "/national/evaluations/", _row(302, 403, 403, 403, 403, 403, 403, 403)),
    ("POST", "/national/evaluations/", _row(302, 403, 403, 403, 403, 403, 403, 403)),
    ("GET", "/national/evaluations/2026", _row(302, 403, 403, 403, 403, 403, 403, 403)),
    (
        "POST",
        "/national/evaluations/2026/assignments",
        _row(302, 403, 403, 403, 403, 403, 403, 403),
    ),
    ("POST", "/national/evaluations/2026/finalize", _row(302, 403, 403, 403, 403, 403, 403, 403)),
    (
        "GET",
        "/national/evaluations/2026/regions/62.02",
        _row(302, 403, 403, 403, 403, 403, 403, 403),
    ),
    (
        "POST",
        "/national/evaluations/2026/regions/62.02",
        _row(302, 403, 403, 403, 403, 403, 403, 403),
    ),
    (
        "POST",
        "/national/evaluations/2026/regions/62.02/return",
        _row(302, 403, 403, 403, 403, 403, 403, 403),
    ),
    (
        "POST",
        "/national/evaluations/2026/regions/62.02/verify",
        _row(302, 403, 403, 403, 403, 403, 403, 403),
    ),
    (
        "GET",
        "/national/evaluations/2026/regions/62.02/evidence/1",
        _row(302, 403, 403, 403, 403, 403, 403, 403),
    ),
    ("GET", "/national/evaluations/2026/results", _row(302, 403, 403, 403, 403, 403, 403, 403)),
    (
        "GET",
        "/national/evaluations/2026/regions/62.02/award.pdf",
        _row(302, 403, 403, 403, 403, 403, 403, 403),
    ),
    (
        "GET",
        "/national/evaluations/2026/results.csv",
        _row(302, 403, 403, 403, 403, 403, 403, 403),
    ),
    # printing a national year's award certificates (views/national_print.py)
    ("GET", "/national/evaluations/2026/print", _row(302, 403, 403, 403, 403, 403, 403, 403)),
    ("POST", "/national/evaluations/2026/print", _row(302, 403, 403, 403, 403, 403, 403, 403)),
    (
        "GET",
        "/national/evaluations/2026/print-jobs/999999",
        _row(302, 403, 403, 403, 403, 403, 403, 403),
    ),
    (
        "GET",
        "/national/evaluations/2026/print-jobs/999999/download",
        _row(302, 403, 403, 403, 403, 403, 403, 403),
    ),
    *[
        (method, "/api/v1/no-such-thing", _row(401, 401, 401, 401, 401, 401, 401, 401))
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE", "TRACE", "QUERY")
    ],
    # agencies and users (docs/ADMINISTRATION.md): administrators only; {AGENCY} is Dinkes,
    # {USER} its operator; empty forms are 400, a reset without a typed password shows one (200)
    ("GET", "/admin/agencies?q=dinas&page=2", _row(302, 403, 403, 403, 403, 403, 200, 403)),
    ("GET", "/admin/agencies/new", _row(302, 403, 403, 403, 403, 403, 200, 403)),
    ("POST", "/admin/agencies/new", _row(302, 403, 403, 403, 403, 403, 400, 403)),
    ("GET", "/admin/agencies/{AGENCY}", _row(302, 403, 403, 403, 403, 403, 200, 403)),
    ("POST", "/admin/agencies/{AGENCY}", _row(302, 403, 403, 403, 403, 403, 400, 403)),
    ("GET", "/admin/agencies/999999", _row(302, 403, 403, 403, 403, 403, 404, 403)),
    ("POST", "/admin/agencies/{AGENCY}/deactivate", _row(302, 403, 403, 403, 403, 403, 303, 403)),
    ("POST", "/admin/agencies/{AGENCY}/reactivate", _row(302, 403, 403, 403, 403, 403, 303, 403)),
    ("GET", "/admin/users?q=dinkes&role=agency", _row(302, 403, 403, 403, 403, 403, 200, 403)),
    ("GET", "/admin/users/new", _row(302, 403, 403, 403, 403, 403, 200, 403)),
    ("POST", "/admin/users/new", _row(302, 403, 403, 403, 403, 403, 400, 403)),
    ("GET", "/admin/users/{USER}", _row(302, 403, 403, 403, 403, 403, 200, 403)),
    ("POST", "/admin/users/{USER}", _row(302, 403, 403, 403, 403, 403, 400, 403)),
    ("GET", "/admin/users/999999", _row(302, 403, 403, 403, 403, 403, 404, 403)),
    ("POST", "/admin/users/{USER}/deactivate", _row(302, 403, 403, 403, 403, 403, 303, 403)),
    ("POST", "/admin/users/{USER}/reactivate", _row(302, 403, 403, 403, 403, 403, 303, 403)),
    ("POST", "/admin/users/{USER}/password", _row(302, 403, 403, 403, 403, 403, 200, 403)),
    # every browser of the user logged out for good (audited)
    ("POST", "/admin/users/{USER}/sessions/end", _row(302, 403, 403, 403, 403, 403, 303, 403)),
    # a page number that is no plain number is ignored (the first page)
    ("GET", "/admin/users?page=\u00b2", _row(302, 403, 403, 403, 403, 403, 200, 403)),
    ("GET", "/admin/agencies?page=\u00b2", _row(302, 403, 403, 403, 403, 403, 200, 403)),
    ("GET", "/admin/periods?page=\u00b2", _row(302, 403, 403, 403, 403, 403, 200, 403)),
    ("GET", "/admin/instruments?page=\u00b2", _row(302, 403, 403, 403, 403, 403, 200, 403)),
    # one's own password: everyone logged in (an empty form is 400)
    ("GET", "/account/password", _row(302, 200, 200, 200, 200, 200, 200, 200)),
    ("POST", "/account/password", _row(302, 400, 400, 400, 400, 400, 400, 400)),
    # notifications: everyone logged in, their own only (an empty address is "none": 303)
    ("GET", "/notifications", _row(302, 200, 200, 200, 200, 200, 200, 200)),
    ("GET", "/notifications/999999", _row(302, 404, 404, 404, 404, 404, 404, 404)),
    ("POST", "/notifications/read", _row(302, 303, 303, 303, 303, 303, 303, 303)),
    ("POST", "/notifications/email", _row(302, 303, 303, 303, 303, 303, 303, 303)),
    # an indicator's thread: read by whoever sees the assessment, written by its agency and
    # reviewers (an empty message is 400); the leadership writes nothing
    (
        "GET",
        "/assessments/{OWN}/indicators/GOV-01/thread",
        _row(302, 200, 404, 200, 404, 404, 200, 200),
    ),
    (
        "POST",
        "/assessments/{OWN}/indicators/GOV-01/thread",
        _row(302, 400, 404, 400, 404, 404, 400, 403),
    ),
    # confirming a step: its reviewers are sent back to the overview while it is a draft (303)
    ("GET", "/assessments/{OWN}/confirm/verify", _row(302, 403, 404, 303, 404, 404, 303, 403)),
    ("POST", "/assessments/{OWN}/confirm/verify", _row(302, 403, 404, 303, 404, 404, 303, 403)),
    # the Tim Pelaksana (docs/WORKFLOW.md): its administration for admins (an empty settings
    # form saves, an empty member form is 400), its page for the team, staff and leadership
    ("GET", "/admin/periods/2026/team", _row(302, 403, 403, 403, 403, 403, 200, 403)),
    ("POST", "/admin/periods/2026/team", _row(302, 403, 403, 403, 403, 403, 303, 403)),
    ("GET", "/admin/periods/1999/team", _row(302, 403, 403, 403, 403, 403, 404, 403)),
    ("POST", "/admin/periods/2026/team/members", _row(302, 403, 403, 403, 403, 403, 400, 403)),
    (
        "GET",
        "/admin/periods/2026/team/members/999999",
        _row(302, 403, 403, 403, 403, 403, 404, 403),
    ),
    (
        "POST",
        "/admin/periods/2026/team/members/999999",
        _row(302, 403, 403, 403, 403, 403, 404, 403),
    ),
    (
        "POST",
        "/admin/periods/2026/team/members/999999/remove",
        _row(302, 403, 403, 403, 403, 403, 404, 403),
    ),
    ("GET", "/periods/2026/team", _row(302, 403, 403, 200, 200, 200, 200, 200)),
    ("GET", "/periods/1999/team", _row(302, 404, 404, 404, 404, 404, 404, 404)),
    # interview or site visit: its reviewers; a draft has none yet (409)
    ("GET", "/assessments/{OWN}/interview", _row(302, 403, 404, 200, 404, 404, 200, 403)),
    ("POST", "/assessments/{OWN}/interview", _row(302, 403, 404, 409, 404, 404, 409, 403)),
    # achievements, obstacles, follow-up: read by whoever sees it; the agency writes its part
    # while it may edit (an empty form is 400), the team its part once submitted
    ("GET", "/assessments/{OWN}/follow-up", _row(302, 200, 404, 200, 404, 404, 200, 200)),
    ("POST", "/assessments/{OWN}/follow-up", _row(302, 400, 404, 403, 404, 404, 403, 403)),
    (
        "POST",
        "/assessments/{OWN}/follow-up/999999/remove",
        _row(302, 404, 404, 404, 404, 404, 404, 404),
    ),
    # the Berita Acara: issued again by an admin or the chair, of a final assessment (409 here)
    ("POST", "/assessments/{OWN}/minutes", _row(302, 403, 404, 403, 404, 404, 409, 403)),
    ("POST", "/periods/2026/minutes", _row(302, 403, 403, 403, 403, 403, 409, 403)),
    # an agency user as operator or head, with their signature block: admins
    ("GET", "/admin/users/{USER}/official", _row(302, 403, 403, 403, 403, 403, 200, 403)),
    ("POST", "/admin/users/{USER}/official", _row(302, 403, 403, 403, 403, 403, 303, 403)),
    # the region's submission to the ministry's evaluation (views/national_submission.py): read
    # by the region's team and its head, never by agencies; assembled by the administrator,
    # approved or sent back by the head (pimpinan). No national period exists here: a year is
    # not found (404) for those who may come, after the role check (403) of each button.
    ("GET", "/national-evaluation/", _row(302, 403, 403, 200, 200, 200, 200, 200)),
    ("GET", "/national-evaluation/2026", _row(302, 403, 403, 404, 404, 404, 404, 404)),
    ("GET", "/national-evaluation/2026/award.pdf", _row(302, 403, 403, 404, 404, 404, 404, 404)),
    (
        "GET",
        "/national-evaluation/2026/pillars/GOV",
        _row(302, 403, 403, 404, 404, 404, 404, 404),
    ),
    (
        "POST",
        "/national-evaluation/2026/pillars/GOV",
        _row(302, 403, 403, 404, 404, 404, 404, 404),
    ),
    (
        "POST",
        "/national-evaluation/2026/programmes",
        _row(302, 403, 403, 403, 403, 403, 404, 403),
    ),
    (
        "POST",
        "/national-evaluation/2026/programmes/999999/remove",
        _row(302, 403, 403, 403, 403, 403, 404, 403),
    ),
    (
        "POST",
        "/national-evaluation/2026/attachment",
        _row(302, 403, 403, 403, 403, 403, 404, 403),
    ),
    (
        "POST",
        "/national-evaluation/2026/ask-approval",
        _row(302, 403, 403, 403, 403, 403, 404, 403),
    ),
    ("POST", "/national-evaluation/2026/approve", _row(302, 403, 403, 403, 403, 403, 403, 404)),
    (
        "POST",
        "/national-evaluation/2026/send-back",
        _row(302, 403, 403, 403, 403, 403, 403, 404),
    ),
    (
        "GET",
        "/national-evaluation/2026/evidence/999999",
        _row(302, 403, 403, 404, 404, 404, 404, 404),
    ),
    (
        "POST",
        "/national-evaluation/2026/evidence/999999/remove",
        _row(302, 403, 403, 403, 403, 403, 404, 403),
    ),
    # its autosave (JSON, docs/AUTOSAVE.md): 401 instead of a redirect; the role check first,
    # as the buttons have it (only the administrator assembles), then no such submission (404)
    (
        "POST",
        "/national-evaluation/submissions/999999/autosave",
        _row(401, 403, 403, 403, 403, 403, 404, 403),
    ),
    # its evidence sent at once (JSON, as the agency's): the same order of checks as autosave
    (
        "POST",
        "/national-evaluation/submissions/999999/evidence",
        _row(401, 403, 403, 403, 403, 403, 404, 403),
    ),
    (
        "POST",
        "/national-evaluation/submissions/999999/evidence/999999/remove",
        _row(401, 403, 403, 403, 403, 403, 404, 403),
    ),
]


CASES = [
    pytest.param(method, url, role, expected[role], id=f"{role}-{method}-{url}")
    for method, url, expected in MATRIX
    for role in ROLES
]


@pytest.mark.parametrize(("method", "url", "role", "expected"), CASES)
def test_role_gets_status(demo_more_evaluators, client, auth, method, url, role, expected):
    demo = demo_more_evaluators
    if role != "anonymous":
        auth.session_of(role)
    target = url
    if "{OWN" in url:
        own = assessment_of(demo, "DISKOMINFO").id
        if "{OWN_EVIDENCE}" in url:
            target = target.replace("{OWN_EVIDENCE}", str(attach_sample(demo, own)))
        target = target.replace("{OWN}", str(own))
    if "{OTHER}" in url:
        target = target.replace("{OTHER}", str(assessment_of(demo, "DINKES").id))
    if "{AGENCY}" in url or "{USER}" in url:
        target = _with_people(demo, target)
    data = {"level-GOV-01": "2", "justification-GOV-01": "x"} if "dimensions" in url else {}
    response = client.open(target, method=method, data=data)
    response.close()  # a file download holds the file open until then
    assert response.status_code == expected


# The agency's head and the team's chair (issue 16): kepala-diskominfo heads Diskominfo (OWN)
# and is the team's vice-chair; kepala-dinkes heads another agency; kepala-bapperida chairs
# the team (finalizes every agency but its own). OWN is a draft here.
OFFICIALS = ("kepala-diskominfo", "kepala-dinkes", "kepala-bapperida")
OFFICIALS_MATRIX = [
    ("GET", "/", (200, 200, 200)),
    ("GET", "/assessments/{OWN}", (200, 404, 200)),
    ("GET", "/assessments/{OWN}/dimensions/GOV", (200, 404, 200)),
    # the head may answer too (and approve in one go); the chair sees it but changes nothing
    ("POST", "/assessments/{OWN}/dimensions/GOV", (303, 404, 303)),
    ("POST", "/assessments/{OWN}/autosave", (400, 404, 403)),
    ("GET", "/assessments/{OWN}/submit", (200, 404, 403)),
    ("POST", "/assessments/{OWN}/submit", (409, 404, 403)),
    ("GET", "/assessments/{OWN}/review", (403, 404, 200)),
    ("POST", "/assessments/{OWN}/finalize", (403, 404, 409)),
    ("POST", "/assessments/{OWN}/reopen", (403, 404, 403)),
    ("GET", "/assessments/{OWN}/history", (404, 404, 200)),
    ("GET", "/assessments/{OWN}/interview", (403, 404, 200)),
    ("GET", "/assessments/{OWN}/follow-up", (200, 404, 200)),
    ("POST", "/assessments/{OWN}/minutes", (403, 404, 409)),
    ("GET", "/periods/2026/team", (200, 403, 200)),
    ("GET", "/periods/2026/assessments", (403, 403, 403)),
    ("GET", "/agencies/DISKOMINFO/dashboard", (200, 404, 404)),
    ("GET", "/admin/periods/2026/team", (403, 403, 403)),
]


@pytest.mark.parametrize(
    ("method", "url", "who", "expected"),
    [
        pytest.param(method, url, who, expected[i], id=f"{who}-{method}-{url}")
        for method, url, expected in OFFICIALS_MATRIX
        for i, who in enumerate(OFFICIALS)
    ],
)
def test_heads_and_the_chair_get_status(demo, client, auth, method, url, who, expected):
    own = assessment_of(demo, "DISKOMINFO").id
    auth.session_of(who)
    data = {"level-GOV-01": "2", "justification-GOV-01": "x"} if "dimensions" in url else {}
    response = client.open(url.replace("{OWN}", str(own)), method=method, data=data)
    response.close()
    assert response.status_code == expected


def _with_people(app, url: str) -> str:
    """{AGENCY}: the Dinkes agency's id; {USER}: its operator's (administration pages)."""
    from smartcity.models import User

    with app.app_context():
        agency_id = db.session.scalar(select(Agency.id).filter_by(code="DINKES"))
        user_id = db.session.scalar(select(User.id).filter_by(username="dinkes"))
    return url.replace("{AGENCY}", str(agency_id)).replace("{USER}", str(user_id))


def test_every_route_is_in_the_matrix(app):
    """A new route without a row in the matrix fails here."""
    covered = {(method, url.split("?")[0]) for method, url, _ in MATRIX}
    normalised = {
        (m, u.replace("{OWN}", "<int:assessment_id>").replace("{OTHER}", "<int:assessment_id>"))
        for m, u in covered
    }
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            pattern = rule.rule
            if not any(m == method and _matches(pattern, u) for m, u in normalised):
                missing.append((method, pattern))
    assert missing == []


def _matches(pattern: str, url: str) -> bool:
    parts_p, parts_u = pattern.strip("/").split("/"), url.strip("/").split("/")
    if len(parts_p) != len(parts_u):
        return False
    return all(p == u or p.startswith("<") for p, u in zip(parts_p, parts_u, strict=True))


def test_other_agency_cannot_write_and_nothing_changes(demo, client, auth):
    own = assessment_of(demo, "DISKOMINFO")
    auth.login("diskominfo")
    client.post(
        f"/assessments/{own.id}/dimensions/GOV",
        data={"level-GOV-01": "3", "justification-GOV-01": "asli"},
    )
    before = stored_answers(demo, own.id)
    auth.logout()
    auth.login("dinkes")
    response = client.post(
        f"/assessments/{own.id}/dimensions/GOV",
        data={"level-GOV-01": "5", "justification-GOV-01": "palsu"},
    )
    assert response.status_code == 404
    assert stored_answers(demo, own.id) == before


BAD_INPUT = [
    ("level outside the indicator", {"level-GOV-01": "6"}),
    ("level zero", {"level-GOV-01": "0"}),
    ("level not a number", {"level-GOV-01": "tiga"}),
    ("N/A where not allowed", {"level-GOV-02": "na"}),
    ("unknown indicator", {"level-XXX-99": "3"}),
    ("indicator of another dimension", {"level-LIV-01": "3"}),
    ("justification too long", {"justification-GOV-01": "x" * 20_001}),
]


@pytest.mark.parametrize(
    "data", [case[1] for case in BAD_INPUT], ids=[case[0] for case in BAD_INPUT]
)
def test_bad_input_is_refused_and_nothing_is_lost(demo, client, auth, data):
    own = assessment_of(demo, "DISKOMINFO")
    auth.login("diskominfo")
    client.post(
        f"/assessments/{own.id}/dimensions/GOV",
        data={"level-GOV-03": "4", "justification-GOV-03": "tetap"},
    )
    before = stored_answers(demo, own.id)
    response = client.post(
        f"/assessments/{own.id}/dimensions/GOV",
        data={**data, "level-GOV-03": "1", "justification-GOV-03": "berubah"},
    )
    assert response.status_code == 400
    assert stored_answers(demo, own.id) == before
    # what the user typed is shown again, not thrown away
    if "justification-GOV-01" not in data:
        assert "berubah" in response.get_data(as_text=True)


def test_writes_to_a_submitted_assessment_are_refused(demo, client, auth):
    own = assessment_of(demo, "DISKOMINFO")
    with demo.app_context():
        assessment = db.session.get(Assessment, own.id)
        assessment.status = "submitted"
        db.session.commit()
    auth.login("diskominfo")
    response = client.post(f"/assessments/{own.id}/dimensions/GOV", data={"level-GOV-01": "5"})
    assert response.status_code == 303
    with demo.app_context():
        assert db.session.scalar(select(Answer).filter_by(assessment_id=own.id)) is None


def test_inactive_user_cannot_log_in(demo, client, auth):
    with demo.app_context():
        agency = db.session.scalar(select(Agency).filter_by(code="DISKOMINFO"))
        from smartcity.models import User

        user = db.session.scalar(select(User).filter_by(agency_id=agency.id))
        user.active = False
        db.session.commit()
    assert auth.login("diskominfo").status_code == 401


@pytest.mark.parametrize("url", ["/login", "/", "/assessments/999999", "/static/css/app.css"])
def test_security_headers_on_every_response(client, url):
    response = client.get(url)
    response.close()
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "'unsafe-inline'" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.commits
def test_error_pages_show_the_request_id_and_no_trace(app, client, auth):
    @app.route("/_boom")
    def boom():
        raise RuntimeError("secret detail")

    response = client.get("/no-such-page", headers={"X-Request-ID": "abc-123"})
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert response.headers["X-Request-ID"] == "abc-123" and "abc-123" in page
    assert "Halaman tidak ditemukan" in page
    crashed = client.get("/_boom")
    text = crashed.get_data(as_text=True)
    assert crashed.status_code == 500
    assert "secret detail" not in text and "Traceback" not in text
    assert crashed.headers["X-Request-ID"] in text


def test_a_hostile_request_id_is_replaced(client):
    response = client.get("/login", headers={"X-Request-ID": "<script>"})
    response.close()
    assert response.headers["X-Request-ID"] != "<script>"
    assert response.headers["X-Request-ID"].isalnum()


@pytest.mark.commits
def test_failed_logins_are_limited_per_account_without_revealing_it(demo, client):
    for _ in range(5):
        assert (
            client.post(
                "/login", data={"username": "dlh", "password": "salah-salah-salah"}
            ).status_code
            == 401
        )
    blocked = client.post("/login", data={"username": "dlh", "password": "demo-password-2026"})
    assert blocked.status_code == 429
    assert "Terlalu banyak percobaan" in blocked.get_data(as_text=True)
    # an unknown username is limited exactly the same way
    for _ in range(5):
        assert (
            client.post(
                "/login", data={"username": "tidakada", "password": "salah-salah-salah"}
            ).status_code
            == 401
        )
    assert (
        client.post("/login", data={"username": "tidakada", "password": "x" * 12}).status_code
        == 429
    )
    # another account from the same address can still log in
    assert (
        client.post(
            "/login", data={"username": "dinkes", "password": "demo-password-2026"}
        ).status_code
        == 302
    )


@pytest.mark.commits
def test_failed_logins_are_limited_per_address(demo, client):
    demo.config["LOGIN_LIMIT_PER_ADDRESS"] = "3 per 5 minutes"
    for name in ("a1", "a2", "a3"):
        assert (
            client.post(
                "/login", data={"username": name, "password": "salah-salah-salah"}
            ).status_code
            == 401
        )
    assert (
        client.post(
            "/login", data={"username": "dinkes", "password": "demo-password-2026"}
        ).status_code
        == 429
    )


@pytest.mark.parametrize(
    "url",
    [
        "/periods/99999999999999999999/assessments",
        "/periods/99999999999999999999/region",
        "/assessments/99999999999999999999",
        "/evidence/99999999999999999999",
    ],
)
def test_numbers_too_large_for_the_database_are_not_found(demo, client, auth, url):
    auth.login("admin")
    assert client.get(url).status_code == 404
