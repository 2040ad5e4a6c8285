"""The baseline for bench/http.py: a bare Flask app on the same database, doing the minimum.

`GET /assessments/<id>/dimensions/<code>` reads the same rows as the real dimension page (the
user, the assessment with its period, agency and dimensions, the answers with who saved them,
the evidence files) and renders the same document (header, tabs, questions, level
descriptors, radios, text areas, evidence sections, autosave texts; Indonesian texts written
into bench/bare_dimension.html) with one Jinja template;
no log-in, sessions, CSRF checks, forms library, translations or access checks.
`POST /answers/<id>` updates one answer row from JSON and returns its new version.

Served by gunicorn (`gunicorn bench.bare_app:app`) with `DATABASE_URL` set.
"""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from flask import Flask, abort, render_template, request
from sqlalchemy import create_engine, text


def _engine_url(url: str) -> str:
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


app = Flask(__name__, template_folder=str(Path(__file__).resolve().parent))
engine = create_engine(_engine_url(os.environ["DATABASE_URL"]))


@cache
def instrument(version_id: int) -> dict[str, Any]:
    """The instrument parsed once per process, as the real app caches it."""
    with engine.connect() as conn:
        source = conn.scalar(
            text("SELECT source FROM instrument_versions WHERE id = :id"), {"id": version_id}
        )
    return yaml.safe_load(source)


@app.get("/assessments/<int:assessment_id>/dimensions/<code>")
def dimension_page(assessment_id: int, code: str):
    user_id = int(request.args.get("user", "1"))
    with engine.connect() as conn:
        user = conn.execute(
            text("SELECT id, username, full_name FROM users WHERE id = :id"), {"id": user_id}
        ).one()
        assessment = conn.execute(
            text(
                "SELECT a.id, a.status, p.year, p.instrument_version_id, g.name AS agency_name "
                "FROM assessments a JOIN periods p ON p.id = a.period_id "
                "JOIN agencies g ON g.id = a.agency_id WHERE a.id = :id"
            ),
            {"id": assessment_id},
        ).one_or_none()
        if assessment is None:
            abort(404)
        questionnaire = instrument(assessment.instrument_version_id)
        dimension = next((d for d in questionnaire["dimensions"] if d["code"] == code), None)
        if dimension is None:
            abort(404)
        chosen = set(
            conn.scalars(
                text(
                    "SELECT d.dimension_code FROM agency_dimensions d "
                    "JOIN assessments a ON a.agency_id = d.agency_id WHERE a.id = :id"
                ),
                {"id": assessment_id},
            )
        )
        codes = [i["code"] for i in dimension["indicators"]]
        rows = conn.execute(
            text(
                "SELECT r.indicator_code, r.level, r.not_applicable, r.justification, r.version, "
                "r.updated_at, u.full_name AS updated_by FROM answers r "
                "LEFT JOIN users u ON u.id = r.updated_by_id WHERE r.assessment_id = :id"
            ),
            {"id": assessment_id},
        ).all()
        files = conn.execute(
            text(
                "SELECT id, indicator_code, original_name, size FROM evidence "
                "WHERE assessment_id = :id AND deleted_at IS NULL ORDER BY uploaded_at, id"
            ),
            {"id": assessment_id},
        ).all()
    answers = {r.indicator_code: r for r in rows if r.indicator_code in codes}
    evidence: dict[str, list[Any]] = {}
    for row in files:
        if row.indicator_code in codes:
            evidence.setdefault(row.indicator_code, []).append(row)
    return render_template(
        "bare_dimension.html",
        user=user,
        assessment=assessment,
        dimension=dimension,
        dimensions=[d for d in questionnaire["dimensions"] if d["code"] in chosen],
        answers=answers,
        evidence=evidence,
        level_names=questionnaire["level_names"],
        path=request.path,
        token=secrets.token_urlsafe(48),
    )


@app.post("/answers/<int:answer_id>")
def save_answer(answer_id: int):
    body = request.get_json()
    with engine.begin() as conn:
        version = conn.scalar(
            text(
                "UPDATE answers SET level = :level, justification = :justification, "
                "version = version + 1, updated_at = :now WHERE id = :id RETURNING version"
            ),
            {
                "id": answer_id,
                "level": body["level"],
                "justification": body["justification"],
                "now": datetime.now(UTC).replace(tzinfo=None),
            },
        )
    if version is None:
        abort(404)
    return {"id": answer_id, "version": version}
