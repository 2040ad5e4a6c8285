"""The OpenAPI 3.1 document of the JSON API v1: what every response looks like.

tests/test_api.py validates real responses against these schemas and tests/test_api_fuzz.py
fuzzes the API from it, so a change to a response must change this document too.
"""

from __future__ import annotations

import copy
from typing import Any

from ..domain.answer_types import REGISTRY
from ..domain.workflow import Status
from ..models import PeriodStatus, RegionKind

ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    429: "too_many_requests",
    500: "internal_error",
    503: "service_unavailable",
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _object(properties: dict[str, Any], description: str = "") -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


INDEX = {"type": "number", "minimum": 0, "maximum": 5}
TEXT = {"type": "string"}

SCHEMAS: dict[str, Any] = {
    "Error": _object(
        {
            "error": _object(
                {
                    "code": {"type": "string", "enum": sorted(set(ERROR_CODES.values()))},
                    "message": TEXT,
                    "request_id": TEXT,
                }
            )
        },
        "Every error: a stable machine code, a message for people, the request id for support.",
    ),
    "Instrument": _object({"code": TEXT, "version": TEXT}),
    "Period": _object(
        {
            "year": {"type": "integer"},
            "status": {"type": "string", "enum": [s.value for s in PeriodStatus]},
            "instrument": _ref("Instrument"),
        }
    ),
    "PeriodList": _object({"periods": {"type": "array", "items": _ref("Period")}}),
    "Maturity": _object(
        {
            "level": {"type": "integer"},
            "name": TEXT,
            "predicate": TEXT,
            "level_name": TEXT,
            "label": TEXT,
        },
        "The maturity of the final index, named as on every page and document: `predicate` "
        "(the band's name, also in `name`), `level` with its `level_name`, and `label`, e.g. "
        '"2,14 · Cukup · Tingkat 2 (Terkelola)" (Indonesian).',
    ),
    "Score": _object(
        {
            "self_index": _nullable(INDEX),
            "verified_index": _nullable(INDEX),
            "final_index": _nullable(INDEX),
            "maturity": _nullable(_ref("Maturity")),
        },
        "Indices rounded half-up to two decimals; final is the verified index when there is "
        "one, else the self-assessed one; maturity is the level of the final index.",
    ),
    "DimensionScore": _object(
        {
            "code": TEXT,
            "self_index": _nullable(INDEX),
            "verified_index": _nullable(INDEX),
            "final_index": _nullable(INDEX),
            "maturity": _nullable(_ref("Maturity")),
        }
    ),
    "Agency": _object({"code": TEXT, "name": TEXT}),
    "AgencyResult": _object(
        {
            "code": TEXT,
            "name": TEXT,
            "status": {"type": "string", "enum": [s.value for s in Status]},
            "overall": _ref("Score"),
            "dimensions": {"type": "array", "items": _ref("DimensionScore")},
        }
    ),
    "Region": _object(
        {
            "code": {**TEXT, "description": "Kemendagri's kode wilayah, e.g. 62.02."},
            "name": TEXT,
            "kind": {"type": "string", "enum": [k.value for k in RegionKind]},
            "province_code": {**TEXT, "description": 'The province\'s code; "" for a province.'},
        }
    ),
    "RegionList": _object({"regions": {"type": "array", "items": _ref("Region")}}),
    "PillarIndex": _object({"code": TEXT, "index": _nullable(INDEX)}),
    "PillarMean": _object({"code": TEXT, "mean": _nullable(INDEX)}),
    "NationalRegion": _object(
        {
            "rank": _nullable({"type": "integer", "minimum": 1}),
            "code": TEXT,
            "name": TEXT,
            "province_code": TEXT,
            "index": _nullable(INDEX),
            "level": _nullable({"type": "integer"}),
            "pillars": {"type": "array", "items": _ref("PillarIndex")},
            "final_agencies": {"type": "integer", "minimum": 0},
            "agencies": {"type": "integer", "minimum": 0},
            "previous_index": _nullable(INDEX),
        },
        "A region's published result: the index and pillar means of its own region page (its "
        "agencies' final, verified results), rounded half-up to two decimals; rank null while "
        "it has no final result; previous_index is the year before's.",
    ),
    "NationalResults": _object(
        {
            "year": {"type": "integer"},
            "mean": _nullable(INDEX),
            "pillars": {"type": "array", "items": _ref("PillarMean")},
            "regions": {"type": "array", "items": _ref("NationalRegion")},
        }
    ),
    "EvaluatedRegion": _object(
        {
            "rank": {"type": "integer", "minimum": 1},
            "code": TEXT,
            "name": TEXT,
            "province_code": TEXT,
            "index": _nullable(INDEX),
            "level": _nullable({"type": "integer"}),
            "pillars": {"type": "array", "items": _ref("PillarIndex")},
            "evaluation_dimensions": {"type": "array", "items": _ref("PillarIndex")},
            "award": _nullable(TEXT),
        },
        "A region's final result in the ministry's evaluation, as stored at finalization: "
        "overall, per pillar and per evaluation dimension (Baseline, Output, Outcome, Impact, "
        "Quick Win), rounded half-up to two decimals; award is the verification code of its "
        "award certificate, null when it earned none.",
    ),
    "EvaluationResults": _object(
        {
            "year": {"type": "integer"},
            "instrument": TEXT,
            "regions": {"type": "array", "items": _ref("EvaluatedRegion")},
        }
    ),
    "PeriodResults": _object(
        {"period": _ref("Period"), "agencies": {"type": "array", "items": _ref("AgencyResult")}}
    ),
    "EvidenceFile": _object(
        {
            "id": {"type": "integer"},
            "name": TEXT,
            "media_type": TEXT,
            "size": {"type": "integer", "minimum": 0},
            "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "uploaded_at": {"type": "string", "format": "date-time"},
        }
    ),
    "Answer": _object(
        {
            "dimension_code": TEXT,
            "indicator_code": TEXT,
            "self_level": _nullable({"type": "integer"}),
            "self_not_applicable": {"type": "boolean"},
            "justification": TEXT,
            "verified_level": _nullable({"type": "integer"}),
            "verified_not_applicable": {"type": "boolean"},
            "evaluator_note": TEXT,
            "answer_type": {"type": "string", "enum": list(REGISTRY)},
            "self_value": TEXT,
            "verified_value": TEXT,
            "evidence": {"type": "array", "items": _ref("EvidenceFile")},
        }
    ),
    "Assessment": _object(
        {
            "period": _ref("Period"),
            "agency": _ref("Agency"),
            "status": {"type": "string", "enum": [s.value for s in Status]},
            "round": {"type": "integer", "minimum": 1},
            "submitted_at": _nullable({"type": "string", "format": "date-time"}),
            "overall": _ref("Score"),
            "dimensions": {"type": "array", "items": _ref("DimensionScore")},
            "answers": {"type": "array", "items": _ref("Answer")},
        }
    ),
}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref("Error")}}}


def _ok(description: str, schema: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


COMMON_ERRORS = {
    "401": _error("No token, or a revoked, unknown or malformed one."),
    "403": _error("The token's user may not read this."),
    "405": _error("Only GET is allowed."),
    "429": _error("Too many requests from this address; wait and retry."),
    "500": _error("An unexpected failure; the request id helps the administrator find it."),
}

YEAR = {
    "name": "year",
    "in": "path",
    "required": True,
    "description": "The period's year, e.g. 2026.",
    "schema": {"type": "integer", "minimum": 1, "maximum": 9999},
}
AGENCY_CODE = {
    "name": "code",
    "in": "path",
    "required": True,
    "description": "The agency's code, e.g. DISKOMINFO.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 40},
}


def document() -> dict[str, Any]:
    """The OpenAPI document (a fresh dict: callers may change their copy)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Smart City self-assessment API",
            "version": "1.0.0",
            "description": (
                "Read-only access to periods, results and assessments. Send an API token as "
                "`Authorization: Bearer sc_...`. An agency's token reads only its own agency; "
                "tokens of administrators, evaluators and viewers read the whole region; "
                "tokens of the national roles read the national results of every region. "
                "See docs/API.md."
            ),
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerToken": []}],
        "paths": {
            "/api/v1/periods": {
                "get": {
                    "operationId": "listPeriods",
                    "summary": "Every assessment period, newest first.",
                    "responses": {"200": _ok("The periods.", "PeriodList"), **COMMON_ERRORS},
                }
            },
            "/api/v1/periods/{year}/results": {
                "get": {
                    "operationId": "periodResults",
                    "summary": "Per agency: status, indices per dimension and overall, level.",
                    "parameters": [YEAR],
                    "responses": {
                        "200": _ok("The results the token may read.", "PeriodResults"),
                        "404": _error("No such period."),
                        **COMMON_ERRORS,
                    },
                }
            },
            "/api/v1/regions": {
                "get": {
                    "operationId": "listRegions",
                    "summary": "The regions: all for a national token, its own for a region's.",
                    "responses": {"200": _ok("The regions.", "RegionList"), **COMMON_ERRORS},
                }
            },
            "/api/v1/national/periods/{year}/results": {
                "get": {
                    "operationId": "nationalResults",
                    "summary": "Every region's result for the year, ranked (national tokens).",
                    "parameters": [YEAR],
                    "responses": {
                        "200": _ok("The ranking of the regions.", "NationalResults"),
                        "404": _error("No region has a period that year."),
                        **COMMON_ERRORS,
                    },
                }
            },
            "/api/v1/national/evaluations/{year}/results": {
                "get": {
                    "operationId": "nationalEvaluationResults",
                    "summary": "The ministry's ranking of the regions of a final national year "
                    "(national tokens).",
                    "parameters": [YEAR],
                    "responses": {
                        "200": _ok("The ranking of the evaluated regions.", "EvaluationResults"),
                        "404": _error("No final national period that year."),
                        **COMMON_ERRORS,
                    },
                }
            },
            "/api/v1/periods/{year}/agencies/{code}/assessment": {
                "get": {
                    "operationId": "agencyAssessment",
                    "summary": "One agency's assessment: answers, levels, notes, evidence files.",
                    "parameters": [YEAR, AGENCY_CODE],
                    "responses": {
                        "200": _ok("The assessment.", "Assessment"),
                        "404": _error(
                            "No such period, agency or assessment, or one the token may not read."
                        ),
                        **COMMON_ERRORS,
                    },
                }
            },
        },
        "components": {
            "schemas": copy.deepcopy(SCHEMAS),
            "securitySchemes": {
                "bearerToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token created by an administrator (sc_...).",
                }
            },
        },
    }
