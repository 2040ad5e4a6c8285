"""Administering agencies: create, edit, what they answer, deactivate, search and paging."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from smartcity.extensions import db
from smartcity.models import Agency, Assessment, AuditEvent, Period
from smartcity.services import agencies as service
from smartcity.services.instruments import instrument_of

NIP = "198501012010011001"
GOOD = {
    "code": "dinsos",
    "name": "Dinas  Sosial",
    "head_name": "Hj. Rusmini, S.Sos.",
    "head_nip": NIP,
    "head_position": "Kepala Dinas Sosial",
    "tags": "Sosial, Layanan Publik, sosial",
}


def agency(app, code: str) -> Agency | None:
    with app.app_context():
        found = db.session.scalar(select(Agency).filter_by(code=code))
        if found is not None:
            found.dimension_codes, found.indicator_scope  # noqa: B018 - load before detaching
            db.session.expunge(found)
        return found


def agency_actions(app, code: str) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.subject_type == "agency", AuditEvent.subject_id == code)
                .order_by(AuditEvent.id)
            )
        )


def test_creating_an_agency(demo, client, auth):
    auth.login("admin")
    response = client.post("/admin/agencies/new", data=GOOD)
    assert response.status_code == 303
    created = agency(demo, "DINSOS")
    assert response.headers["Location"] == f"/admin/agencies/{created.id}"
    assert (created.name, created.head_nip, created.tags) == (
        "Dinas Sosial",
        NIP,
        "sosial,layanan-publik",
    )
    assert agency_actions(demo, "DINSOS") == ["agency.created"]
    with demo.app_context():
        # the open period gets its draft at once
        assert db.session.scalar(select(Assessment).filter_by(agency_id=created.id)) is not None


CREATE_REFUSED = [
    # (changed fields, field, message)
    ({"head_nip": "19850101201001100A"}, "head_nip", "The NIP must be exactly 18 digits."),
    ({"head_nip": "1985010120100110"}, "head_nip", "The NIP must be exactly 18 digits."),
    ({"head_nip": ""}, "head_nip", "This field is required."),
    ({"code": "DINKES"}, "code", "An agency with the code DINKES already exists."),
    ({"code": "dinas sosial"}, "code", "A code uses capital letters, digits"),
    ({"name": "  "}, "name", "This field is required."),
    ({"head_position": "x" * 201}, "head_position", "Field cannot be longer than 200 characters."),
]


def test_creating_an_agency_is_refused_with_a_reason(demo, client, auth, english):
    auth.login("admin")
    with demo.app_context():
        before = db.session.scalar(select(func.count(Agency.id)))
    for change, field, message in CREATE_REFUSED:
        response = client.post("/admin/agencies/new", data={**GOOD, **change})
        assert response.status_code == 400, change
        page = response.get_data(as_text=True)
        error = re.search(rf'id="{field}-error" role="alert">([^<]*)<', page)
        assert error is not None and message in error[1].replace("&#39;", "'"), change
    with demo.app_context():
        assert db.session.scalar(select(func.count(Agency.id))) == before


def _form_of(agency: Agency, **changes) -> dict:
    data = {
        "name": agency.name,
        "head_name": agency.head_name,
        "head_nip": agency.head_nip,
        "head_position": agency.head_position,
        "tags": agency.tags,
    }
    data.update(changes)
    return data


def test_editing_keeps_the_code_and_saves_what_the_agency_answers(demo, client, auth):
    auth.login("admin")
    dinkes = agency(demo, "DINKES")
    page = client.get(f"/admin/agencies/{dinkes.id}").get_data(as_text=True)
    assert 'name="dimension" value="LIV" checked' in page and 'name="scope-GOV-01"' in page
    data = _form_of(
        dinkes,
        code="GANTI",
        head_name="dr. Baru, M.Kes.",
        tags="kesehatan",
        **{"scope-LIV-01": "exclude", "scope-GOV-01": "include", "scope-LIV-02": ""},
    )
    data["dimension"] = ["LIV", "GOV"]
    response = client.post(f"/admin/agencies/{dinkes.id}", data=data)
    assert response.status_code == 303
    after = agency(demo, "DINKES")
    assert after is not None and agency(demo, "GANTI") is None  # the code never changes
    assert after.head_name == "dr. Baru, M.Kes." and after.tags == "kesehatan"
    assert after.dimension_codes == ["GOV", "LIV"]  # questionnaire order
    assert {r.indicator_code: r.included for r in after.indicator_scope} == {
        "LIV-01": False,
        "GOV-01": True,
    }
    assert agency_actions(demo, "DINKES") == ["agency.changed"]
    with demo.app_context():
        stored = db.session.get(Agency, dinkes.id)
        period = db.session.scalar(select(Period).filter_by(year=2026))
        instrument = instrument_of(period.instrument_version)
        codes = service.applicable_indicator_codes(stored, instrument)
        expected = [
            i.code
            for d in instrument.dimensions
            if d.code in ("GOV", "LIV")
            for i in d.indicators
            if {"LIV-01": False, "GOV-01": True}.get(i.code, service.default_applies(i, stored))
        ]
    assert codes == expected and "LIV-01" not in codes and "GOV-01" in codes


BAD_SCOPE = [
    {"dimension": ["XXX"]},
    {"scope-XXX-01": "include"},
    {"scope-GOV-01": "maybe"},
]


def test_a_tampered_scope_is_refused(demo, client, auth):
    auth.login("admin")
    dinkes = agency(demo, "DINKES")
    for extra in BAD_SCOPE:
        response = client.post(f"/admin/agencies/{dinkes.id}", data={**_form_of(dinkes), **extra})
        assert response.status_code == 400, extra
    assert agency(demo, "DINKES").dimension_codes == ["LIV"]
    assert agency_actions(demo, "DINKES") == []
    # a refused save shows what was sent, not what is stored
    data = {**_form_of(dinkes, head_nip="123"), "dimension": ["GOV"], "scope-GOV-02": "exclude"}
    page = client.post(f"/admin/agencies/{dinkes.id}", data=data).get_data(as_text=True)
    assert 'value="GOV" checked' in page and 'value="LIV" checked' not in page
    assert re.search(
        r'name="scope-GOV-02">\s*<option value="">[^<]*</option>\s*<option value="include">[^<]*</option>\s*<option value="exclude" selected>',
        page,
    )


def test_without_rules_every_indicator_applies(demo, monkeypatch):
    from smartcity.domain import instrument as rules

    monkeypatch.delattr(rules, "indicator_applies", raising=False)
    with demo.app_context():
        stored = db.session.scalar(select(Agency).filter_by(code="DINKES"))
        instrument = service.current_instrument()
        assert service.applicable_indicator_codes(stored, instrument) == [
            i.code for i in instrument.dimension("LIV").indicators
        ]


def test_deactivating_and_reactivating_an_agency(demo, client, auth):
    auth.login("admin")
    dlh = agency(demo, "DLH")
    assert client.post(f"/admin/agencies/{dlh.id}/deactivate").status_code == 303
    assert not agency(demo, "DLH").active
    # its history and its users stay; deactivating twice records once
    client.post(f"/admin/agencies/{dlh.id}/deactivate")
    assert client.post(f"/admin/agencies/{dlh.id}/reactivate").status_code == 303
    assert agency(demo, "DLH").active
    assert agency_actions(demo, "DLH") == ["agency.deactivated", "agency.reactivated"]
    with demo.app_context():
        assert db.session.scalar(select(Assessment).filter_by(agency_id=dlh.id)) is not None


def add_agencies(app, count: int) -> None:
    with app.app_context():
        region_id = db.session.scalar(select(Agency.region_id).limit(1))
        db.session.add_all(
            Agency(
                region_id=region_id,
                code=f"UPT{n:02d}",
                name=f"Unit Pelaksana Teknis {n}",
                head_name="Kepala",
                head_nip=NIP,
                head_position="Kepala UPT",
            )
            for n in range(count)
        )
        db.session.commit()


SEARCHES = [
    ("q=dinkes", {"DINKES"}, {"DLH"}),
    ("q=kesehatan", {"DINKES"}, {"DLH"}),
    ("q=Lingkungan", {"DLH"}, {"DINKES"}),
    ("q=dis", {"DISKOMINFO", "DISDIK", "DISHUB"}, {"DLH"}),
    ("q=nothing-like-this", set(), {"DINKES"}),
    ("q=%25", set(), {"DINKES"}),
]


def test_agency_search(demo, client, auth):
    auth.login("admin")
    for query, present, absent in SEARCHES:
        page = client.get(f"/admin/agencies?{query}").get_data(as_text=True)
        shown = set(re.findall(r'href="/admin/agencies/\d+">([^<]+)</a>', page))
        assert present <= shown and not (absent & shown), query


def test_50_agencies_are_paged_25_at_a_time(demo, client, auth):
    add_agencies(demo, 38)  # with the 12 demo agencies: 50
    auth.login("admin")
    first = re.findall(
        r'href="/admin/agencies/\d+">([^<]+)</a>',
        client.get("/admin/agencies").get_data(as_text=True),
    )
    second_page = client.get("/admin/agencies?page=2").get_data(as_text=True)
    second = re.findall(r'href="/admin/agencies/\d+">([^<]+)</a>', second_page)
    assert len(first) == len(second) == 25
    assert len(set(first + second)) == 50 and first + second == sorted(first + second)
    assert 'rel="next"' not in second_page
    upt = client.get("/admin/agencies?q=upt&page=2").get_data(as_text=True)
    assert len(re.findall(r'href="/admin/agencies/\d+">UPT', upt)) == 13
