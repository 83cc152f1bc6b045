"""Choice lists of the customer master."""

from django.db import models


class DataSource(models.TextChoices):
    """Where a record came from (seed 000: registration, import, contact centre, third party)."""

    REGISTRATION = "registration", "Pendaftaran"
    IMPORT = "import", "Impor DIL"
    CONTACT_CENTRE = "contact_centre", "Contact center 123"
    COUNTER = "counter", "Loket ULP"
    THIRD_PARTY = "third_party", "Pihak ketiga"


class Gender(models.TextChoices):
    MALE = "M", "Laki-laki"
    FEMALE = "F", "Perempuan"


class PhoneKind(models.TextChoices):
    MOBILE = "mobile", "Seluler"
    LANDLINE = "landline", "Telepon rumah"


class AccountStatus(models.TextChoices):
    ACTIVE = "active", "Aktif"
    INACTIVE = "inactive", "Tidak aktif"
    DISCONNECTED = "disconnected", "Putus sementara"
    TERMINATED = "terminated", "Bongkar rampung"


class Utility(models.TextChoices):
    ELECTRICITY = "electricity", "Listrik"
    WATER = "water", "Air"


class PaymentMode(models.TextChoices):
    PREPAID = "prepaid", "Prabayar"
    POSTPAID = "postpaid", "Pascabayar"


class AssetKind(models.TextChoices):
    ROOFTOP_PV = "rooftop_pv", "PLTS atap"
    BATTERY = "battery", "Baterai"
    EV_CHARGER = "ev_charger", "Pengisi kendaraan listrik"


class ConsentPurpose(models.TextChoices):
    SERVICE_NOTIFICATIONS = "service_notifications", "Notifikasi layanan"
    MARKETING = "marketing", "Penawaran dan promosi"
    ENERGY_EFFICIENCY = "energy_efficiency", "Program efisiensi energi"
    CONSUMPTION_ANALYTICS = "consumption_analytics", "Analisis pemakaian"
    THIRD_PARTY_SHARING = "third_party_sharing", "Berbagi dengan pihak ketiga"


class FindingKind(models.TextChoices):
    DUPLICATE_NIK = "duplicate_nik", "NIK sama pada orang berbeda"
    SHARED_PHONE = "shared_phone", "Nomor telepon dipakai orang berbeda"
    SAME_PREMISE = "same_premise", "Alamat persil sama pada beberapa rekening"
