"""Pure domain core: the questionnaire schema and the scoring engine (no Flask, no ORM)."""

# the answer types register with the questionnaire schema (instrument.ANSWER_KINDS)
from . import answer_types  # noqa: E402, F401
