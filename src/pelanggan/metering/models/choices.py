"""Choice lists of the metering context.

Glossary: WBP *waktu beban puncak* (peak hours, 17:00–22:00 WIB by default) and LWBP *luar
waktu beban puncak* (off-peak) are the two registers of a two-rate meter; kVArh is reactive
energy; STS the prepaid token standard (IEC 62055-41).
"""

from django.db import models

from pelanggan.customers.models.choices import Utility

__all__ = [
    "EventSource",
    "MeterEventKind",
    "MeterKind",
    "MeterStatus",
    "PairedBy",
    "ReadPurpose",
    "ReadSource",
    "ReadStatus",
    "Register",
    "ReviewReason",
    "ReviewStatus",
    "SealLocation",
    "SimOperator",
    "Utility",
]


class MeterKind(models.TextChoices):
    POSTPAID_SINGLE_PHASE = "postpaid_1p", "Pascabayar 1 fasa"
    POSTPAID_THREE_PHASE = "postpaid_3p", "Pascabayar 3 fasa"
    PREPAID_STS = "prepaid_sts", "Prabayar STS"
    SMART_PREPAID = "smart_prepaid", "Prabayar dua arah (smart)"
    SMART_POSTPAID = "smart_postpaid", "Pascabayar dua arah (smart)"
    WATER = "water", "Meter air"


STS_KINDS = frozenset({MeterKind.PREPAID_STS, MeterKind.SMART_PREPAID})
TWO_WAY_KINDS = frozenset({MeterKind.SMART_PREPAID, MeterKind.SMART_POSTPAID})


class MeterStatus(models.TextChoices):
    IN_STOCK = "in_stock", "Di gudang"
    INSTALLED = "installed", "Terpasang"
    REMOVED = "removed", "Dibongkar"
    RETIRED = "retired", "Dihapus"


class Register(models.TextChoices):
    KWH_TOTAL = "kwh_total", "kWh total"
    KWH_WBP = "kwh_wbp", "kWh WBP"
    KWH_LWBP = "kwh_lwbp", "kWh LWBP"
    KVARH = "kvarh", "kVArh"
    M3 = "m3", "m³"


class SealLocation(models.TextChoices):
    TERMINAL_COVER = "terminal_cover", "Tutup terminal"
    METER_COVER = "meter_cover", "Tutup meter"
    MCB = "mcb", "MCB / pembatas"
    MODEM = "modem", "Modem"
    METER_BOX = "meter_box", "Kotak APP"


class SimOperator(models.TextChoices):
    TELKOMSEL = "telkomsel", "Telkomsel"
    INDOSAT = "indosat", "Indosat Ooredoo Hutchison"
    XL = "xl", "XL Axiata"
    SMARTFREN = "smartfren", "Smartfren"


class PairedBy(models.TextChoices):
    OPERATOR_API = "operator_api", "API operator seluler"
    TECHNICIAN = "technician", "Teknisi"


class MeterEventKind(models.TextChoices):
    TAMPER_COVER_OPEN = "tamper_cover_open", "Tutup meter dibuka"
    TAMPER_MAGNETIC = "tamper_magnetic", "Gangguan medan magnet"
    BYPASS_SUSPECTED = "bypass_suspected", "Dugaan bypass"
    POWER_OFF_LAST_GASP = "power_off_last_gasp", "Listrik padam (last gasp)"
    POWER_ON = "power_on", "Listrik menyala"
    LOW_CREDIT = "low_credit", "Kredit hampir habis"
    CREDIT_EXHAUSTED = "credit_exhausted", "Kredit habis"
    RELAY_OPEN = "relay_open", "Relai terbuka"
    RELAY_CLOSED = "relay_closed", "Relai tertutup"
    COMMUNICATION_LOST = "communication_lost", "Komunikasi terputus"
    COMMUNICATION_RESTORED = "communication_restored", "Komunikasi pulih"
    OTHER = "other", "Lainnya"


class EventSource(models.TextChoices):
    MQTT = "mqtt", "MQTT"
    HTTP = "http", "HTTP batch"
    FILE = "file", "Berkas"
    SIMULATOR = "simulator", "Simulator"
    MANUAL = "manual", "Manual"


class ReadSource(models.TextChoices):
    MANUAL = "manual", "Catat manual"
    PHOTO = "photo", "Foto stand meter"
    SELF_READ = "self_read", "Baca mandiri pelanggan"
    AMI = "ami", "AMI"
    ESTIMATED = "estimated", "Taksiran"


class ReadPurpose(models.TextChoices):
    INSTALL = "install", "Stand pasang"
    REMOVAL = "removal", "Stand bongkar"
    CYCLE = "cycle", "Stand bulanan"


class ReadStatus(models.TextChoices):
    ACCEPTED = "accepted", "Diterima"
    PENDING_REVIEW = "pending_review", "Menunggu pemeriksaan"
    REREAD_ORDERED = "reread_ordered", "Baca ulang diminta"
    SUPERSEDED = "superseded", "Digantikan"


USABLE_READ_STATUSES = (ReadStatus.ACCEPTED,)
LIVE_READ_STATUSES = (ReadStatus.ACCEPTED, ReadStatus.PENDING_REVIEW)


class ReviewReason(models.TextChoices):
    NEGATIVE_CONSUMPTION = "negative_consumption", "Pemakaian negatif"
    ROLLOVER = "rollover", "Register berputar ulang"
    SPIKE = "spike", "Pemakaian melonjak"
    DIP = "dip", "Pemakaian turun drastis"
    ZERO_CONSUMPTION = "zero_consumption", "Pemakaian nol pada sambungan aktif"
    HOURS_OF_USE = "hours_of_use", "Jam nyala melebihi batas fisik"
    STUCK_REGISTER = "stuck_register", "Register macet"


class ReviewStatus(models.TextChoices):
    OPEN = "open", "Terbuka"
    ACCEPTED = "accepted", "Diterima"
    CORRECTED = "corrected", "Dikoreksi"
    REREAD_ORDERED = "reread_ordered", "Baca ulang"
