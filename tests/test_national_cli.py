"""`flask national-period ...`: the ministry's national periods from the command line (create,
list, finalize, awards), with clear refusals and a non-zero exit."""

from __future__ import annotations

import pytest

from smartcity.extensions import db
from smartcity.models import NationalPeriodStatus
from smartcity.services import national_evaluation as ne

from .national_setup import ministry_and_instrument, verified_submission

CODE = "contoh-evaluasi-nasional"


@pytest.fixture
def national(app, demo_history):
    """The demo region with the ministry's users and the example national instrument."""
    with app.test_request_context():
        ministry_and_instrument()
        db.session.commit()
    return app


def _verified(app, year: int) -> None:
    with app.test_request_context():
        verified_submission(year)


@pytest.mark.parametrize(
    ("args", "exit_code", "says"),
    [
        (["2027", "--instrument", CODE], 0, "national period 2027 open with " + CODE),
        (["2027", "--instrument", CODE, "--version", "2026.1-contoh"], 0, "2026.1-contoh"),
        (["2027", "--instrument", "tidak-ada"], 1, "instrument tidak-ada is not published"),
        (["2027", "--instrument", CODE, "--version", "9.9"], 1, "version 9.9 is not published"),
        # the region's own instrument has no evaluation dimensions
        (["2027", "--instrument", "kotim-smart-city"], 1, "kotim-smart-city 2026.1"),
        (["2027"], 2, "--instrument"),
    ],
)
def test_create_opens_a_national_period_with_an_instrument_that_has_the_second_axis(
    national, runner, args, exit_code, says
):
    result = runner.invoke(args=["national-period", "create", *args])
    assert result.exit_code == exit_code, result.output
    assert says in result.output
    with national.app_context():
        assert (ne.national_period(2027) is not None) == (exit_code == 0)


def test_create_refuses_a_year_that_exists(national, runner):
    assert (
        runner.invoke(args=["national-period", "create", "2027", "--instrument", CODE]).exit_code
        == 0
    )
    again = runner.invoke(args=["national-period", "create", "2027", "--instrument", CODE])
    assert again.exit_code == 1 and "2027" in again.output


def test_list_names_each_year_its_status_and_submissions(national, runner):
    empty = runner.invoke(args=["national-period", "list"])
    assert empty.exit_code == 0 and "no national period yet" in empty.output
    for year in ("2026", "2027"):
        runner.invoke(args=["national-period", "create", year, "--instrument", CODE])
    _verified(national, 2026)
    lines = runner.invoke(args=["national-period", "list"]).output.splitlines()
    assert lines[0].split()[:3] == ["YEAR", "STATUS", "REGIONS"]
    assert lines[1].split()[:4] == ["2027", "open", "0", "-"]  # newest first
    assert lines[2].split()[:5] == ["2026", "open", "1", "verified", "1"]


def test_finalize_ranks_the_verified_regions_as_the_command_line(national, runner):
    runner.invoke(args=["national-period", "create", "2026", "--instrument", CODE])
    early = runner.invoke(args=["national-period", "finalize", "2026"])
    assert early.exit_code == 1  # no region verified yet: refused, nothing changes
    assert runner.invoke(args=["national-period", "finalize", "1999"]).exit_code == 1
    _verified(national, 2026)
    result = runner.invoke(args=["national-period", "finalize", "2026"])
    assert result.exit_code == 0, result.output
    assert "national period 2026 final: 1 region(s) ranked" in result.output
    assert "1. 62.02" in result.output
    with national.app_context():
        period = ne.national_period(2026)
        assert period.status == NationalPeriodStatus.FINAL and period.finalized_by_id is None
    assert runner.invoke(args=["national-period", "finalize", "2026"]).exit_code == 1


def test_awards_are_issued_for_a_final_year_and_refused_below_the_minimum(national, runner):
    runner.invoke(args=["national-period", "create", "2026", "--instrument", CODE])
    _verified(national, 2026)
    before = runner.invoke(args=["national-period", "awards", "2026"])
    assert before.exit_code == 1  # not final yet
    runner.invoke(args=["national-period", "finalize", "2026"])
    below = runner.invoke(args=["national-period", "awards", "2026"])
    assert below.exit_code == 0, below.output
    assert "no award for 62.02" in below.output and "0 award(s)" in below.output
    national.config["CERTIFICATE_MIN_LEVEL"] = 0
    issued = runner.invoke(args=["national-period", "awards", "2026"])
    assert issued.exit_code == 0, issued.output
    code, number, name = issued.output.splitlines()[0].split()
    assert number.startswith("000.8.3/001/KEMENTERIAN/") and name == "Piagam-62.02-2026.pdf"
    again = runner.invoke(args=["national-period", "awards", "2026"])
    assert again.output.splitlines()[0].split()[0] == code  # unchanged: the same award
