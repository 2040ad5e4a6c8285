"""WTForms forms: log-in, a dimension's answers, confirmations."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from .domain.instrument import CHECKLIST, CHOICE, LEVEL, NUMBER, Dimension, Indicator
from .models import User
from .parsing import whole_number
from .services.accounts import authenticate
from .services.assessments import MAX_JUSTIFICATION, AnswerInput

NOT_APPLICABLE = "na"
UNANSWERED = ""
# the checklist box "none of these is in place": an answer with nothing ticked
NOTHING_TICKED = ""


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


def choice_field_name(indicator: Indicator) -> str:
    return f"choice-{indicator.code}"


def checked_field_name(indicator: Indicator) -> str:
    """Checkboxes (several values): the ticked item codes; "" for "none of these"."""
    return f"checked-{indicator.code}"


def number_field_name(indicator: Indicator) -> str:
    return f"number-{indicator.code}"


def na_field_name(indicator: Indicator) -> str:
    """The N/A checkbox of a choice, checklist or number indicator (levels have a radio)."""
    return f"na-{indicator.code}"


def value_field_name(indicator: Indicator) -> str:
    """The field holding the indicator's value, by answer type."""
    return {
        LEVEL: level_field_name,
        CHOICE: choice_field_name,
        CHECKLIST: checked_field_name,
        NUMBER: number_field_name,
    }[indicator.answer_type](indicator)


def entry_from_fields(
    indicator: Indicator, raw_value: Any, not_applicable: bool, text: str
) -> AnswerInput:
    """An answer from the raw field data of the indicator's type (no checks: the service
    checks values through the domain and says what is wrong)."""
    if indicator.answer_type == LEVEL:
        raw = raw_value or UNANSWERED
        return AnswerInput(
            level=int(raw) if raw not in (UNANSWERED, NOT_APPLICABLE) else None,
            not_applicable=raw == NOT_APPLICABLE,
            justification=text,
        )
    if indicator.answer_type == CHOICE:
        return AnswerInput(None, not_applicable, text, choice=(raw_value or None))
    if indicator.answer_type == CHECKLIST:
        ticked = list(raw_value or [])
        checked = frozenset(code for code in ticked if code != NOTHING_TICKED) if ticked else None
        return AnswerInput(None, not_applicable, text, checked=checked)
    number = (raw_value or "").strip()
    return AnswerInput(None, not_applicable, text, number=number or None)


def value_field_data(indicator: Indicator, row: Any, prefix: str = "") -> dict[str, Any]:
    """Form data showing a stored answer (or review, with `prefix` "verified_")."""
    from .services.assessments import checked_items, number_display

    na = bool(getattr(row, f"{prefix}not_applicable"))
    if indicator.answer_type == LEVEL:
        return {"value": level_value(getattr(row, f"{prefix}level"), na), "na": na}
    if indicator.answer_type == CHOICE:
        return {"value": getattr(row, f"{prefix}choice") or "", "na": na}
    if indicator.answer_type == CHECKLIST:
        items = checked_items(getattr(row, f"{prefix}checked"))
        if items is None:
            return {"value": [], "na": na}
        return {"value": sorted(items) or [NOTHING_TICKED], "na": na}
    stored = getattr(row, f"{prefix}number")
    return {"value": number_display(Fraction(stored)) if stored else "", "na": na}


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


ANSWER_FIELD_PREFIXES = (
    "level-",
    "choice-",
    "checked-",
    "number-",
    "na-",
    "justification-",
    "evidence-",
    "version-",
)


def value_fields(indicator: Indicator, name: str, na_name: str) -> dict[str, Any]:
    """The value field (and, for the other types, the N/A box) of one indicator.

    Choice options and checklist items are checked by the domain (`answer_problem`), so a
    wrong one gets the same clear message from the form, autosave and the review.
    """
    fields: dict[str, Any] = {}
    if indicator.answer_type == LEVEL:
        choices = [SelectChoice(UNANSWERED, _l("Not answered yet"))]
        choices += [SelectChoice(str(n), str(n)) for n in indicator.level_numbers]
        if indicator.allow_not_applicable:
            choices.append(SelectChoice(NOT_APPLICABLE, _l("Not applicable")))
        fields[name] = RadioField(indicator.code, choices=choices, default=UNANSWERED)
        return fields
    if indicator.answer_type == CHOICE:
        choices = [SelectChoice(UNANSWERED, _l("Not answered yet"))]
        choices += [SelectChoice(option.code, option.code) for option in indicator.options]
        fields[name] = RadioField(
            indicator.code, choices=choices, default=UNANSWERED, validate_choice=False
        )
    elif indicator.answer_type == CHECKLIST:
        choices = [SelectChoice(item.code, item.code) for item in indicator.options]
        choices.append(SelectChoice(NOTHING_TICKED, _l("None of these")))
        fields[name] = SelectMultipleField(indicator.code, choices=choices, validate_choice=False)
    else:
        fields[name] = StringField(indicator.code, validators=[Length(max=40)])
    if indicator.allow_not_applicable:
        fields[na_name] = BooleanField(_l("Not applicable"))
    return fields


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


def level_value(level: int | None, not_applicable: bool) -> str:
    """The form value of a level: "1".."5", "na", or "" when there is none."""
    if not_applicable:
        return NOT_APPLICABLE
    return str(level) if level is not None else UNANSWERED


def verified_value_field_name(indicator: Indicator) -> str:
    """`verified-<CODE>` for levels (as always), `verified-choice-<CODE>`, ... for the others."""
    if indicator.answer_type == LEVEL:
        return verified_field_name(indicator)
    return f"verified-{value_field_name(indicator)}"


def verified_na_field_name(indicator: Indicator) -> str:
    return f"verified-{na_field_name(indicator)}"


def same_value(a: Any, b: Any) -> bool:
    """Whether two `AnswerValue`s say the same (N/A equals N/A whatever else they hold)."""
    if a.not_applicable or b.not_applicable:
        return bool(a.not_applicable) == bool(b.not_applicable)
    return (a.level, a.choice, a.checked, a.number) == (b.level, b.choice, b.checked, b.number)


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
        from .services.review import ReviewInput

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
        from .domain.instrument import AnswerValue

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
    from wtforms import SelectField

    fields: dict[str, Any] = {"indicators": tuple(indicators), "self_assessed": dict(self_assessed)}
    for indicator in indicators:
        own = self_assessed.get(indicator.code)
        if indicator.answer_type == LEVEL:
            answered = own is not None and (own.level is not None or own.not_applicable)
            default = level_value(own.level, own.not_applicable) if own is not None else UNANSWERED
            choices = []
            if not answered:
                choices.append(SelectChoice(UNANSWERED, _l("Not answered")))
            for number in indicator.level_numbers:
                name = instrument.level_name(number)
                label = f"{number} · {name.get(language_code())}" if name else str(number)
                choices.append(SelectChoice(str(number), label))
            if indicator.allow_not_applicable:
                choices.append(SelectChoice(NOT_APPLICABLE, _l("Not applicable")))
            fields[verified_field_name(indicator)] = SelectField(
                _l("Verified level"), choices=choices, default=default
            )
        else:
            fields |= value_fields(
                indicator,
                verified_value_field_name(indicator),
                verified_na_field_name(indicator),
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
