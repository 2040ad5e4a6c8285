"""The letterhead and document numbers an administrator sets (/admin/region, docs/DOCUMENTS.md)."""

from __future__ import annotations

import io
import json

from sqlalchemy import select

from smartcity.extensions import db
from smartcity.models import AuditEvent, DocumentSettings
from smartcity.services import letterhead

from .helpers import HOSTILE_SVG, png

KINDS = ("report", "certificate", "region_report", "minutes", "region_minutes")


def form(**changes) -> dict:
    values = {
        "government": "PEMERINTAH KOTA CONTOH",
        "unit": "BADAN PERENCANAAN PEMBANGUNAN DAERAH",
        "unit_code": "BAPPEDA",
        "address": "Jalan Merdeka 1, Kota Contoh",
        "telephone": "(0123) 45678",
        "email": "bappeda@contoh.go.id",
        "website": "bappeda.contoh.go.id",
    }
    for kind in KINDS:
        values[f"numbering_{kind}-pattern"] = "{klasifikasi}/{nomor}/{unit}/{bulan}/{tahun}"
        values[f"numbering_{kind}-classification"] = "050"
    values.update(changes)
    return values


def saved() -> DocumentSettings:
    db.session.expire_all()
    return db.session.scalar(select(DocumentSettings))


def test_the_page_shows_the_demo_settings(demo, client, auth):
    auth.login("admin")
    page = client.get("/admin/region").get_data(as_text=True)
    assert 'value="PEMERINTAH KABUPATEN KOTAWARINGIN TIMUR"' in page
    assert 'value="BAPPERIDA"' in page and 'value="{klasifikasi}/{nomor}/{unit}/{tahun}"' in page
    assert 'src="/admin/region/emblem"' in page
    # what the next number looks like
    assert "000.8.3/017/BAPPERIDA/" in page


def test_an_administrator_changes_the_letterhead_and_the_numbers(demo, client, auth):
    auth.login("admin")
    data = form(emblem=(io.BytesIO(png()), "lambang.png"))
    response = client.post("/admin/region", data=data, content_type="multipart/form-data")
    assert response.status_code == 303
    with demo.test_request_context():
        row = saved()
        assert (row.unit_code, row.emblem_type, row.emblem) == ("BAPPEDA", "image/png", png())
        assert json.loads(row.numbering)["report"] == {
            "pattern": "{klasifikasi}/{nomor}/{unit}/{bulan}/{tahun}",
            "classification": "050",
        }
        from datetime import date

        assert letterhead.take_number("report", date(2026, 8, 1)) == "050/001/BAPPEDA/VIII/2026"
        shown = letterhead.letterhead("id")
        assert shown.contact == (
            "Telepon (0123) 45678, Pos-el: bappeda@contoh.go.id, Laman: bappeda.contoh.go.id"
        )
        event = db.session.scalar(select(AuditEvent).filter_by(action="region.documents_changed"))
        assert json.loads(event.new_value)["unit_code"] == "BAPPEDA"
        assert json.loads(event.old_value)["unit_code"] == "BAPPERIDA"
    trail = client.get("/audit").get_data(as_text=True)
    assert "Kop surat dan nomor dokumen diubah" in trail


def test_an_svg_coat_of_arms_is_stored_clean_and_served_as_an_image(demo, client, auth):
    auth.login("admin")
    data = form(emblem=(io.BytesIO(HOSTILE_SVG), "lambang.svg"))
    assert (
        client.post("/admin/region", data=data, content_type="multipart/form-data").status_code
        == 303
    )
    served = client.get("/admin/region/emblem")
    assert served.mimetype == "image/svg+xml"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Security-Policy"].startswith("sandbox")
    body = served.data.decode().lower()
    assert "script" not in body and "onload" not in body and "javascript" not in body
    assert "<path" in body


def test_refused_settings_list_every_problem_and_change_nothing(demo, client, auth):
    auth.login("admin")
    with demo.app_context():
        before = (saved().unit_code, saved().emblem)
    data = form(
        unit_code="BAPPEDA",
        email="bukan-alamat",
        emblem=(io.BytesIO(b"GIF89a" + b"\x00" * 20), "lambang.gif"),
        **{"numbering_report-pattern": "{klasifikasi}/{unit}/{tahun}"},
    )
    response = client.post("/admin/region", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Alamat pos-el tidak sah." in page
    assert "pola memerlukan {nomor}" in page
    assert "Lambang daerah harus berupa gambar PNG atau SVG." in page
    assert 'value="bukan-alamat"' in page  # what was typed is kept
    with demo.app_context():
        assert (saved().unit_code, saved().emblem) == before


def test_removing_the_coat_of_arms(demo, client, auth):
    auth.login("admin")
    response = client.post("/admin/region", data=form(remove_emblem="y"))
    assert response.status_code == 303
    assert client.get("/admin/region/emblem").status_code == 404
    with demo.test_request_context():
        assert letterhead.letterhead("id").emblem == ""
