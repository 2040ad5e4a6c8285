"""PAdES signing: a signature made here validates, and any change to the file breaks it."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12

from smartcity import pdf, signing

STATIC = Path(__file__).resolve().parent.parent / "static"


@pytest.fixture(scope="module")
def key(tmp_path_factory) -> signing.SignerConfig:
    return signing.ensure_dev_key(tmp_path_factory.mktemp("signing"))


@pytest.fixture(scope="module")
def unsigned() -> bytes:
    return pdf.render("<html><body><h1>Piagam</h1><p>Indeks 3,12</p></body></html>", STATIC)


@pytest.fixture(scope="module")
def signed(key, unsigned) -> bytes:
    return signing.sign(unsigned, key)


@pytest.fixture(scope="module")
def roots(key) -> list[bytes]:
    return signing.signer_certificates(key)


def test_a_signature_made_here_validates_against_the_signing_certificate(signed, roots):
    verdict = signing.validate(signed, roots)
    assert verdict.ok, verdict
    assert verdict.intact and verdict.valid and verdict.trusted and verdict.covers_whole_file
    assert "SIMULASI" in verdict.signer
    assert verdict.signed_at is not None


def offsets(data: bytes) -> list[int]:
    """Positions spread over the file: header, body, the signature dictionary, the end."""
    return [9, len(data) // 4, len(data) // 2, data.rindex(b"/ByteRange") + 14, len(data) - 40]


@pytest.mark.parametrize("where", range(5))
def test_changing_one_byte_anywhere_fails_validation(signed, roots, where):
    position = offsets(signed)[where]
    changed = bytearray(signed)
    changed[position] = (changed[position] + 1) % 256
    assert not signing.validate(bytes(changed), roots).ok


def test_content_appended_after_signing_fails_validation(signed, roots):
    verdict = signing.validate(signed + b"\n%%EOF\n", roots)
    assert not verdict.ok


def test_unsigned_and_non_pdf_bytes_are_not_valid(unsigned, roots):
    assert signing.validate(unsigned, roots).signed is False
    assert signing.validate(b"not a pdf", roots).ok is False


def test_another_key_is_not_trusted(signed, tmp_path):
    other = signing.ensure_dev_key(tmp_path)
    verdict = signing.validate(signed, signing.signer_certificates(other))
    assert verdict.intact and not verdict.trusted and not verdict.ok


def test_the_development_key_is_made_once_and_says_what_it_is(key):
    again = signing.ensure_dev_key(key.pkcs12_path.parent)
    assert again == key and key.simulated
    assert oct(key.pkcs12_path.stat().st_mode & 0o777) == "0o600"
    _, certificate, _ = pkcs12.load_key_and_certificates(
        key.pkcs12_path.read_bytes(), key.passphrase
    )
    subject = certificate.subject.rfc4514_string()
    assert "SIMULASI" in subject and certificate.issuer == certificate.subject
    assert "BSrE" not in subject and "BSSN" not in subject
    assert certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False


def test_a_wrong_passphrase_is_reported(key, unsigned):
    wrong = signing.SignerConfig(key.pkcs12_path, b"salah", simulated=True)
    with pytest.raises(signing.SigningUnavailable):
        signing.signer_certificates(wrong)
