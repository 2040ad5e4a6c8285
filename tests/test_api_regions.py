"""A region's API token reads its own region only, as its user's pages do (tenancy.py): the
periods, results and assessments of other regions do not exist for it."""

from __future__ import annotations

from sqlalchemy import select, update

from bench.synth import fill_regions
from smartcity.extensions import db
from smartcity.models import Agency, Region
from smartcity.region_context import working_in
from smartcity.services.accounts import create_user
from smartcity.services.tokens import create_token

from .helpers import PASSWORD


def test_a_region_token_reads_its_own_region_only(app, client):
    with app.app_context():
        fill_regions(2, 2, [2024, 2025], seed=5, patterns=2)
        own = db.session.scalar(select(Region).filter_by(code="12.01"))
        db.session.execute(
            update(Agency).where(Agency.region_id == own.id).values(name="Dinas " + Agency.code)
        )
        with working_in(own.id):
            viewer = create_user("viewer-12-01", "viewer", PASSWORD)
            secret = create_token(viewer, "dashboard").secret
        db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}

    periods = client.get("/api/v1/periods", headers=headers).get_json()["periods"]
    assert sorted(p["year"] for p in periods) == [2024, 2025]
    agencies = client.get("/api/v1/periods/2025/results", headers=headers).get_json()["agencies"]
    assert sorted(a["name"] for a in agencies) == ["Dinas SYN001", "Dinas SYN002"]
    one = client.get("/api/v1/periods/2025/agencies/SYN001/assessment", headers=headers)
    assert one.status_code == 200
    assert one.get_json()["agency"]["name"] == "Dinas SYN001"
