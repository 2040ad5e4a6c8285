"""The Berita Acara Hasil Evaluasi as a signed document, of an assessment and of a period.

The two differ only in data (`BY_KIND`): how their contents are made from the assessment or
the period (services.minutes), their template and who signs them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ...models import Assessment, IssuedDocument, Period, User
from ..minutes import MinutesRefused, minutes_data, region_minutes_data
from .issuing import issue_about
from .kinds import MINUTES, REGION_MINUTES, DocumentRefused
from .signatures import Person


@dataclass(frozen=True)
class MinutesKind:
    """What makes one Berita Acara differ from the other."""

    contents: Callable  # (the assessment or the period, language) -> its plain data
    template: str
    signed_by: tuple[str, ...]  # the fields of the data that hold its signers, in order


BY_KIND: dict[str, MinutesKind] = {
    MINUTES: MinutesKind(minutes_data, "pdf/minutes.html", ("chair", "agency_head")),
    REGION_MINUTES: MinutesKind(
        region_minutes_data, "pdf/region_minutes.html", ("chair", "secretary")
    ),
}


def issue_minutes(assessment: Assessment, user: User, language: str) -> IssuedDocument:
    """The Berita Acara Hasil Evaluasi of a final assessment (data: services.minutes)."""
    return _issue(MINUTES, assessment, user, language)


def issue_region_minutes(period: Period, user: User, language: str) -> IssuedDocument:
    """The region recap Berita Acara of a closed period (data: services.minutes)."""
    return _issue(REGION_MINUTES, period, user, language)


def _issue(kind: str, about: Assessment | Period, user: User, language: str) -> IssuedDocument:
    minutes = BY_KIND[kind]
    try:
        data = minutes.contents(about, language)
    except MinutesRefused as error:
        raise DocumentRefused(str(error)) from error
    # who signs, as the registry's verification page lists them
    signed = [getattr(data, name) for name in minutes.signed_by]
    signers = [Person(s.name, s.nip, s.position) for s in signed if s is not None]
    return issue_about(kind, about, data, minutes.template, user, signers)
