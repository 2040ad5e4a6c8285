"""Signature blocks: the NIP as printed on Indonesian government documents."""

from __future__ import annotations

import pytest

from smartcity.domain.signatory import Signatory, format_nip

NIPS = [
    ("197806212003121002", "19780621 200312 1 002"),
    ("19780621 200312 1 002", "19780621 200312 1 002"),
    (" 198501302010012003 ", "19850130 201001 2 003"),
    ("", ""),
    ("12345", "12345"),  # not a NIP: printed as entered, never invented
]


@pytest.mark.parametrize(("stored", "printed"), NIPS)
def test_nip_is_grouped_by_birth_date_appointment_sex_and_sequence(stored, printed):
    assert format_nip(stored) == printed


def test_a_signatory_without_nip_has_no_nip_to_print():
    bupati = Signatory(position="Bupati Kotawaringin Timur", name="H. Halikinnor")
    assert bupati.nip_display == ""
