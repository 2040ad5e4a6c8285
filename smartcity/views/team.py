"""The Tim Pelaksana and the agency's officials: the admin's team pages, the team's own page,
interviews and site visits, achievements/obstacles/follow-up, the Berita Acara, approvers.

Access, as elsewhere: 404 for what the user may not see (ids reveal nothing), 403 for what
they see but may not change, 409 for the wrong moment, 400 for a form that is not right.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from ..domain.workflow import Status
from ..models import FollowUp, Role, TeamMember, User
from ..policy import (
    acting_chair,
    can_edit_assessment,
    can_follow_up,
    can_record_interview,
    reads_team,
    reviews_by_assignment,
)
from ..services import approvals, minutes, store, team
from ..services import assessments as assessment_service
from ..services import documents as document_service
from ..services import follow_ups as follow_up_service
from ..services.periods import active_agencies, find_period
from ..services.store import unit_of_work
from .assessment import load_assessment
from .helpers import language, load_or_404, roles_required

bp = Blueprint("team", __name__)

ROLE_LABELS = {
    team.CHAIR: _l("Chair (Ketua)"),
    team.VICE_CHAIR: _l("Vice-chair (Wakil Ketua)"),
    team.SECRETARY: _l("Secretary (Sekretaris)"),
    team.MEMBER: _l("Member (Anggota)"),
}
STAGE_LABELS = {
    team.WITH_AGENCY: _l("With the agency"),
    team.DESK: _l("Desk evaluation"),
    team.INTERVIEW_STAGE: _l("Interview or site visit"),
    team.FINAL: _l("Final"),
}
KIND_LABELS = {team.INTERVIEW: _l("Interview"), team.SITE_VISIT: _l("Site visit")}
OUTCOME_LABELS = {
    follow_up_service.DONE: _l("Done"),
    follow_up_service.PARTLY: _l("Partly done"),
    follow_up_service.NOT_DONE: _l("Not done"),
}


@bp.app_template_filter("team_role")
def team_role(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


@bp.app_template_filter("stage_name")
def stage_name(stage: str) -> str:
    return str(STAGE_LABELS.get(stage, stage))


@bp.app_template_filter("interview_kind")
def interview_kind(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


@bp.app_template_filter("follow_up_outcome")
def follow_up_outcome(outcome: str | None) -> str:
    return str(OUTCOME_LABELS.get(outcome or "", _("not answered yet")))


@bp.app_template_global()
def team_link_year() -> int | None:
    """The newest period whose team the current user is on (for the header link), else None."""
    if not current_user.is_authenticated:
        return None
    return team.latest_team_year(current_user)


def _period_or_404(year: int):
    period = find_period(year)
    if period is None:
        abort(404)
    return period


# --- the administrator's team pages -----------------------------------------------------------


class SettingsForm(FlaskForm):
    decree_number = StringField(_l("Decree (SK Bupati) number"), validators=[Length(max=100)])
    decree_date = DateField(_l("Decree date"), validators=[Optional()])
    interview_required = BooleanField(
        _l("An interview or site visit is required before a result is final")
    )
    chair_absent = BooleanField(_l("The chair is absent: the vice-chair finalizes and signs"))
    chair_absent_note = TextAreaField(_l("Why the chair is absent"), validators=[Length(max=2000)])


class MemberForm(FlaskForm):
    role = SelectField(_l("Position in the team"))
    user_id = SelectField(_l("Account (none: an external member)"), coerce=str)
    name = StringField(_l("Name (empty: the account's)"), validators=[Length(max=200)])
    nip = StringField(_l("NIP (if any)"), validators=[Length(max=40)])
    rank = StringField(_l("Rank (pangkat/golongan)"), validators=[Length(max=100)])
    position = StringField(_l("Position (jabatan)"), validators=[Length(max=200)])
    institution = StringField(_l("Institution"), validators=[Length(max=200)])

    def fill_choices(self) -> None:
        self.role.choices = [(role, str(label)) for role, label in ROLE_LABELS.items()]
        users = team.member_candidates()
        self.user_id.choices = [("", _("none (external member)"))] + [
            (str(u.id), f"{u.full_name or u.username} ({u.username})") for u in users
        ]

    def values(self) -> team.MemberInput:
        raw = self.user_id.data or ""
        return team.MemberInput(
            role=self.role.data or "",
            user_id=int(raw) if raw.isdigit() else None,
            name=self.name.data or "",
            nip=self.nip.data or "",
            rank=self.rank.data or "",
            position=self.position.data or "",
            institution=self.institution.data or "",
        )


def _render_team(period, status: int = 200, settings_form=None, member_form=None):
    current = team.settings_of(period)
    settings_form = settings_form or SettingsForm(
        formdata=None,
        decree_number=current.decree_number,
        decree_date=current.decree_date,
        interview_required=current.interview_required,
        chair_absent=current.chair_absent,
        chair_absent_note=current.chair_absent_note,
    )
    member_form = member_form or MemberForm(formdata=None)
    member_form.fill_choices()
    members = team.members_of(period)
    return render_template(
        "team/admin.html",
        period=period,
        settings_form=settings_form,
        member_form=member_form,
        members=members,
        member_agencies=team.reviewed_agencies(period, members),
        agencies=active_agencies(),
    ), status


@bp.route("/admin/periods/<int:year>/team", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def admin_team(year: int):
    period = _period_or_404(year)
    if request.method == "GET":
        return _render_team(period)
    form = SettingsForm()
    if not form.validate_on_submit():
        return _render_team(period, 400, settings_form=form)
    try:
        with unit_of_work():
            changed = team.save_settings(
                period,
                team.TeamSettings(
                    form.decree_number.data or "",
                    form.decree_date.data,
                    bool(form.interview_required.data),
                    bool(form.chair_absent.data),
                    form.chair_absent_note.data or "",
                ),
                current_user,
            )
    except team.TeamRefused as error:
        flash(str(error), "error")
        return _render_team(period, 400, settings_form=form)
    flash(_("The team's settings were saved.") if changed else _("Nothing changed."), "success")
    return redirect(url_for(".admin_team", year=year), 303)


@bp.route("/admin/periods/<int:year>/team/members", methods=["POST"])
@roles_required(Role.ADMIN)
def admin_add_member(year: int):
    period = _period_or_404(year)
    form = MemberForm()
    form.fill_choices()
    if not form.validate_on_submit():
        return _render_team(period, 400, member_form=form)
    try:
        with unit_of_work():
            member = team.add_member(period, form.values(), current_user)
    except team.TeamRefused as error:
        flash(str(error), "error")
        return _render_team(period, 400, member_form=form)
    flash(_("%(name)s was added to the team.", name=member.name), "success")
    return redirect(url_for(".admin_member", year=year, member_id=member.id), 303)


def _member_or_404(period, member_id: int) -> TeamMember:
    member = store.get(TeamMember, member_id)
    if member is None or member.period_id != period.id:
        abort(404)
    return member


@bp.route("/admin/periods/<int:year>/team/members/<int:member_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def admin_member(year: int, member_id: int):
    period = _period_or_404(year)
    member = _member_or_404(period, member_id)
    agencies = active_agencies()
    status = 200
    if request.method == "POST":
        form = MemberForm()
        form.fill_choices()
        raw = request.form.getlist("agency")
        chosen = {int(value) for value in raw if value.isdigit()}
        if form.validate_on_submit() and len(chosen) == len(raw):
            try:
                with unit_of_work():
                    changed = team.update_member(member, form.values(), current_user)
                    changed = team.set_member_agencies(member, chosen, current_user) or changed
            except team.TeamRefused as error:
                flash(str(error), "error")
                status = 400
            else:
                flash(_("Saved.") if changed else _("Nothing changed."), "success")
                return redirect(url_for(".admin_member", year=year, member_id=member.id), 303)
        else:
            status = 400
            flash(_("Nothing was saved: please check the form."), "error")
        member = _member_or_404(period, member_id)
    else:
        form = MemberForm(
            formdata=None,
            role=member.role,
            user_id=str(member.user_id or ""),
            name=member.name,
            nip=member.nip,
            rank=member.rank,
            position=member.position,
            institution=member.institution,
        )
        form.fill_choices()
        chosen = {a.agency_id for a in member.assignments}
    return render_template(
        "team/member.html",
        period=period,
        member=member,
        member_reviews=member.user is not None and reviews_by_assignment(member.user),
        form=form,
        agencies=agencies,
        chosen=chosen,
    ), status


@bp.route("/admin/periods/<int:year>/team/members/<int:member_id>/remove", methods=["POST"])
@roles_required(Role.ADMIN)
def admin_remove_member(year: int, member_id: int):
    period = _period_or_404(year)
    member = _member_or_404(period, member_id)
    name = member.name
    with unit_of_work():
        team.remove_member(member, current_user)
    flash(_("%(name)s was removed from the team.", name=name), "success")
    return redirect(url_for(".admin_team", year=year), 303)


# --- the team's own page --------------------------------------------------------------------


@bp.route("/periods/<int:year>/team")
@login_required
def team_page(year: int):
    period = _period_or_404(year)
    if not reads_team(current_user, period.id):
        abort(403)
    return render_template("team/page.html", page=team.team_page(period, current_user))


# --- interview or site visit ----------------------------------------------------------------


class InterviewForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=[])
    held_on = DateField(_l("Date"))
    place = StringField(_l("Place"), validators=[Length(max=200)])
    attendees = TextAreaField(_l("Attendees (one a line)"), validators=[Length(max=5000)])


@bp.route("/assessments/<int:assessment_id>/interview", methods=["GET", "POST"])
@login_required
def interview(assessment_id: int):
    assessment = load_assessment(assessment_id)
    if not _is_reviewer(assessment):
        abort(403)
    form = InterviewForm()
    form.kind.choices = [(kind, str(label)) for kind, label in KIND_LABELS.items()]
    instrument = assessment_service.questionnaire(assessment)
    indicators = [
        indicator
        for code in assessment_service.dimension_codes(assessment, instrument)
        for indicator in instrument.dimension(code).indicators  # type: ignore[union-attr]
    ]
    status = 200
    if request.method == "POST":
        if not can_record_interview(current_user, assessment):
            flash(_("The interview cannot be recorded for this assessment now."), "error")
            status = 409
        elif form.validate_on_submit() and form.held_on.data is not None:
            notes = {i.code: request.form.get(f"note-{i.code}", "")[:20_000] for i in indicators}
            try:
                with unit_of_work():
                    team.record_interview(
                        assessment,
                        current_user,
                        team.InterviewInput(
                            form.kind.data,
                            form.held_on.data,
                            form.place.data or "",
                            form.attendees.data or "",
                            notes,
                        ),
                    )
            except team.TeamRefused as error:
                flash(str(error), "error")
                status = 400
            else:
                flash(_("The interview was recorded."), "success")
                return redirect(url_for(".interview", assessment_id=assessment.id), 303)
        else:
            flash(_("Nothing was saved: please check the form."), "error")
            status = 400
    elif form.held_on.data is None:
        form.held_on.data = team.local_today()
    return render_template(
        "team/interview.html",
        assessment=assessment,
        form=form,
        indicators=indicators,
        interviews=team.interviews_of(assessment),
        required=team.interview_required(assessment.period),
        may_record=can_record_interview(current_user, assessment),
    ), status


def _is_reviewer(assessment) -> bool:
    from ..services.review import is_reviewer

    return is_reviewer(current_user, assessment)


# --- achievements, obstacles and follow-up ---------------------------------------------------


@bp.route("/assessments/<int:assessment_id>/follow-up", methods=["GET", "POST"])
@login_required
def follow_up(assessment_id: int):
    assessment = load_assessment(assessment_id)
    instrument = assessment_service.instrument_for(assessment)
    codes = assessment_service.dimension_codes(assessment, instrument)
    agency_edits = can_edit_assessment(current_user, assessment)
    team_edits = can_follow_up(current_user, assessment) and assessment.status not in (
        Status.DRAFT,
        Status.AWAITING_APPROVAL,
    )
    status = 200
    if request.method == "POST":
        if not (agency_edits or team_edits):
            abort(403)
        what = request.form.get("what", "")
        try:
            with unit_of_work():
                if what == "obstacles":
                    if not agency_edits:
                        abort(403)
                    entries = {
                        code: follow_up_service.ObstacleInput(
                            request.form.get(f"achievements-{code}", ""),
                            request.form.get(f"obstacles-{code}", ""),
                        )
                        for code in codes
                        if f"obstacles-{code}" in request.form
                        or f"achievements-{code}" in request.form
                    }
                    follow_up_service.save_obstacles(assessment, current_user, entries)
                    follow_up_service.answer_follow_ups(
                        assessment, current_user, _outcomes_from_form()
                    )
                elif what == "action":
                    if not team_edits:
                        abort(403)
                    follow_up_service.add_follow_up(
                        assessment,
                        current_user,
                        follow_up_service.FollowUpInput(
                            request.form.get("dimension", ""),
                            request.form.get("action", ""),
                            request.form.get("owner", ""),
                            _date(request.form.get("target_date", "")),
                        ),
                    )
                else:
                    abort(400)
        except follow_up_service.FollowUpRefused as error:
            flash(str(error), "error")
            status = 400
        except ValueError:
            flash(_("Enter the target date as a date."), "error")
            status = 400
        else:
            flash(_("Saved."), "success")
            return redirect(url_for(".follow_up", assessment_id=assessment.id), 303)
    return render_template(
        "team/follow_up.html",
        assessment=assessment,
        instrument=instrument,
        codes=codes,
        obstacles=follow_up_service.obstacles_of(assessment),
        actions=follow_up_service.follow_ups_of(assessment),
        previous=follow_up_service.previous_follow_ups(assessment),
        agency_edits=agency_edits,
        team_edits=team_edits,
        outcomes=OUTCOME_LABELS,
        form_values=request.form if status != 200 else {},
    ), status


def _outcomes_from_form() -> dict[int, follow_up_service.OutcomeInput]:
    result = {}
    for key in request.form:
        if key.startswith("outcome-") and key.removeprefix("outcome-").isdigit():
            row_id = int(key.removeprefix("outcome-"))
            result[row_id] = follow_up_service.OutcomeInput(
                request.form.get(key, ""), request.form.get(f"outcome-note-{row_id}", "")
            )
    return result


def _date(raw: str) -> date | None:
    raw = raw.strip()
    return date.fromisoformat(raw) if raw else None


@bp.route("/assessments/<int:assessment_id>/follow-up/<int:follow_up_id>/remove", methods=["POST"])
@login_required
def remove_follow_up(assessment_id: int, follow_up_id: int):
    assessment = load_assessment(assessment_id)
    row = store.get(FollowUp, follow_up_id)
    if row is None or row.assessment_id != assessment.id:
        abort(404)
    try:
        with unit_of_work():
            follow_up_service.remove_follow_up(row, current_user)
    except follow_up_service.FollowUpRefused as error:
        flash(str(error), "error")
        return redirect(url_for(".follow_up", assessment_id=assessment.id), 303)
    flash(_("The follow-up action was removed."), "success")
    return redirect(url_for(".follow_up", assessment_id=assessment.id), 303)


# --- the Berita Acara ------------------------------------------------------------------------


def minutes_from_form(assessment) -> minutes.MinutesInput | None:
    """The finalize form's meeting (None: nothing sent, the defaults apply)."""
    if "held_on" not in request.form:
        return None
    defaults = minutes.default_minutes(assessment)
    try:
        held_on = _date(request.form.get("held_on", "")) or defaults.held_on
    except ValueError:
        held_on = defaults.held_on
    members = {m.id for m in team.members_of(assessment.period)}
    present = tuple(
        int(v) for v in request.form.getlist("present") if v.isdigit() and int(v) in members
    )
    return minutes.MinutesInput(
        held_on=held_on,
        place=request.form.get("place", "").strip()[:200] or defaults.place,
        member_ids=present,
        representatives=request.form.get("representatives", "")[:5000],
    )


@bp.app_template_global()
def finalize_form_data(assessment) -> dict:
    """What the finalize form starts with: the default meeting and the team to tick."""
    return {
        "defaults": minutes.default_minutes(assessment),
        "members": team.members_of(assessment.period),
        "interview_missing": team.stage_problem(assessment),
    }


@bp.route("/assessments/<int:assessment_id>/minutes", methods=["POST"])
@login_required
def issue_minutes(assessment_id: int):
    """Issue (again) the Berita Acara of a final assessment: an admin or its chair."""
    assessment = load_assessment(assessment_id)
    chair, _acting = acting_chair(assessment.period_id, assessment.agency_id)
    if current_user.role != Role.ADMIN and current_user.id != chair:
        abort(403)
    try:
        document = document_service.issue_minutes(assessment, current_user, language())
    except document_service.DocumentRefused as error:
        flash(str(error), "error")
        return render_template("documents/refused.html", message=str(error)), 409
    return redirect(url_for("documents.download", document_id=document.id), 303)


@bp.route("/periods/<int:year>/minutes", methods=["POST"])
@roles_required(Role.ADMIN)
def issue_region_minutes(year: int):
    """Issue (again) the region recap Berita Acara of a closed period."""
    period = _period_or_404(year)
    try:
        document = document_service.issue_region_minutes(period, current_user, language())
    except document_service.DocumentRefused as error:
        flash(str(error), "error")
        return render_template("documents/refused.html", message=str(error)), 409
    return redirect(url_for("documents.download", document_id=document.id), 303)


# --- the agency's officials --------------------------------------------------------------------


class OfficialForm(FlaskForm):
    head = BooleanField(_l("Head of the agency, or the official designated as approver"))
    full_name = StringField(_l("Full name (as printed)"), validators=[Length(max=200)])
    nip = StringField(_l("NIP"), validators=[Length(max=40)])
    rank = StringField(_l("Rank (pangkat/golongan)"), validators=[Length(max=100)])
    position = StringField(_l("Position (jabatan)"), validators=[Length(max=200)])


@bp.route("/admin/users/<int:user_id>/official", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def official(user_id: int):
    user = load_or_404(User, user_id)
    if user.role != Role.AGENCY:
        abort(404)
    status = 200
    if request.method == "POST":
        form = OfficialForm()
        values = approvals.OfficialInput(
            head=bool(form.head.data),
            full_name=form.full_name.data or "",
            nip=form.nip.data or "",
            rank=form.rank.data or "",
            position=form.position.data or "",
        )
        problems = approvals.official_problems(values) if form.validate_on_submit() else {}
        if form.errors or problems:
            for name, message in problems.items():
                form[name].errors = [*form[name].errors, message]
            status = 400
        else:
            with unit_of_work():
                changed = approvals.designate(user, values, by=current_user)
            flash(_("Saved.") if changed else _("Nothing changed."), "success")
            return redirect(url_for(".official", user_id=user.id), 303)
    else:
        form = OfficialForm(
            formdata=None,
            head=user.agency_role == "head",
            full_name=user.full_name,
            nip=user.nip,
            rank=user.rank,
            position=user.position,
        )
    return render_template("team/official.html", user=user, form=form), status
