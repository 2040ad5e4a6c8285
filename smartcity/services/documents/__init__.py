"""Signed PDF documents: plain data for each kind, issuing, the registry and verification.

A document kind is three things: a builder that turns models into a frozen dataclass (never
an ORM object reaches a template), a template in templates/pdf/ that extends
`pdf/_layout.html` (letterhead, title with its number, verification footer), and an `issue_*`
function that hands both to `issuing.issue`. `issue` renders, numbers, signs and stores the
document once, reuses it while the data is unchanged and supersedes it when the data changed
(the new version gets a new number and states the one it replaces). A new kind is a module
here like `certificate.py` (its data, builder and `issue_*`) and an entry in `kinds.KINDS` (its
title and download name); nothing else changes.

    kinds.py          the kinds, their titles and download stems, the fixed marks
    signatures.py     who signs and on which day
    report.py         the agency result report (Laporan)
    certificate.py    the certificate of award (Piagam)
    award.py          the ministry's award to a region for a final national year (Piagam)
    region_report.py  the region summary of a period (Rekap Wilayah)
    minutes.py        the Berita Acara of an assessment and of a period
    stamps.py         code, number, verification link and QR of an issued document
    rendering.py      template -> PDF: letterhead, stamp, marks, charts
    issuing.py        numbered, signed, stored, superseded; the signing key
    automatic.py      issued when an assessment becomes final or a period closes
    registry.py       issued documents found, listed and named
    revocation.py     revoking one
    verification.py   /verify: a code or a file against the registry and its signature

Who issues: administrators, and the app itself when an assessment or a period becomes final
(`issue_final_documents`, `issue_period_documents`); everyone who may see the data downloads
what was issued (policy.can_issue_documents, policy.can_download_document).

What the rest of the app calls is named here; tests reach the parts through their modules.
"""

from __future__ import annotations

from .automatic import (
    Issued,
    issue_final_documents,
    issue_national_awards,
    issue_period_documents,
    not_issued_message,
)
from .award import award_minimum, award_refusal, awards_of, issue_award, issue_awards
from .certificate import issue_certificate
from .issuing import signer_config
from .kinds import (
    AWARD,
    CERTIFICATE,
    KINDS,
    MINUTES,
    REGION_MINUTES,
    REGION_REPORT,
    REPORT,
    SIMULATION_MARK,
    DocumentRefused,
    kind_title,
    official_language,
)
from .minutes import issue_minutes, issue_region_minutes
from .region_report import issue_region_report
from .registry import (
    REVOKED,
    SUPERSEDED,
    VALID,
    DocumentRow,
    download_name,
    issued_for,
    issued_for_period,
    latest_certificates,
)
from .report import issue_report
from .revocation import RevokeRefused, may_revoke, revoke
from .signatures import local_day
from .stamps import normalise_code
from .verification import MODIFIED, SIGNATURE_INVALID, UNKNOWN, verify_bytes, verify_code

__all__ = [
    "AWARD",
    "CERTIFICATE",
    "KINDS",
    "MINUTES",
    "MODIFIED",
    "REGION_MINUTES",
    "REGION_REPORT",
    "REPORT",
    "REVOKED",
    "SIGNATURE_INVALID",
    "SIMULATION_MARK",
    "SUPERSEDED",
    "UNKNOWN",
    "VALID",
    "DocumentRefused",
    "DocumentRow",
    "Issued",
    "award_minimum",
    "award_refusal",
    "awards_of",
    "RevokeRefused",
    "download_name",
    "issue_award",
    "issue_awards",
    "issue_certificate",
    "issue_final_documents",
    "issue_minutes",
    "issue_national_awards",
    "issue_period_documents",
    "issue_region_minutes",
    "issue_region_report",
    "issue_report",
    "issued_for",
    "issued_for_period",
    "kind_title",
    "latest_certificates",
    "local_day",
    "may_revoke",
    "normalise_code",
    "not_issued_message",
    "official_language",
    "revoke",
    "signer_config",
    "verify_bytes",
    "verify_code",
]
