"""WTForms forms: log-in, a dimension's answers, confirmations."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from .domain.instrument import Dimension, Indicator
from .models import User
from .services.accounts import authenticate
from .services.assessments import AnswerInput

NOT_APPLICABLE = "na"
UNANSWERED = ""
MAX_JUSTIFICATION = 20_000


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])

    user: User | None = None

    def validate(self, extra_validators: Any = None) -> bool:
        if not super().validate(extra_validators):
            return False
        self.user = authenticate(self.username.data or "", self.password.data or "")
        if self.user is None:
            # the same words whether or not the username exists
            self.password.errors.append(_l("Wrong username or password."))
            return False
        return True


def level_field_name(indicator: Indicator) -> str:
    return f"level-{indicator.code}"


def justification_field_name(indicator: Indicator) -> str:
    return f"justification-{indicator.code}"


def version_field_name(indicator: Indicator) -> str:
    """Hidden: the answer's version when the page was loaded, to notice a colleague's save."""
    return f"version-{indicator.code}"


def evidence_field_name(indicator: Indicator) -> str:
    """The file input (multiple) for an indicator's evidence; read from request.files."""
    return f"evidence-{indicator.code}"


class DimensionForm(FlaskForm):
    """Base for the per-dimension answer form built by `dimension_form`."""

    indicators: tuple[Indicator, ...] = ()

    def level_field(self, indicator: Indicator) -> RadioField:
        return self[level_field_name(indicator)]

    def justification_field(self, indicator: Indicator) -> TextAreaField:
        return self[justification_field_name(indicator)]

    def answers(self) -> dict[str, AnswerInput]:
        result = {}
        for indicator in self.indicators:
            raw = self.level_field(indicator).data or UNANSWERED
            result[indicator.code] = AnswerInput(
                level=int(raw) if raw not in (UNANSWERED, NOT_APPLICABLE) else None,
                not_applicable=raw == NOT_APPLICABLE,
                justification=self.justification_field(indicator).data or "",
            )
        return result

    def expected_versions(self) -> dict[str, int]:
        """Indicator code -> the answer version the user's page was based on (0: none yet)."""
        result = {}
        for indicator in self.indicators:
            raw = self[version_field_name(indicator)].data or ""
            if raw.isdigit():
                result[indicator.code] = int(raw)
        return result

    def show_versions(self, versions: dict[str, int]) -> None:
        """Base the next save on these versions (after the user has seen a conflict)."""
        for indicator in self.indicators:
            self[version_field_name(indicator)].data = str(versions.get(indicator.code, 0))

    def unexpected_fields(self, submitted: Any) -> list[str]:
        """Answer fields in the request that this dimension does not have (a tampered form).

        `submitted` holds the form's and the uploaded files' names; `evidence-<CODE>` (files)
        and `delete-evidence` (a remove button) belong to the form too.
        """
        known = {name for name in self._fields}
        known |= {evidence_field_name(indicator) for indicator in self.indicators}
        return sorted(
            key
            for key in submitted
            if key.startswith(("level-", "justification-", "evidence-", "version-"))
            and key not in known
        )


def dimension_form(dimension: Dimension, **kwargs: Any) -> DimensionForm:
    """A form class with one level radio and one justification per indicator."""
    fields: dict[str, Any] = {"indicators": dimension.indicators}
    for indicator in dimension.indicators:
        choices = [SelectChoice(UNANSWERED, _l("Not answered yet"))]
        choices += [SelectChoice(str(n), str(n)) for n in indicator.level_numbers]
        if indicator.allow_not_applicable:
            choices.append(SelectChoice(NOT_APPLICABLE, _l("Not applicable")))
        fields[level_field_name(indicator)] = RadioField(
            indicator.code, choices=choices, default=UNANSWERED
        )
        fields[justification_field_name(indicator)] = TextAreaField(
            _l("Justification"), validators=[Length(max=MAX_JUSTIFICATION)]
        )
        # empty (a client that does not send it): no check
        fields[version_field_name(indicator)] = HiddenField(default="")
    form_class = type(f"DimensionForm_{dimension.code}", (DimensionForm,), fields)
    return form_class(**kwargs)


class ConfirmSubmitForm(FlaskForm):
    confirm = BooleanField(
        _l("I confirm that these answers are complete and true."),
        validators=[DataRequired(message=_l("Tick the confirmation to submit."))],
    )


# --- the evaluator's review ------------------------------------------------------------------

MAX_NOTE = 20_000


def verified_field_name(indicator: Indicator) -> str:
    return f"verified-{indicator.code}"


def note_field_name(indicator: Indicator) -> str:
    return f"note-{indicator.code}"


def level_value(level: int | None, not_applicable: bool) -> str:
    """The form value of a level: "1".."5", "na", or "" when there is none."""
    if not_applicable:
        return NOT_APPLICABLE
    return str(level) if level is not None else UNANSWERED


class ReviewForm(FlaskForm):
    """Base for `review_form`: a verified level and a note per indicator."""

    indicators: tuple[Indicator, ...] = ()
    # indicator code -> the self-assessed value ("3", "na", "")
    self_assessed: dict[str, str] = {}

    comment = TextAreaField(_l("Overall comment for the agency"), validators=[Length(max=MAX_NOTE)])

    def verified_field(self, indicator: Indicator):
        return self[verified_field_name(indicator)]

    def note_field(self, indicator: Indicator):
        return self[note_field_name(indicator)]

    def differs(self, indicator: Indicator) -> bool:
        value = self.verified_field(indicator).data or UNANSWERED
        return value != UNANSWERED and value != self.self_assessed.get(indicator.code, UNANSWERED)

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for indicator in self.indicators:
            note = self.note_field(indicator)
            if self.differs(indicator) and not (note.data or "").strip():
                note.errors = [
                    *note.errors,
                    _l(
                        "A note is required when the verified level differs "
                        "from the self-assessed one."
                    ),
                ]
                valid = False
        return valid

    def entries(self) -> dict[str, tuple[int | None, bool, str]]:
        """Indicator code -> (level, not applicable, note) as typed."""
        result = {}
        for indicator in self.indicators:
            raw = self.verified_field(indicator).data or UNANSWERED
            result[indicator.code] = (
                int(raw) if raw not in (UNANSWERED, NOT_APPLICABLE) else None,
                raw == NOT_APPLICABLE,
                self.note_field(indicator).data or "",
            )
        return result


def review_form(
    instrument: Any, indicators: tuple[Indicator, ...], self_assessed: dict[str, str], **kwargs: Any
) -> ReviewForm:
    """A form class with one verified-level select and one note per indicator."""
    from wtforms import SelectField

    fields: dict[str, Any] = {"indicators": tuple(indicators), "self_assessed": dict(self_assessed)}
    for indicator in indicators:
        choices = []
        if self_assessed.get(indicator.code, UNANSWERED) == UNANSWERED:
            choices.append(SelectChoice(UNANSWERED, _l("Not answered")))
        for number in indicator.level_numbers:
            name = instrument.level_name(number)
            label = f"{number} · {name.get(language_code())}" if name else str(number)
            choices.append(SelectChoice(str(number), label))
        if indicator.allow_not_applicable:
            choices.append(SelectChoice(NOT_APPLICABLE, _l("Not applicable")))
        fields[verified_field_name(indicator)] = SelectField(
            _l("Verified level"),
            choices=choices,
            default=self_assessed.get(indicator.code, UNANSWERED),
        )
        fields[note_field_name(indicator)] = TextAreaField(
            _l("Note for the agency"), validators=[Length(max=MAX_NOTE)]
        )
    form_class = type("ReviewFormFor", (ReviewForm,), fields)
    return form_class(**kwargs)


def language_code() -> str:
    from .views.helpers import language

    return language()


class ReopenForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for reopening"),
        validators=[
            DataRequired(message=_l("Reopening needs a reason.")),
            Length(max=MAX_NOTE),
        ],
    )
