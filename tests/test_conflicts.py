"""Two people editing one dimension at once: a colleague's save is never silently overwritten."""

from __future__ import annotations

import re

from .helpers import assessment_of, colleague, stored_answers


def form_as_loaded(client, assessment_id: int) -> dict[str, str]:
    """The GOV page's fields as the browser holds them (values and hidden versions)."""
    page = client.get(f"/assessments/{assessment_id}/dimensions/GOV").get_data(as_text=True)
    versions = dict(re.findall(r'name="(version-GOV-\d+)" type="hidden" value="(\d+)"', page))
    versions |= dict(re.findall(r'type="hidden" name="(version-GOV-\d+)" value="(\d+)"', page))
    versions |= {k: v for v, k in re.findall(r'value="(\d+)" name="(version-GOV-\d+)"', page)}
    assert len(versions) == 5, versions
    return versions


def save(client, assessment_id: int, data: dict[str, str]):
    return client.post(f"/assessments/{assessment_id}/dimensions/GOV", data=data)


def test_a_save_based_on_an_old_page_is_refused_and_keeps_the_typed_text(
    demo, client, auth, english
):
    assessment_id = assessment_of(demo, "DISKOMINFO").id
    auth.login("diskominfo")
    mine = form_as_loaded(client, assessment_id)
    assert mine["version-GOV-01"] == "0"

    other, _ = colleague(demo)
    theirs = form_as_loaded(other, assessment_id)
    assert (
        save(
            other, assessment_id, {**theirs, "level-GOV-01": "2", "justification-GOV-01": "Rina"}
        ).status_code
        == 303
    )

    response = save(
        client, assessment_id, {**mine, "level-GOV-01": "4", "justification-GOV-01": "Punyaku"}
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "GOV-01 was changed by Rina while you were editing (now: level 2)" in page
    assert "Punyaku" in page  # what this user typed is still in the form
    assert stored_answers(demo, assessment_id)["GOV-01"][:3] == (2, False, "Rina")

    # having seen the conflict, saving again (the page now carries version 1) keeps theirs
    again = (
        response.get_data(as_text=True)
        .split('name="version-GOV-01"')[1]
        .split('value="')[1]
        .split('"')[0]
    )
    assert again == "1"
    data = {"version-GOV-01": again, "level-GOV-01": "4", "justification-GOV-01": "Punyaku"}
    assert save(client, assessment_id, data).status_code == 303
    assert stored_answers(demo, assessment_id)["GOV-01"][:3] == (4, False, "Punyaku")


def test_the_same_answer_from_both_is_no_conflict(demo, client, auth):
    assessment_id = assessment_of(demo, "DISKOMINFO").id
    auth.login("diskominfo")
    mine = form_as_loaded(client, assessment_id)
    other, _ = colleague(demo)
    same = {"level-GOV-01": "3", "justification-GOV-01": "SK Bupati"}
    assert (
        save(other, assessment_id, {**form_as_loaded(other, assessment_id), **same}).status_code
        == 303
    )
    assert save(client, assessment_id, {**mine, **same}).status_code == 303


def test_the_whole_page_is_one_snapshot(demo, client, auth, english):
    """A colleague answered GOV-02 meanwhile: my stale page (GOV-02 empty) must not wipe it."""
    assessment_id = assessment_of(demo, "DISKOMINFO").id
    auth.login("diskominfo")
    mine = form_as_loaded(client, assessment_id)
    other, _ = colleague(demo)
    theirs = {
        **form_as_loaded(other, assessment_id),
        "level-GOV-02": "2",
        "justification-GOV-02": "x",
    }
    assert save(other, assessment_id, theirs).status_code == 303
    response = save(
        client, assessment_id, {**mine, "level-GOV-01": "1", "justification-GOV-01": "y"}
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "GOV-02 was changed by Rina" in page and "GOV-01 was changed" not in page
    assert stored_answers(demo, assessment_id) == {"GOV-02": (2, False, "x")}


def test_a_client_that_sends_no_versions_is_not_checked(demo, client, auth):
    assessment_id = assessment_of(demo, "DISKOMINFO").id
    auth.login("diskominfo")
    assert (
        save(client, assessment_id, {"level-GOV-01": "2", "justification-GOV-01": "a"}).status_code
        == 303
    )
    assert (
        save(client, assessment_id, {"level-GOV-01": "3", "justification-GOV-01": "b"}).status_code
        == 303
    )
    assert stored_answers(demo, assessment_id)["GOV-01"] == (3, False, "b")


def test_a_forged_version_field_for_another_dimension_is_refused(demo, client, auth):
    assessment_id = assessment_of(demo, "DISKOMINFO").id
    auth.login("diskominfo")
    assert save(client, assessment_id, {"version-LIV-01": "3"}).status_code == 400
