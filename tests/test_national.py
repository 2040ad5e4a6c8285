"""National mode: the ranking of regions, its pages, export and API, the region commands and
`seed-demo --national` (docs/REGIONS.md)."""

from __future__ import annotations

import csv
import io
from fractions import Fraction

import pytest
from sqlalchemy import select

from smartcity.domain import formats
from smartcity.domain.national import (
    PROVINCES,
    RegionInput,
    RegionYear,
    national_year,
    region_year,
    trend,
)
from smartcity.domain.workflow import Status
from smartcity.extensions import db
from smartcity.models import Assessment, Period, Region, User
from smartcity.region_context import working_in
from smartcity.services import national, regions
from smartcity.services.instruments import DEMO_INSTRUMENT, instrument_of, register_instrument
from smartcity.services.region import region_for
from smartcity.services.tokens import create_token

from .helpers import PASSWORD, SECOND_REGION, queries_during

DEMO = "62.02"


# --- the arithmetic (pure) -----------------------------------------------------------------


@pytest.fixture(scope="module")
def instrument():
    from smartcity.domain.loader import load_instrument

    return load_instrument(DEMO_INSTRUMENT.read_text(encoding="utf-8"))


def _final(**dimensions: str) -> dict[str, Fraction]:
    """A final agency's verified dimension indices."""
    return {d: Fraction(v) for d, v in dimensions.items()}


def _region(code: str, province: str, instrument, *finals, agencies: int | None = None):
    """A region's year: its final agencies' indices (and how many agencies in all)."""
    region = RegionInput(
        code,
        f"Daerah {code}",
        province,
        instrument,
        tuple(finals),
        len(finals) if agencies is None else agencies,
    )
    return region_year(region)


def test_regions_are_ranked_by_index_ties_share_a_rank_and_the_unfinished_follow(instrument):
    inputs = [
        _region("62.01", "62", instrument, _final(GOV="3")),
        _region("62.02", "62", instrument, _final(GOV="4")),
        _region("63.01", "63", instrument, _final(GOV="3")),
        _region("63.02", "63", instrument, agencies=1),
    ]
    year = national_year(2025, inputs, instrument)
    assert [(r.rank, r.code) for r in year.regions] == [
        (1, "62.02"),
        (2, "62.01"),
        (2, "63.01"),
        (None, "63.02"),
    ]
    assert year.ranked == 3


def test_a_regions_index_is_its_region_pages(instrument):
    """Only GOV answered: the region index is the GOV mean, as on the region page."""
    region = _region("62.01", "62", instrument, _final(GOV="3"), _final(GOV="2"))
    assert region.pillars == {"GOV": Fraction(5, 2)} and region.index == Fraction(5, 2)
    assert region.final_agencies == region.agencies == 2


def test_change_province_table_and_pillar_counts(instrument):
    before = [_region("62.01", "62", instrument, _final(GOV="2"))]
    inputs = [
        _region("62.01", "62", instrument, _final(GOV="3")),
        _region("62.02", "62", instrument, _final(GOV="4")),
        _region("63.01", "63", instrument, _final(GOV="1")),
    ]
    year = national_year(2025, inputs, instrument, before)
    by_code = {r.code: r for r in year.regions}
    assert by_code["62.01"].change == 1 and by_code["62.02"].change is None
    kalteng = next(p for p in year.provinces if p.code == "62")
    assert kalteng.name == "Kalimantan Tengah" and kalteng.mean == Fraction(7, 2)
    assert kalteng.best.code == "62.02" and kalteng.regions == 2
    assert year.mean == Fraction(8, 3)
    yoy = year.year_over_year
    assert (yoy.regions, yoy.mean, yoy.previous_mean, yoy.improved, yoy.declined) == (
        1,
        3,
        2,
        1,
        0,
    )
    gov = next(p for p in year.pillars if p.dimension.code == "GOV")
    assert gov.regions == 3 and sum(count for _band, count in gov.counts) == 3
    assert len(PROVINCES) == 38


# --- the service, pages, export and API ------------------------------------------------------


def test_the_national_year_agrees_with_each_regions_own_page(two_regions):
    with two_regions.app_context():
        year = national.of_year(2025)
        shown = {r.code: r.index for r in year.regions}
        for code in (DEMO, SECOND_REGION):
            region = regions.find(code)
            with working_in(region.id):
                period = db.session.scalar(select(Period).filter_by(year=2025))
                assert region_for(period).result.index == shown[code], code


def test_the_national_year_follows_every_change_of_a_regions_results(two_regions):
    """Computed again when a result is stored or dropped, renamed at once."""
    from smartcity.services import results

    def second() -> object:
        year = national.of_year(2025)
        return next(r for r in year.regions if r.code == SECOND_REGION)

    with two_regions.app_context():
        before = second()
        assert before.final_agencies == 1 and before.index is not None
        with working_in(regions.find(SECOND_REGION).id):
            assessment = db.session.scalar(
                select(Assessment).join(Period).where(Period.year == 2025)
            )
            results.drop(assessment)
            assessment.status = Status.VERIFIED
            db.session.flush()
            assert (second().final_agencies, second().index) == (0, None)
            assessment.status = Status.FINAL
            results.record(assessment)
            assert second().index == before.index
            regions.update_region(regions.find(SECOND_REGION), name="Kabupaten Kobar Baru")
            assert second().name == "Kabupaten Kobar Baru"
        db.session.rollback()


def test_the_national_year_asks_the_same_number_of_queries_for_more_regions(two_regions):
    import random

    from smartcity.seed.national import add_synthetic_region, seed_national

    with two_regions.app_context():
        seed_national(lambda: PASSWORD, [])
        version = db.session.scalar(
            select(Period).join(Region).where(Region.code == "62.71", Period.year == 2025)
        ).instrument_version
    national.forget()
    few = queries_during(two_regions, lambda: national.of_year(2025))
    with two_regions.app_context():
        for n in range(3):
            add_synthetic_region(
                f"62.{20 + n}", f"Kabupaten Uji {n}", "kabupaten", "Uji", version, random.Random(n)
            )
        db.session.commit()
    national.forget()
    many = queries_during(two_regions, lambda: national.of_year(2025))
    with two_regions.app_context():
        assert len(national.of_year(2025).regions) == 9
    assert many == few and few > 0


def test_the_ranking_page_and_its_export(two_regions, client, auth):
    auth.login("kementerian-pimpinan")
    page = client.get("/national/2025").get_data(as_text=True)
    assert "Kabupaten Kotawaringin Barat" in page and "Kabupaten Kotawaringin Timur" in page
    assert client.get("/national/1999").status_code == 404
    response = client.get("/national/2025/export.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["Peringkat", "Kode", "Daerah"] and len(rows) == 3
    assert {row[1] for row in rows[1:]} == {DEMO, SECOND_REGION}
    excel = client.get("/national/2025/export.csv?dialect=excel-id").get_data(as_text=True)
    assert ";" in excel.splitlines()[1] and "," in excel.splitlines()[1].split(";")[4]
    assert client.get("/national/2025/export.csv?dialect=x").status_code == 400


def test_a_regions_page_for_the_ministry(two_regions, client, auth):
    """Read-only, with the index of the region's own page; an unknown region or year is 404."""
    auth.login("kementerian-evaluator")
    page = client.get(f"/national/2025/regions/{SECOND_REGION}").get_data(as_text=True)
    with two_regions.app_context():
        second = regions.find(SECOND_REGION)
        with working_in(second.id):
            period = db.session.scalar(select(Period).filter_by(year=2025))
            index = region_for(period).result.index
    assert "Dinas Kominfo Kobar" in page
    assert formats.index(index, "id") in page
    assert client.get("/national/2025/regions/99.99").status_code == 404
    assert client.get(f"/national/1999/regions/{SECOND_REGION}").status_code == 404


def test_the_year_page_compares_with_the_year_before(national_demo, client, auth):
    """With the national demo: 2025 against 2024, over the five regions with both years."""
    auth.login("kementerian-pimpinan")
    page = client.get("/national/2025").get_data(as_text=True)
    assert 'data-testid="national-year-over-year"' in page
    assert "Dari 5 daerah" in page


def _year_of(code: str, index: str | None) -> RegionYear:
    return RegionYear(
        None, code, f"Daerah {code}", "62", Fraction(index) if index else None, None, {}, 1, 1
    )


def test_year_over_year_across_all_years():
    """Each year against the one before, over the regions with a result in both; a region's
    indices side by side (absent in a year without a period)."""
    found = trend(
        {
            2025: [_year_of("62.01", "3"), _year_of("62.02", "2"), _year_of("62.03", None)],
            2024: [_year_of("62.01", "2"), _year_of("62.02", "5/2")],
            2026: [_year_of("62.01", "3"), _year_of("62.03", "4")],
        }
    )
    summary = [
        (y.year, y.ranked, y.mean, y.against_previous and y.against_previous.improved)
        for y in found.years
    ]
    assert summary == [
        (2024, 2, Fraction(9, 4), None),
        (2025, 2, Fraction(5, 2), 1),
        (2026, 2, Fraction(7, 2), 0),
    ]
    assert found.years[1].against_previous.declined == 1
    assert found.years[2].against_previous.unchanged == 1
    assert found.years[2].against_previous.regions == 1  # 62.03 had no result in 2025
    assert {r.code: dict(r.indices) for r in found.regions} == {
        "62.01": {2024: 2, 2025: 3, 2026: 3},
        "62.02": {2024: Fraction(5, 2), 2025: 2},
        "62.03": {2025: None, 2026: 4},
    }


def test_the_index_page_shows_every_year_side_by_side(national_demo, client, auth):
    auth.login("kementerian-pimpinan")
    page = client.get("/national/").get_data(as_text=True)
    assert 'data-testid="national-trend-years"' in page
    with national_demo.app_context():
        expected = national.of_year(2025)
    kobar = next(r for r in expected.regions if r.code == "62.01")
    row = page.split('data-testid="national-trend-regions"')[1].split("62.01")[1].split("</tr>")[0]
    assert formats.index(kobar.index, "id") in row


def test_the_index_page_lists_years_and_regions(two_regions, client, auth):
    auth.login("kementerian-admin")
    page = client.get("/national/").get_data(as_text=True)
    assert "/national/2025" in page and "62.01" in page and "Kalimantan Tengah" in page


@pytest.mark.parametrize(
    ("username", "status"),
    [("kementerian-admin", 200), ("kementerian-evaluator", 403), ("kementerian-pimpinan", 403)],
)
@pytest.mark.parametrize("url", ["/national/regions/new", "/national/users", "/national/users/new"])
def test_only_the_ministrys_administrators_manage_regions_and_users(
    two_regions, client, auth, username, status, url
):
    auth.login(username)
    assert client.get(url).status_code == status


def test_a_ministry_administrator_creates_a_region_and_a_national_user(two_regions, client, auth):
    auth.login("kementerian-admin")
    refused = client.post(
        "/national/regions/new", data={"code": "62.1", "name": "X", "kind": "kabupaten"}
    )
    assert refused.status_code == 400 and "62.02" in refused.get_data(as_text=True)
    created = client.post(
        "/national/regions/new",
        data={"code": "62.03", "name": "Kabupaten Kapuas", "kind": "kabupaten", "seat": "Kuala"},
    )
    assert created.status_code == 303
    made = client.post(
        "/national/users/new",
        data={
            "username": "evaluator-nasional",
            "full_name": "Evaluator Nasional",
            "role": "ministry-evaluator",
            "password": "Sandi-Nasional-2026!",
        },
    )
    assert made.status_code == 303
    region_role = client.post(
        "/national/users/new",
        data={"username": "x", "role": "admin", "password": "Sandi-Nasional-2026!"},
    )
    assert region_role.status_code == 400
    with two_regions.app_context():
        assert regions.find("62.03").province_code == "62"
        user = db.session.scalar(select(User).filter_by(username="evaluator-nasional"))
        assert user.region_id is None and user.must_change_password
    assert "evaluator-nasional" in client.get("/national/users").get_data(as_text=True)


def _token(app, username: str) -> str:
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(username=username))
        secret = create_token(user, "test").secret
        db.session.commit()
    return secret


@pytest.mark.parametrize(
    ("username", "url", "status"),
    [
        ("kementerian-pimpinan", "/api/v1/national/periods/2025/results", 200),
        ("kementerian-pimpinan", "/api/v1/national/periods/1999/results", 404),
        ("kementerian-pimpinan", "/api/v1/periods", 403),
        ("kementerian-pimpinan", "/api/v1/regions", 200),
        ("admin", "/api/v1/national/periods/2025/results", 403),
        ("admin", "/api/v1/regions", 200),
        ("b-admin", "/api/v1/periods/2025/results", 200),
    ],
)
def test_the_api_by_token(two_regions, client, username, url, status):
    secret = _token(two_regions, username)
    response = client.get(url, headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == status
    if url == "/api/v1/regions":
        codes = [r["code"] for r in response.get_json()["regions"]]
        assert codes == ([SECOND_REGION, DEMO] if username.startswith("kementerian") else [DEMO])
    if url.endswith("2025/results") and status == 200 and "national" in url:
        ranked = response.get_json()["regions"]
        assert {r["code"] for r in ranked} == {DEMO, SECOND_REGION}
        assert all(r["rank"] >= 1 and 0 <= r["index"] <= 5 for r in ranked)
    if username == "b-admin":
        agencies = response.get_json()["agencies"]
        assert [a["name"] for a in agencies] == ["Dinas Kominfo Kobar"]


# --- commands ----------------------------------------------------------------------------------


def test_region_create_list_and_update(demo, runner):
    created = runner.invoke(
        args=["region", "create", "62.71", "--name", "Kota Palangka Raya", "--kind", "kota"]
    )
    assert created.exit_code == 0, created.output
    listed = runner.invoke(args=["region", "list"]).output
    assert "62.71" in listed and "kota" in listed and "62.02" in listed
    updated = runner.invoke(args=["region", "update", "62.71", "--seat", "Palangka Raya"])
    assert updated.exit_code == 0 and "updated" in updated.output
    with demo.app_context():
        region = regions.find("62.71")
        assert (region.kind, region.province_code, region.seat) == ("kota", "62", "Palangka Raya")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["62.2", "--name", "X", "--kind", "kabupaten"], "62.02"),
        (["62", "--name", "X", "--kind", "kabupaten"], "62.02"),
        (["6202", "--name", "X", "--kind", "provinsi"], "two digits"),
        (["62.03", "--name", "X", "--kind", "kabupaten", "--province", "63"], "province 62"),
        (["62.02", "--name", "X", "--kind", "kabupaten"], "exists already"),
        (["62.03", "--name", " ", "--kind", "kabupaten"], "name"),
    ],
)
def test_region_create_refuses_bad_codes(demo, runner, arguments, message):
    result = runner.invoke(args=["region", "create", *arguments])
    assert result.exit_code == 1 and message in result.output, result.output


def test_commands_ask_for_the_region_once_there_are_several(two_regions, runner, tmp_path):
    for arguments in (
        ["period", "close", "2026"],
        ["export", "--period", "2025", "--what", "results", "--format", "csv", "--out", "x.csv"],
        ["user", "create", "x-user", "--role", "evaluator", "--password-stdin"],
    ):
        result = runner.invoke(args=arguments, input="Sandi-Rahasia-2026!\n")
        assert result.exit_code == 1 and "--region" in result.output, arguments
    out = tmp_path / "kobar.csv"
    exported = runner.invoke(
        args=[
            *("export", "--period", "2025", "--what", "results", "--format", "csv"),
            *("--out", str(out), "--region", SECOND_REGION),
        ]
    )
    assert exported.exit_code == 0, exported.output
    text = out.read_text(encoding="utf-8-sig")
    assert "Dinas Kominfo Kobar" in text and "Dinas Kesehatan" not in text
    made = runner.invoke(
        args=["user", "create", "x-user", "--role", "evaluator", "--region", SECOND_REGION]
        + ["--password-stdin"],
        input="Sandi-Rahasia-2026!\n",
    )
    assert made.exit_code == 0, made.output
    national_user = runner.invoke(
        args=["user", "create", "x-kemen", "--role", "national-viewer", "--password-stdin"],
        input="Sandi-Rahasia-2026!\n",
    )
    assert national_user.exit_code == 0, national_user.output
    with two_regions.app_context():
        users = {u.username: u for u in db.session.scalars(select(User))}
        second = regions.find(SECOND_REGION)
        assert users["x-user"].region_id == second.id and users["x-kemen"].region_id is None


def test_the_same_year_is_opened_in_each_region(two_regions, runner):
    with two_regions.app_context():
        register_instrument(DEMO_INSTRUMENT.read_text(encoding="utf-8"), str(DEMO_INSTRUMENT))
        db.session.commit()
        code = instrument_of(
            db.session.scalar(select(Period).filter_by(year=2026)).instrument_version
        ).code
    for region in (DEMO, SECOND_REGION):
        result = runner.invoke(
            args=["period", "create", "2027", "--instrument", code, "--region", region]
        )
        assert result.exit_code == 0, result.output
    with two_regions.app_context(), working_in(None):
        assert len(db.session.scalars(select(Period).filter_by(year=2027)).all()) == 2


def test_seed_demo_national_adds_the_ministry_and_five_regions_once(demo_history, runner):
    first = runner.invoke(args=["seed-demo", "--national", "--password", PASSWORD])
    assert first.exit_code == 0, first.output
    assert "kementerian-pimpinan" in first.output
    again = runner.invoke(args=["seed-demo", "--national", "--password", PASSWORD])
    assert again.exit_code == 0 and "already exists" in again.output
    with demo_history.app_context():
        assert len(db.session.scalars(select(Region)).all()) == 6
        year = national.of_year(2025)
        assert year.ranked == 6 and all(
            r.previous is not None for r in year.regions[1:] if r.code != DEMO
        )
        roles = {
            u.username: u.role
            for u in db.session.scalars(select(User).where(User.region_id.is_(None)))
        }
    assert roles == {
        "kementerian-admin": "ministry-admin",
        "kementerian-evaluator": "ministry-evaluator",
        "kementerian-pimpinan": "national-viewer",
    }


@pytest.mark.commits
def test_print_takes_the_region(two_regions, runner, tmp_path):
    """`print --region`: the second region's 2025 documents, numbered in its own series."""
    result = runner.invoke(
        args=[
            *("print", "--period", "2025", "--what", "certificate"),
            *("--out", str(tmp_path), "--region", SECOND_REGION),
        ]
    )
    assert result.exit_code == 0, result.output
    manifest = (tmp_path / "manifest.csv").read_text(encoding="utf-8-sig")
    assert "DISKOMINFO" in manifest and "DINKES" not in manifest
    refused = runner.invoke(args=["print", "--period", "2025", "--out", str(tmp_path / "x")])
    assert refused.exit_code == 1 and "--region" in refused.output
