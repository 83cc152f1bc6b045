from pelanggan.metering.models.choices import (
    EventSource,
    MeterEventKind,
    MeterKind,
    MeterStatus,
    PairedBy,
    ReadPurpose,
    ReadSource,
    ReadStatus,
    Register,
    ReviewReason,
    ReviewStatus,
    SealLocation,
    SimOperator,
)
from pelanggan.metering.models.events import MeterEvent
from pelanggan.metering.models.pairing import Modem, ModemInstallation, Pairing, SimCard
from pelanggan.metering.models.reads import ReadValidationPolicy, RegisterRead, ReviewItem
from pelanggan.metering.models.registry import Installation, Meter, Seal

__all__ = [
    "EventSource",
    "Installation",
    "Meter",
    "MeterEvent",
    "MeterEventKind",
    "MeterKind",
    "MeterStatus",
    "Modem",
    "ModemInstallation",
    "PairedBy",
    "Pairing",
    "ReadPurpose",
    "ReadSource",
    "ReadStatus",
    "ReadValidationPolicy",
    "Register",
    "RegisterRead",
    "ReviewItem",
    "ReviewReason",
    "ReviewStatus",
    "Seal",
    "SealLocation",
    "SimCard",
    "SimOperator",
]
