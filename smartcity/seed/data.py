"""The demo region as data: Kabupaten Kotawaringin Timur, its agencies and heads, its team,
letterhead and the words its 2025 answers are written with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..models import Role
from ..services.instruments import DEMO_INSTRUMENT

REGION_NAME = "Kabupaten Kotawaringin Timur"
# Kemendagri's kode wilayah of the regency and of its province (Kalimantan Tengah)
REGION_CODE = "62.02"
PROVINCE_CODE = "62"
REGION_SEAT = "Sampit"
DEMO_YEAR = 2026
HISTORY_YEAR = 2025
# the questionnaire version the 2025 period used (the same indicators as 2026.1)
HISTORY_INSTRUMENT = DEMO_INSTRUMENT.with_name("kotim-smart-city-2025.yaml")


@dataclass(frozen=True)
class DemoAgency:
    code: str
    name: str
    head_name: str
    head_nip: str
    head_position: str
    dimensions: tuple[str, ...]


# Fictional heads; NIPs follow the 18-digit pattern (birth date, appointment, sex, sequence).
DEMO_AGENCIES: tuple[DemoAgency, ...] = (
    DemoAgency(
        "BAPPERIDA",
        "Badan Perencanaan Pembangunan, Riset dan Inovasi Daerah",
        "Ir. Hendra Saputra, M.T.",
        "197303152000031004",
        "Kepala Badan Perencanaan Pembangunan, Riset dan Inovasi Daerah",
        ("GOV", "ECO", "PPL"),
    ),
    DemoAgency(
        "DISKOMINFO",
        "Dinas Komunikasi, Informatika, Statistik dan Persandian",
        "Rahmat Hidayat, S.Kom., M.Si.",
        "197806212003121002",
        "Kepala Dinas Komunikasi, Informatika, Statistik dan Persandian",
        ("GOV", "INF"),
    ),
    DemoAgency(
        "DINKES",
        "Dinas Kesehatan",
        "dr. Siti Rahmawati, M.Kes.",
        "198004102006042011",
        "Kepala Dinas Kesehatan",
        ("LIV",),
    ),
    DemoAgency(
        "DISDIK",
        "Dinas Pendidikan",
        "Drs. Bambang Irawan, M.Pd.",
        "196911051994031007",
        "Kepala Dinas Pendidikan",
        ("PPL",),
    ),
    DemoAgency(
        "DLH",
        "Dinas Lingkungan Hidup",
        "Yuliana Kristanti, S.Hut., M.P.",
        "198207182008012015",
        "Kepala Dinas Lingkungan Hidup",
        ("ENV",),
    ),
    DemoAgency(
        "DPUPR",
        "Dinas Pekerjaan Umum dan Penataan Ruang",
        "Agus Priyanto, S.T., M.T.",
        "197512302002121003",
        "Kepala Dinas Pekerjaan Umum dan Penataan Ruang",
        ("INF", "ENV"),
    ),
    DemoAgency(
        "DISHUB",
        "Dinas Perhubungan",
        "Muhammad Noor, S.Sos.",
        "197709092005011006",
        "Kepala Dinas Perhubungan",
        ("INF", "LIV"),
    ),
    DemoAgency(
        "DPMPTSP",
        "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu",
        "Dewi Anggraini, S.E., M.M.",
        "198103252009022008",
        "Kepala Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu",
        ("GOV", "ECO"),
    ),
    DemoAgency(
        "BAPENDA",
        "Badan Pendapatan Daerah",
        "H. Syahrani, S.E.",
        "197406142001121005",
        "Kepala Badan Pendapatan Daerah",
        ("ECO",),
    ),
    DemoAgency(
        "DISDUKCAPIL",
        "Dinas Kependudukan dan Pencatatan Sipil",
        "Fitriani, S.H., M.H.",
        "198306022010012019",
        "Kepala Dinas Kependudukan dan Pencatatan Sipil",
        ("GOV",),
    ),
    DemoAgency(
        "DISBUDPAR",
        "Dinas Kebudayaan, Pariwisata, Kepemudaan dan Olahraga",
        "Yohanes Dedi, S.Pd., M.Si.",
        "197912112006041009",
        "Kepala Dinas Kebudayaan, Pariwisata, Kepemudaan dan Olahraga",
        ("ECO", "PPL"),
    ),
    DemoAgency(
        "BPBD",
        "Badan Penanggulangan Bencana Daerah",
        "Kurniawan Saleh, S.IP.",
        "197602282003121004",
        "Kepala Pelaksana Badan Penanggulangan Bencana Daerah",
        ("LIV", "ENV"),
    ),
)

STAFF_USERS = (
    ("evaluator", Role.EVALUATOR, "Tim Evaluator Smart City"),
    ("admin", Role.ADMIN, "Administrator Tim Pelaksana Smart City"),
    ("pimpinan", Role.VIEWER, "Pimpinan Daerah (hanya membaca)"),
)


OPENINGS = (
    "Berdasarkan evaluasi internal tahun 2025,",
    "Sesuai laporan kinerja perangkat daerah tahun 2025,",
    "Hasil monitoring triwulan IV tahun 2025 menunjukkan bahwa",
    "Merujuk pada dokumen Renja dan capaian tahun 2025,",
)
# self-assessed levels lean to the middle of the scale, as in real submissions
LEVEL_CHOICES = (1, 2, 2, 3, 3, 3, 4, 4, 5)
# the demo agency whose 2025 submission was returned once before being verified
RETURNED_AGENCY = "DISHUB"


# agency tags for the instruments' `applies_to` (docs/ADMINISTRATION.md, "Indicators by remit")
DEMO_TAGS: dict[str, str] = {
    "BAPPERIDA": "perencanaan",
    "DISKOMINFO": "kominfo",
    "DINKES": "kesehatan",
    "DISDIK": "pendidikan",
    "DLH": "lingkungan-hidup",
    "DPUPR": "pekerjaan-umum",
    "DISHUB": "perhubungan",
    "DPMPTSP": "perizinan",
    "BAPENDA": "pendapatan",
    "DISDUKCAPIL": "kependudukan",
    "DISBUDPAR": "pariwisata",
    "BPBD": "kebencanaan,kedaruratan",
}
# the heads' ranks (pangkat/golongan); names, NIPs and positions are in DEMO_AGENCIES
HEAD_RANKS: dict[str, str] = {
    "BAPPERIDA": "Pembina Utama Muda (IV/c)",
    "DISKOMINFO": "Pembina Tingkat I (IV/b)",
    "DINKES": "Pembina Tingkat I (IV/b)",
    "DISDIK": "Pembina Utama Muda (IV/c)",
    "DLH": "Pembina (IV/a)",
    "DPUPR": "Pembina Tingkat I (IV/b)",
    "DISHUB": "Pembina Tingkat I (IV/b)",
    "DPMPTSP": "Pembina (IV/a)",
    "BAPENDA": "Pembina Tingkat I (IV/b)",
    "DISDUKCAPIL": "Pembina (IV/a)",
    "DISBUDPAR": "Pembina Tingkat I (IV/b)",
    "BPBD": "Pembina (IV/a)",
}
# the agency whose 2025 result stays below the certificate minimum (predicate Baik)
LOW_AGENCY = "BPBD"
LOW_LEVELS = (1, 2, 2, 2)
# the decree (SK Bupati) that appoints the team of each demo period
DEMO_DECREES: dict[int, tuple[str, date]] = {
    2025: ("188.45/072/HUK/2025", date(2025, 2, 17)),
    2026: ("188.45/064/HUK/2026", date(2026, 2, 16)),
}
CHAIR_CODE, VICE_CHAIR_CODE = "BAPPERIDA", "DISKOMINFO"
# team members without an account: the secretary and an academic assessor
TEAM_SECRETARY = dict(
    name="Nor Aisyah, S.E., M.Si.",
    nip="198505172009022004",
    rank="Penata Tingkat I (III/d)",
    position="Sekretaris Badan Perencanaan Pembangunan, Riset dan Inovasi Daerah",
    institution="Bapperida Kabupaten Kotawaringin Timur",
)
TEAM_ACADEMIC = dict(
    name="Dr. Ir. Muhammad Ridwan, M.T.",
    position="Dosen Program Studi Teknik Informatika",
    institution="Universitas Darwan Ali, Sampit",
)
ACADEMIC_AGENCIES = ("DISKOMINFO", "DINKES", "DISHUB", "BPBD")

OBSTACLES = (
    "Keterbatasan anggaran dan sumber daya manusia bidang TIK; jaringan internet di "
    "kecamatan jauh dari Sampit belum stabil.",
    "Integrasi data dengan aplikasi pusat masih manual; SOP belum ditetapkan.",
    "Pemanfaatan aplikasi oleh masyarakat masih rendah; sosialisasi terbatas.",
)

DEMO_EMBLEM = Path(__file__).parent.parent / "data" / "demo-emblem.svg"
# Kotim's Bapperida as the issuing unit; the emblem is a neutral placeholder drawn for the demo
DEMO_LETTERHEAD = {
    "government": "PEMERINTAH KABUPATEN KOTAWARINGIN TIMUR",
    "unit": "BADAN PERENCANAAN PEMBANGUNAN, RISET DAN INOVASI DAERAH",
    "unit_code": "BAPPERIDA",
    "address": "Jalan Jenderal Sudirman, Sampit, Kalimantan Tengah",
    "telephone": "(0531) 21000",
    "email": "bapperida@kotimkab.go.id",
    "website": "bapperida.kotimkab.go.id",
}
DEMO_CLASSIFICATION = "000.8.3"
