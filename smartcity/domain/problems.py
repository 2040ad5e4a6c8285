"""What is wrong with a questionnaire file (YAML or workbook): `Problem`s located by line or
cell, `InstrumentError` carrying all of them, and their Indonesian (`indonesian_message`)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from fractions import Fraction
from typing import NamedTuple

__all__ = ["InstrumentError", "Problem", "decimal_text", "indonesian_message", "show_number"]


class Problem(NamedTuple):
    """One thing wrong with an instrument file, located by line and dotted field path."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        return self.located("en")

    def text(self, language: str = "en") -> str:
        """The message in `language` ("id" or "en"); English where no Indonesian is known."""
        if language == "id":
            return indonesian_message(self.message) or self.message
        return self.message

    def located(self, language: str = "en") -> str:
        """ "file:line: field: message" (a workbook: "file: Sheet!C12: message") in `language`."""
        location = self.file if self.line is None else f"{self.file}:{self.line}"
        return ": ".join(part for part in (location, self.field, self.text(language)) if part)


class InstrumentError(Exception):
    """An instrument file is invalid; `problems` lists everything found, not only the first."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))

    def __reduce__(self) -> tuple[type[InstrumentError], tuple[tuple[Problem, ...]]]:
        return (type(self), (self.problems,))


def show_number(value: Fraction) -> str:
    """A number as people write it: 3, 2.5, or 1/3 when it has no finite decimal."""
    return decimal_text(value) or f"{value.numerator}/{value.denominator}"


def decimal_text(value: Fraction) -> str | None:
    """The exact decimal notation of a fraction, or None when it has none (1/3)."""
    denominator = value.denominator
    twos = fives = 0
    while denominator % 2 == 0:
        denominator //= 2
        twos += 1
    while denominator % 5 == 0:
        denominator //= 5
        fives += 1
    if denominator != 1:
        return None
    places = max(twos, fives)
    if places == 0:
        return str(value.numerator)
    scaled = value * 10**places
    assert scaled.denominator == 1
    digits = str(abs(scaled.numerator)).rjust(places + 1, "0")
    sign = "-" if value < 0 else ""
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


# -- Indonesian ---------------------------------------------------------------------------------
# Messages are composed in English (the msgid language of the whole app); this table gives the
# Indonesian of every message the loader and the workbook reader produce, so a page can show a
# problem in either language (`Problem.text("id")`). tests/test_instrument_loader.py and
# tests/test_workbook.py check that no message they meet lacks its Indonesian.

_WORDS = {
    "dimension": "dimensi",
    "sub-element": "subelemen",
    "indicator": "indikator",
    "option": "opsi",
    "item": "butir",
    "level": "tingkat",
    "band": "pita",
    "threshold": "ambang",
    "agency or tag": "perangkat daerah atau tag",
    "Indonesian": "bahasa Indonesia",
    "English": "bahasa Inggris",
    "ascend": "naik",
    "descend": "turun",
}


def _fragment(name: str, value: str) -> str:
    """The Indonesian of one part of a message (the value shown, a place, a list, a word)."""
    if value is None:
        return ""
    if name == "got":
        fixed = {"a mapping": "sebuah pemetaan", "a list": "sebuah daftar", "nothing": "kosong"}
        if value in fixed:
            return fixed[value]
        if value.startswith("the quoted text "):
            return "teks berkutip " + value[len("the quoted text ") :]
        return value
    if name == "where":
        return re.sub(r"^line ([0-9]+)$", r"baris \1", value)
    if name == "levels":
        return value.replace(" to ", " sampai ")
    if name == "hint":
        return re.sub(
            r"^ \((?:did you mean (.*)\?|is (.*) meant\?)\)$", r" (maksud Anda \1\2?)", value
        )
    if name in ("types", "choices"):
        return value.replace(" and ", " dan ").replace(" or ", " atau ")
    if name == "owner":
        return value.replace(" of dimension ", " pada dimensi ")
    return _WORDS.get(value, value)


_GOT = "(?P<got>.+)"
_HINT = r"(?P<hint> \((?:did you mean '[^']*'|is '[^']*' meant)\?\))?"
_INDONESIAN: tuple[tuple[str, str], ...] = (
    # YAML and general
    (r"not valid UTF-8 \(byte (?P<n>[0-9]+)\)", "bukan UTF-8 yang sah (bita ke-{n})"),
    (
        r"the top level must be a mapping \(code, version, title, dimensions, \.\.\.\), got "
        + _GOT,
        "tingkat teratas harus berupa pemetaan (code, version, title, dimensions, ...), "
        "ditemukan {got}",
    ),
    (r"invalid YAML: (?P<detail>.+)", "YAML tidak sah: {detail}"),
    (
        r"an alias \(\*name\) refers to a value that contains it \(a loop\)",
        "sebuah alias (*nama) merujuk ke nilai yang memuat alias itu sendiri (berputar)",
    ),
    (
        r"the aliases \(\*name\) repeat more than (?P<n>[0-9]+) entries: write the values out "
        r"instead",
        "alias (*nama) mengulang lebih dari {n} entri: tuliskan nilainya secara langsung",
    ),
    (
        r"the file is empty; expected an instrument mapping",
        "berkas kosong; diharapkan pemetaan instrumen",
    ),
    (r"keys must be plain names, got " + _GOT, "kunci harus berupa nama biasa, ditemukan {got}"),
    (
        r"duplicate key '(?P<key>.*)' \(first on (?P<where>.+)\)",
        "kunci '{key}' ganda (pertama pada {where})",
    ),
    (
        r"merge keys \('<<'\) are not supported; write the keys out",
        "kunci gabungan ('<<') tidak didukung; tuliskan kuncinya satu per satu",
    ),
    (r"unknown key '(?P<key>.*)'" + _HINT, "kunci '{key}' tidak dikenal{hint}"),
    (
        r"required key 'indicators' is missing \(or 'sub_elements' grouping them\)",
        "kunci wajib 'indicators' tidak ada (atau 'sub_elements' yang mengelompokkannya)",
    ),
    (
        r"required key '(?P<key>[^']*)' is missing \(a (?P<type>\w+) indicator\)",
        "kunci wajib '{key}' tidak ada (indikator {type})",
    ),
    (r"required key '(?P<key>[^']*)' is missing", "kunci wajib '{key}' tidak ada"),
    # texts and codes
    (
        r"must be a text in both languages \(\{id: \.\.\., en: \.\.\.\}\), got " + _GOT,
        "harus berupa teks dalam dua bahasa ({{id: ..., en: ...}}), ditemukan {got}",
    ),
    (
        r"(?P<lang>Indonesian|English) text '(?P<code>id|en)' is missing",
        "teks {lang} '{code}' tidak ada",
    ),
    (
        r"(?P<lang>Indonesian|English) text '(?P<code>id|en)' is empty",
        "teks {lang} '{code}' kosong",
    ),
    (
        r"(?P<lang>Indonesian|English) text must be a string, got " + _GOT,
        "teks {lang} harus berupa string, ditemukan {got}",
    ),
    (
        r"(?P<lang>Indonesian|English) text contains a control character \(e\.g\. from a paste\)",
        "teks {lang} memuat karakter kendali (mis. dari hasil tempel)",
    ),
    (r"code must be a short name, got " + _GOT, "kode harus berupa nama pendek, ditemukan {got}"),
    (r"code is empty", "kode kosong"),
    (
        r"code is too long: (?P<n>[0-9]+) characters, at most (?P<m>[0-9]+): " + _GOT,
        "kode terlalu panjang: {n} karakter, paling banyak {m}: {got}",
    ),
    (
        r"version is too long: (?P<n>[0-9]+) characters, at most (?P<m>[0-9]+): " + _GOT,
        "version terlalu panjang: {n} karakter, paling banyak {m}: {got}",
    ),
    (
        r"invalid code '(?P<code>.*)': use letters, digits, '\.', '-' and '_', "
        r"starting with a letter or digit",
        "kode '{code}' tidak sah: gunakan huruf, angka, '.', '-' dan '_', diawali huruf atau angka",
    ),
    (
        r'version must be a label such as "2026\.1", got ' + _GOT,
        'version harus berupa label seperti "2026.1", ditemukan {got}',
    ),
    (
        r"duplicate (?P<kind>.+?) code '(?P<code>.*)' \(first defined on (?P<where>.+)\)",
        "kode {kind} '{code}' ganda (pertama didefinisikan pada {where})",
    ),
    # numbers
    (
        r"(?P<name>\w+) must be a positive number, got " + _GOT,
        "{name} harus berupa bilangan positif, ditemukan {got}",
    ),
    (
        r"(?P<name>\w+) must be a number of at least (?P<n>\S+), got " + _GOT,
        "{name} harus berupa bilangan paling sedikit {n}, ditemukan {got}",
    ),
    (
        r"(?P<name>\w+) must be a number, got " + _GOT,
        "{name} harus berupa bilangan, ditemukan {got}",
    ),
    (
        r"(?P<name>\w+) must be true or false, got " + _GOT,
        "{name} harus true atau false, ditemukan {got}",
    ),
    # levels, evidence and bands
    (
        r"evidence_from_level must be a level number \((?P<levels>.+?)\) or null for never, got "
        + _GOT,
        "evidence_from_level harus berupa nomor tingkat ({levels}) atau null untuk tidak pernah, "
        "ditemukan {got}",
    ),
    (
        r"evidence_from_level (?P<n>-?[0-9]+) is not a level: the levels are (?P<levels>.+)",
        "evidence_from_level {n} bukan tingkat: tingkatnya {levels}",
    ),
    (
        r"(?P<key>level_names|levels|evidence_by_level) must be a mapping of level number to "
        r"text, got " + _GOT,
        "{key} harus berupa pemetaan nomor tingkat ke teks, ditemukan {got}",
    ),
    (
        r"level must be a whole number from 1 to 5, got " + _GOT,
        "tingkat harus berupa bilangan bulat 1 sampai 5, ditemukan {got}",
    ),
    (
        r"level must be a whole number, got " + _GOT,
        "tingkat harus berupa bilangan bulat, ditemukan {got}",
    ),
    (
        r"duplicate level (?P<n>-?[0-9]+) \(first on (?P<where>.+)\)",
        "tingkat {n} ganda (pertama pada {where})",
    ),
    (
        r"level numbers must be consecutive from 1, got " + _GOT,
        "nomor tingkat harus berurutan dari 1, ditemukan {got}",
    ),
    (
        r"extra level (?P<n>-?[0-9]+): the instrument's levels are (?P<levels>.+)",
        "tingkat {n} berlebih: tingkat instrumen ini {levels}",
    ),
    (r"level (?P<n>-?[0-9]+) is missing", "tingkat {n} tidak ada"),
    (
        r"(?P<n>-?[0-9]+) is not a level: the levels are (?P<levels>.+)",
        "{n} bukan tingkat: tingkatnya {levels}",
    ),
    (
        r"level must be one of the levels \((?P<levels>.+?)\), got " + _GOT,
        "tingkat harus salah satu tingkat ({levels}), ditemukan {got}",
    ),
    (r"at least one (?P<what>[\w-]+) is required", "paling sedikit satu {what} diperlukan"),
    (r"at least two options are required", "paling sedikit dua opsi diperlukan"),
    (
        r"a band must be a mapping \(min, level, name\), got " + _GOT,
        "pita harus berupa pemetaan (min, level, name), ditemukan {got}",
    ),
    (r"bands must start at 0, got '(?P<a>.*)'", "pita harus dimulai dari 0, ditemukan '{a}'"),
    (
        r"band minimums must ascend: '(?P<a>.*)' is not above '(?P<b>.*)'",
        "nilai min pita harus naik: '{a}' tidak di atas '{b}'",
    ),
    (
        r"band levels must ascend: (?P<a>\S+) is not above (?P<b>\S+)",
        "tingkat pita harus naik: {a} tidak di atas {b}",
    ),
    # structure
    (r"(?P<key>\w+) must be a list, got " + _GOT, "{key} harus berupa daftar, ditemukan {got}"),
    (
        r"an? (?P<what>dimension|sub-element|indicator) must be a mapping, got " + _GOT,
        "{what} harus berupa pemetaan, ditemukan {got}",
    ),
    (
        r"a dimension lists either 'indicators' or 'sub_elements', not both",
        "dimensi memuat 'indicators' atau 'sub_elements', tidak keduanya",
    ),
    # answer types
    (
        r"unknown answer type (?P<got>.+?)" + _HINT + r": use (?P<choices>.+)",
        "jenis jawaban {got} tidak dikenal{hint}: gunakan {choices}",
    ),
    (
        r"'(?P<key>\w+)' is not used by (?P<type>\w+) indicators "
        r"\(only by (?P<types>.+) indicators\)",
        "'{key}' tidak dipakai indikator {type} (hanya indikator {types})",
    ),
    (
        r"an? (?P<what>option|item) must be a mapping \(code, label, points\), got " + _GOT,
        "{what} harus berupa pemetaan (code, label, points), ditemukan {got}",
    ),
    (r"points (?P<a>\S+) are above max_points (?P<b>\S+)", "poin {a} melebihi max_points {b}"),
    (
        r"max_points (?P<a>\S+) is more than all items together \((?P<b>\S+)\): "
        r"a full score would be impossible",
        "max_points {a} melebihi poin semua butir bersama ({b}): skor penuh tidak mungkin dicapai",
    ),
    (
        r"the number range is empty: maximum (?P<a>\S+) is not above minimum (?P<b>\S+)",
        "rentang angka kosong: maximum {a} tidak di atas minimum {b}",
    ),
    (
        r"direction must be (?P<choices>.+), got " + _GOT,
        "direction harus {choices}, ditemukan {got}",
    ),
    (
        r"a threshold must be a mapping \(from, level\), got " + _GOT,
        "ambang harus berupa pemetaan (from, level), ditemukan {got}",
    ),
    (
        r"the first threshold must start at the minimum (?P<a>\S+) so that every value has a "
        r"level, got (?P<b>\S+)",
        "ambang pertama harus dimulai pada minimum {a} agar setiap nilai mempunyai tingkat, "
        "ditemukan {b}",
    ),
    (
        r"thresholds must ascend: (?P<a>\S+) is not above (?P<b>\S+)",
        "ambang harus naik: {a} tidak di atas {b}",
    ),
    (r"threshold (?P<a>\S+) is above the maximum (?P<b>\S+)", "ambang {a} di atas maximum {b}"),
    (
        r"with (?P<d>\w+) the levels must (?P<way>ascend|descend) as the thresholds rise: "
        r"(?P<a>\S+) after (?P<b>\S+)",
        "dengan {d} tingkat harus {way} seiring ambang naik: {a} sesudah {b}",
    ),
    (
        r"applies_to must be a list of agency codes or tags \(e\.g\. \[all\]\), got " + _GOT,
        "applies_to harus berupa daftar kode perangkat daerah atau tag (mis. [all]), "
        "ditemukan {got}",
    ),
    (
        r"applies_to is empty: list agency codes or tags, or 'all'",
        "applies_to kosong: sebutkan kode perangkat daerah atau tag, atau 'all'",
    ),
    (
        r"'all' already means every agency: list nothing else with it",
        "'all' sudah berarti semua perangkat daerah: jangan sebutkan yang lain bersamanya",
    ),
    # workbooks
    (
        r"the file is (?P<n>[0-9,]+) bytes; workbooks of at most (?P<m>[0-9,]+) bytes are accepted",
        "berkas berukuran {n} bita; buku kerja paling besar {m} bita yang diterima",
    ),
    (
        r"this is an old Excel 97-2003 \(\.xls\) file: save it as an Excel workbook \(\.xlsx\)",
        "ini berkas Excel 97-2003 (.xls) lama: simpan sebagai buku kerja Excel (.xlsx)",
    ),
    (r"not an Excel workbook \(\.xlsx\)", "bukan buku kerja Excel (.xlsx)"),
    (
        r"not an Excel workbook \(\.xlsx\): the zip container is damaged",
        "bukan buku kerja Excel (.xlsx): wadah zip-nya rusak",
    ),
    (
        r"not an Excel workbook \(\.xlsx\): the zip holds no xl/workbook\.xml",
        "bukan buku kerja Excel (.xlsx): zip-nya tidak memuat xl/workbook.xml",
    ),
    (
        r"the workbook holds (?P<n>[0-9,]+) parts; at most (?P<m>[0-9,]+) are accepted",
        "buku kerja memuat {n} bagian; paling banyak {m} yang diterima",
    ),
    (
        r"the workbook would unpack to (?P<n>[0-9,]+) bytes, more than the (?P<m>[0-9,]+) "
        r"allowed: refused as a possible zip bomb",
        "buku kerja akan terurai menjadi {n} bita, melebihi {m} yang diizinkan: ditolak karena "
        "mungkin bom zip",
    ),
    (r"the workbook cannot be read \((?P<e>\w+)\)", "buku kerja tidak dapat dibaca ({e})"),
    (r"the sheet '(?P<s>.*)' is missing" + _HINT, "lembar '{s}' tidak ada{hint}"),
    (r"the column '(?P<c>.*)' appears twice", "kolom '{c}' muncul dua kali"),
    (r"the sheet '(?P<s>.*)' is a chart, not a table", "lembar '{s}' berupa grafik, bukan tabel"),
    (
        r"the sheet '(?P<s>.*)' cannot be read \((?P<e>\w+)\)",
        "lembar '{s}' tidak dapat dibaca ({e})",
    ),
    (
        r"unknown column '(?P<c>.*)'" + _HINT + r"; notes columns start with '#'",
        "kolom '{c}' tidak dikenal{hint}; kolom catatan diawali '#'",
    ),
    (
        r"the column '(?P<c>.*)' is missing from the header row",
        "kolom '{c}' tidak ada di baris judul",
    ),
    (
        r"the Instrument sheet needs exactly one row under its header, found (?P<n>[0-9]+)",
        "lembar Instrument memerlukan tepat satu baris di bawah judulnya, ditemukan {n}",
    ),
    (
        r"no (?P<kind>[\w-]+) '(?P<code>[^']*)'(?P<owner> of dimension '[^']*')? in the "
        r"(?P<s>\w+) sheet" + _HINT,
        "tidak ada {kind} '{code}'{owner} di lembar {s}{hint}",
    ),
    (r"the (?P<kind>.+) is empty", "{kind} kosong"),
    (
        r"dimension '(?P<d>.*)' has sub-elements: name this indicator's sub-element",
        "dimensi '{d}' mempunyai subelemen: sebutkan subelemen indikator ini",
    ),
    (
        r"unknown kind '(?P<k>.*)'" + _HINT + r": use (?P<choices>.+)",
        "jenis baris '{k}' tidak dikenal{hint}: gunakan {choices}",
    ),
)
_INDONESIAN_PATTERNS = tuple(
    (re.compile(english), indonesian) for english, indonesian in _INDONESIAN
)


def indonesian_message(message: str) -> str | None:
    """The Indonesian of a loader or workbook message; None for a message the table lacks."""
    for pattern, template in _INDONESIAN_PATTERNS:
        found = pattern.fullmatch(message)
        if found:
            parts = {name: _fragment(name, value) for name, value in found.groupdict().items()}
            return template.format(**parts)
    return None
