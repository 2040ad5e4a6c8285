"""Fuzzing the JSON API from its own OpenAPI document (schemathesis, in-process over WSGI).

For every operation, generated requests (valid and invalid years and agency codes, with an
admin's, an agency's and a national viewer's token) must never get a 500 and every response must match the
document: status code, content type, body schema.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from smartcity.extensions import db
from smartcity.models import User
from smartcity.services.accounts import create_user
from smartcity.services.tokens import create_token

EXAMPLES = 10


def token_for(app, username: str) -> str:
    with app.app_context():
        user = db.session.query(User).filter_by(username=username).one()
        secret = create_token(user, "fuzz").secret
        db.session.commit()
    return secret


@pytest.fixture
def api_schema(demo_history):
    demo_history.config["API_RATE_LIMIT"] = "100000 per minute"
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", demo_history)


def fuzz(operation, headers: dict[str, str], mode: GenerationMode, **fixed) -> None:
    @given(case=operation.as_strategy(generation_mode=mode, **fixed))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case) -> None:
        # schemathesis' WSGI client asks for gzip like a browser but does not unpack it
        case.call_and_validate(headers={**headers, "Accept-Encoding": "identity"})

    run()


def test_no_server_error_and_no_schema_violation(demo_history, api_schema):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) == 6
    with demo_history.app_context():
        create_user("kementerian-pimpinan", "national-viewer", "Sandi-Nasional-2026!")
        db.session.commit()
    for username in ("admin", "diskominfo", "kementerian-pimpinan"):
        headers = {"Authorization": f"Bearer {token_for(demo_history, username)}"}
        for operation in operations:
            fuzz(operation, headers, GenerationMode.POSITIVE)
            fuzz(operation, headers, GenerationMode.NEGATIVE)
            # real periods and agencies too, so that full answers are checked against the schema
            if "year" in operation.path:
                fixed = {"year": 2025}
                if "code" in operation.path:
                    fixed["code"] = "DISKOMINFO"
                fuzz(operation, headers, GenerationMode.POSITIVE, path_parameters=fixed)
    # without a token: 401 for every operation, as documented
    for operation in operations:
        fuzz(operation, {}, GenerationMode.POSITIVE)
