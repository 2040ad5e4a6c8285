"""Lengths the database enforces on text that comes from files and people (one source).

The models declare their columns with these numbers (`String(limits.INDICATOR_CODE)`), and the
questionnaire validator, the evidence checks and the restore check read them from here, so a
value that passes a check always fits its column, on SQLite and on PostgreSQL alike.
`tests/test_limits.py` proves that every column holding such a value has exactly this length.
"""

from __future__ import annotations

# an instrument's code and version label (instrument_versions.code, .version)
INSTRUMENT_CODE = 80
INSTRUMENT_VERSION = 40
# a questionnaire's file name as uploaded or imported (instrument_versions.source_name)
INSTRUMENT_SOURCE_NAME = 300
# dimension and indicator codes, wherever answers, reviews, files or scopes name them
DIMENSION_CODE = 40
INDICATOR_CODE = 40
# a choice option's code, stored as the chosen answer (answers.choice, reviews.verified_choice)
OPTION_CODE = 40
# an evidence file's name (evidence.original_name)
FILE_NAME = 255
# an audit event's subject ("2026/DISKOMINFO/evaluator" for an assignment)
AUDIT_SUBJECT = 200


# what the questionnaire validator holds codes to (domain/reader.py): kind -> most characters
QUESTIONNAIRE: dict[str, int] = {
    "instrument": INSTRUMENT_CODE,
    "version": INSTRUMENT_VERSION,
    "dimension": DIMENSION_CODE,
    # no column yet: held to the dimensions' length so that one can store either axis's codes
    "evaluation dimension": DIMENSION_CODE,
    "indicator": INDICATOR_CODE,
    "option": OPTION_CODE,
}


def shortened_file_name(name: str, limit: int) -> str:
    """A file name cut to `limit` characters, keeping its extension ("laporan….yaml")."""
    if len(name) <= limit:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or len(extension) > 16 or len(extension) + 2 > limit:
        return name[: limit - 1] + "\u2026"
    return stem[: limit - len(extension) - 2] + "\u2026." + extension
