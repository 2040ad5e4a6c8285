"""WTForms forms: log-in, a dimension's answers, confirmations."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, RadioField, StringField, TextAreaField
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

    def unexpected_fields(self, submitted: Any) -> list[str]:
        """Answer fields in the request that this dimension does not have (a tampered form)."""
        known = {name for name in self._fields}
        return sorted(
            key
            for key in submitted
            if key.startswith(("level-", "justification-")) and key not in known
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
    form_class = type(f"DimensionForm_{dimension.code}", (DimensionForm,), fields)
    return form_class(**kwargs)


class ConfirmSubmitForm(FlaskForm):
    confirm = BooleanField(
        _l("I confirm that these answers are complete and true."),
        validators=[DataRequired(message=_l("Tick the confirmation to submit."))],
    )
