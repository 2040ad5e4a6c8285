"""WTForms forms: log-in, a dimension's answers, confirmations."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    RadioField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length

from ..domain.instrument import Dimension, Indicator
from ..models import User
from ..parsing import whole_number
from ..services.accounts import authenticate
from ..services.assessments import MAX_JUSTIFICATION, AnswerInput
from ..services.i18n import language
from .answer_fields import (
    ANSWER_FIELD_PREFIXES,
    NOT_APPLICABLE,
    NOTHING_TICKED,
    UNANSWERED,
    answer_field_data,
    entry_from_fields,
    level_value,
    na_field_name,
    review_value_fields,
    value_field_name,
    value_fields,
    verified_na_field_name,
    verified_value_field_name,
)

__all__ = [  # the answer fields, imported from here as before the package
    "ANSWER_FIELD_PREFIXES",
    "NOT_APPLICABLE",
    "NOTHING_TICKED",
    "UNANSWERED",
    "answer_field_data",
    "entry_from_fields",
    "level_value",
    "na_field_name",
    "value_field_name",
    "value_fields",
    "verified_na_field_name",
    "verified_value_field_name",
]


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

    def value_field(self, indicator: Indicator) -> Any:
        return self[value_field_name(indicator)]

    def na_field(self, indicator: Indicator) -> BooleanField | None:
        name = na_field_name(indicator)
        return self[name] if name in self._fields else None

    def field_errors(self, indicator: Indicator) -> list[str]:
        fields = [self.value_field(indicator), self.justification_field(indicator)]
        return [str(error) for field in fields for error in field.errors]

    def answers(self) -> dict[str, AnswerInput]:
        result = {}
        for indicator in self.indicators:
            na = self.na_field(indicator)
            result[indicator.code] = entry_from_fields(
                indicator,
                self.value_field(indicator).data,
                bool(na is not None and na.data),
                self.justification_field(indicator).data or "",
            )
        return result

    def expected_versions(self) -> dict[str, int]:
        """Indicator code -> the answer version the user's page was based on (0: none yet)."""
        result = {}
        for indicator in self.indicators:
            version = whole_number(self[version_field_name(indicator)].data)
            if version is not None:
                result[indicator.code] = version
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
            key for key in submitted if key.startswith(ANSWER_FIELD_PREFIXES) and key not in known
        )


def dimension_form(dimension: Dimension, **kwargs: Any) -> DimensionForm:
    """The answer form of one dimension: one value field (by answer type) and one
    justification per indicator."""
    return _dimension_form_class(dimension)(**kwargs)


# form classes of the dimensions in use, by the dimension object's identity: questionnaires
# are parsed once per process and kept (services.instruments), so are their dimensions
_FORM_CLASSES: dict[int, tuple[Dimension, type[DimensionForm]]] = {}


def _dimension_form_class(dimension: Dimension) -> type[DimensionForm]:
    cached = _FORM_CLASSES.get(id(dimension))
    if cached is not None and cached[0] is dimension:
        return cached[1]
    if len(_FORM_CLASSES) > 512:
        _FORM_CLASSES.clear()
    form_class = _build_dimension_form_class(dimension)
    _FORM_CLASSES[id(dimension)] = (dimension, form_class)
    return form_class


def _build_dimension_form_class(dimension: Dimension) -> type[DimensionForm]:
    fields: dict[str, Any] = {"indicators": dimension.indicators}
    for indicator in dimension.indicators:
        fields |= value_fields(indicator, value_field_name(indicator), na_field_name(indicator))
        fields[justification_field_name(indicator)] = TextAreaField(
            _l("Justification"), validators=[Length(max=MAX_JUSTIFICATION)]
        )
        # empty (a client that does not send it): no check
        fields[version_field_name(indicator)] = HiddenField(default="")
    return type(f"DimensionForm_{dimension.code}", (DimensionForm,), fields)


class ConfirmSubmitForm(FlaskForm):
    confirm = BooleanField(
        _l("I confirm that these answers are complete and true."),
        validators=[DataRequired(message=_l("Tick the confirmation to submit."))],
    )


class ApprovalForm(FlaskForm):
    """The head's "Setujui dan kirim": the statement of responsibility must be confirmed."""

    confirm = BooleanField(
        validators=[
            DataRequired(message=_l("Confirm the statement of responsibility to approve."))
        ],
    )


class ReturnToOperatorsForm(FlaskForm):
    """The head sends the assessment back to the operators with a note."""

    note = TextAreaField(
        _l("Note for the operators"),
        validators=[
            DataRequired(message=_l("Write what the operators should change.")),
            Length(max=20_000),
        ],
    )


# --- the evaluator's review ------------------------------------------------------------------

MAX_NOTE = 20_000


def verified_field_name(indicator: Indicator) -> str:
    return f"verified-{indicator.code}"


def note_field_name(indicator: Indicator) -> str:
    return f"note-{indicator.code}"


def same_value(a: Any, b: Any) -> bool:
    """Whether two `AnswerValue`s say the same (N/A equals N/A whatever else they hold)."""
    if a.not_applicable or b.not_applicable:
        return bool(a.not_applicable) == bool(b.not_applicable)
    return bool(a == b)


class ReviewForm(FlaskForm):
    """Base for `review_form`: a verified value (the answer's widget type) and a note each."""

    indicators: tuple[Indicator, ...] = ()
    # indicator code -> the self-assessed AnswerValue
    self_assessed: dict[str, Any] = {}

    comment = TextAreaField(_l("Overall comment for the agency"), validators=[Length(max=MAX_NOTE)])

    def verified_field(self, indicator: Indicator):
        return self[verified_value_field_name(indicator)]

    def verified_na_field(self, indicator: Indicator) -> BooleanField | None:
        name = verified_na_field_name(indicator)
        return self[name] if name in self._fields else None

    def note_field(self, indicator: Indicator):
        return self[note_field_name(indicator)]

    def entry(self, indicator: Indicator) -> Any:
        """The verdict as typed (a `services.review.ReviewInput`)."""
        from ..services.review import ReviewInput

        na = self.verified_na_field(indicator)
        typed = entry_from_fields(
            indicator,
            self.verified_field(indicator).data,
            bool(na is not None and na.data),
            "",
        )
        return ReviewInput(
            typed.level,
            typed.not_applicable,
            self.note_field(indicator).data or "",
            choice=typed.choice,
            checked=typed.checked,
            number=typed.number,
        )

    def differs(self, indicator: Indicator) -> bool:
        """Whether the typed verdict differs from the self-assessed answer."""
        from ..domain.instrument import AnswerValue

        try:
            value = self.entry(indicator).answer().value()
        except ValueError:
            return False  # not a number: the service says so
        own = self.self_assessed.get(indicator.code, AnswerValue())
        return value.is_answered and not same_value(value, own)

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for indicator in self.indicators:
            note = self.note_field(indicator)
            if self.verified_field(indicator).errors:
                continue  # an invalid value: that is its one problem, not a missing note
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

    def entries(self) -> dict[str, Any]:
        """Indicator code -> the verdict as typed (`ReviewInput`)."""
        return {indicator.code: self.entry(indicator) for indicator in self.indicators}


def review_form(
    instrument: Any, indicators: tuple[Indicator, ...], self_assessed: dict[str, Any], **kwargs: Any
) -> ReviewForm:
    """A form class with one verified value (select, radios, boxes or number) and one note
    per indicator; `self_assessed` maps codes to the agency's AnswerValues."""
    fields: dict[str, Any] = {"indicators": tuple(indicators), "self_assessed": dict(self_assessed)}
    for indicator in indicators:
        own = self_assessed.get(indicator.code)
        fields |= review_value_fields(instrument, indicator, own, language_code())
        fields[note_field_name(indicator)] = TextAreaField(
            _l("Note for the agency"), validators=[Length(max=MAX_NOTE)]
        )
    form_class = type("ReviewFormFor", (ReviewForm,), fields)
    return form_class(**kwargs)


def language_code() -> str:
    return language()


class ReopenForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for reopening"),
        validators=[
            DataRequired(message=_l("Reopening needs a reason.")),
            Length(max=MAX_NOTE),
        ],
    )
