"""PAdES signatures: sign PDF bytes, validate them, make the development key (uses pyHanko)."""

from __future__ import annotations

import contextlib
import functools
import logging
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

DEV_KEY_FILE = "dev-signing.p12"
DEV_PASSPHRASE_FILE = "dev-signing.pass"
# what the development certificate says it is: never a national or certified authority
DEV_SUBJECT_NAME = "smartcity SIMULASI - development key, not a certified signature"
DEV_ORGANIZATION = "smartcity (development, self-signed)"
FIELD_NAME = "Signature1"

# the validator logs a traceback for every untrusted or broken signature; the verdict says it
logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)


class SigningUnavailable(Exception):
    """The configured key cannot be loaded (missing file, wrong passphrase, no key inside)."""


@dataclass(frozen=True)
class SignerConfig:
    """Where the key is and whether it is the self-made development key."""

    pkcs12_path: Path
    passphrase: bytes | None
    simulated: bool
    reason: str = ""
    location: str = ""


@dataclass(frozen=True)
class SignatureVerdict:
    """What the validator found, in plain terms."""

    signed: bool
    intact: bool = False  # the signed bytes were not changed
    valid: bool = False  # the signature matches those bytes and the certificate
    trusted: bool = False  # the certificate leads to one of the trust roots
    covers_whole_file: bool = False  # nothing was appended after signing
    signer: str = ""
    signed_at: datetime | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return all((self.signed, self.intact, self.valid, self.trusted, self.covers_whole_file))


def ensure_dev_key(folder: Path) -> SignerConfig:
    """The development key in `folder`, made once (RSA 3072, self-signed, ten years).

    Made under a lock (threads and processes: two workers issuing the first documents at the
    same moment), the passphrase first, the key file last and by a rename, so whoever sees
    the key file finds the passphrase that opens it.
    """
    key_path = folder / DEV_KEY_FILE
    pass_path = folder / DEV_PASSPHRASE_FILE
    if not key_path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        with _creation_lock(folder):
            if not key_path.exists():
                _make_dev_key(key_path, pass_path)
    return SignerConfig(key_path, pass_path.read_bytes().strip(), simulated=True)


_THREAD_LOCK = threading.Lock()


@contextlib.contextmanager
def _creation_lock(folder: Path):
    with _THREAD_LOCK, open(folder / ".dev-signing.lock", "a") as handle:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX: the thread lock has to do
            yield
            return
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _make_dev_key(key_path: Path, pass_path: Path) -> None:
    passphrase = secrets.token_urlsafe(24).encode()
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, DEV_SUBJECT_NAME),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, DEV_ORGANIZATION),
        ]
    )
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    data = pkcs12.serialize_key_and_certificates(
        b"smartcity-dev",
        key,
        certificate,
        None,
        serialization.BestAvailableEncryption(passphrase),
    )
    pass_path.write_bytes(passphrase)
    pass_path.chmod(0o600)
    partial = key_path.with_name(key_path.name + ".part")
    partial.write_bytes(data)
    partial.chmod(0o600)
    partial.replace(key_path)


def _file_stamp(path: Path) -> tuple[str, int, int]:
    """Identifies the key file's content for the caches: a replaced file is read again."""
    try:
        status = path.stat()
    except OSError as error:
        raise SigningUnavailable(str(error)) from error
    return (str(path), status.st_mtime_ns, status.st_size)


@functools.lru_cache(maxsize=8)
def _decrypted(
    stamp: tuple[str, int, int], passphrase: bytes | None
) -> tuple[object, x509.Certificate | None, list[x509.Certificate]]:
    # decrypting the PKCS#12 costs ~0.2 s; signing itself ~5 ms (bench/documents.py)
    key, certificate, chain = pkcs12.load_key_and_certificates(
        Path(stamp[0]).read_bytes(), passphrase
    )
    return key, certificate, list(chain)


class _PreloadedKeySigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner, but with the private key parsed once, not at every signature.

    SimpleSigner.sign_raw turns its stored key into a cryptography key on every call (twice
    per document: a dry run to size the signature, then the real one); for an RSA-3072 key
    that check costs ~0.1-0.4 s, 80 % of signing a 17-page report (bench/documents.py).
    PKCS#1 v1.5 RSA signatures, what SimpleSigner makes for our keys, use the loaded key;
    any other mechanism goes to pyHanko's own code.
    """

    _loaded_key: rsa.RSAPrivateKey | None = None

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        if self._loaded_key is None or mechanism.signature_algo != "rsassa_pkcs1v15":
            return super().sign_raw(data, digest_algorithm)
        hash_algorithm = getattr(hashes, digest_algorithm.upper().replace("-", ""))()
        return self._loaded_key.sign(data, padding.PKCS1v15(), hash_algorithm)


@functools.lru_cache(maxsize=8)
def _simple_signer(stamp: tuple[str, int, int], passphrase: bytes | None):
    loaded = signers.SimpleSigner.load_pkcs12_data(
        Path(stamp[0]).read_bytes(), other_certs=[], passphrase=passphrase
    )
    if loaded is None:
        return None
    signer = _PreloadedKeySigner(
        signing_cert=loaded.signing_cert,
        signing_key=loaded.signing_key,
        cert_registry=loaded.cert_registry,
    )
    key, _, _ = _decrypted(stamp, passphrase)
    if isinstance(key, rsa.RSAPrivateKey):
        signer._loaded_key = key
    return signer


def _load(config: SignerConfig) -> tuple[object, x509.Certificate, list[x509.Certificate]]:
    try:
        key, certificate, chain = _decrypted(_file_stamp(config.pkcs12_path), config.passphrase)
    except (OSError, ValueError) as error:
        raise SigningUnavailable(f"cannot load {config.pkcs12_path}: {error}") from error
    if key is None or certificate is None:
        raise SigningUnavailable(f"{config.pkcs12_path} holds no key and certificate")
    return key, certificate, list(chain)


def signer_certificates(config: SignerConfig) -> list[bytes]:
    """DER of the signing certificate and its chain: the default trust roots."""
    _, certificate, chain = _load(config)
    return [c.public_bytes(serialization.Encoding.DER) for c in [certificate, *chain]]


def signer_name(config: SignerConfig) -> str:
    _, certificate, _ = _load(config)
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else certificate.subject.rfc4514_string()


def sign(pdf_bytes: bytes, config: SignerConfig) -> bytes:
    """The PDF with a PAdES (B-B) signature over the whole file."""
    try:
        signer = _simple_signer(_file_stamp(config.pkcs12_path), config.passphrase)
    except OSError as error:
        raise SigningUnavailable(str(error)) from error
    if signer is None:
        raise SigningUnavailable(f"cannot load {config.pkcs12_path}")
    writer = IncrementalPdfFileWriter(BytesIO(pdf_bytes), strict=False)
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=config.reason or None,
        location=config.location or None,
    )
    output = signers.sign_pdf(writer, metadata, signer=signer)
    return output.getvalue()


def validate(pdf_bytes: bytes, trust_roots: list[bytes]) -> SignatureVerdict:
    """Check the document's first signature against the given trust roots (DER certificates)."""
    try:
        reader = PdfFileReader(BytesIO(pdf_bytes), strict=False)
        embedded = reader.embedded_signatures
    except Exception as error:  # noqa: BLE001 - any parse failure means "not a readable PDF"
        return SignatureVerdict(signed=False, problem=f"not a readable PDF: {error}")
    if not embedded:
        return SignatureVerdict(signed=False, problem="no signature")
    context = ValidationContext(
        trust_roots=[asn1_x509.Certificate.load(der) for der in trust_roots],
        allow_fetching=False,
    )
    try:
        status = validate_pdf_signature(embedded[0], context)
    except Exception as error:  # noqa: BLE001 - a damaged signature can fail in many ways
        return SignatureVerdict(signed=True, problem=f"signature unreadable: {error}")
    covers = status.coverage == SignatureCoverageLevel.ENTIRE_FILE and len(embedded) == 1
    certificate = status.signing_cert
    subject = certificate.subject.native.get("common_name", "") if certificate else ""
    problems = []
    if not status.intact:
        problems.append("the signed content was changed")
    elif not status.valid:
        problems.append("the signature does not match")
    if not status.trusted:
        problems.append("the certificate is not trusted here")
    if not covers:
        problems.append("content was added after signing")
    return SignatureVerdict(
        signed=True,
        intact=status.intact,
        valid=status.valid,
        trusted=status.trusted,
        covers_whole_file=covers,
        signer=subject,
        signed_at=status.signer_reported_dt,
        problem="; ".join(problems),
    )
