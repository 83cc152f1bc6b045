"""Write side of the customer master. Other contexts call these, never the models."""

from pelanggan.customers.services.changes import (
    AddressChange,
    PersonChange,
    TermsChange,
    add_asset,
    change_address,
    change_terms,
    enrol_programme,
    give_consent,
    set_account_status,
    update_person,
    withdraw_consent,
)
from pelanggan.customers.services.cleaning import (
    DIL_COLUMNS,
    CleanRecord,
    Problem,
    RecordInvalid,
    clean_record,
)
from pelanggan.customers.services.importer import ImportReport, import_dil
from pelanggan.customers.services.quality import QualityReport, quality_report, scan_data_quality
from pelanggan.customers.services.registration import register_customer

__all__ = [
    "DIL_COLUMNS",
    "AddressChange",
    "CleanRecord",
    "ImportReport",
    "PersonChange",
    "Problem",
    "QualityReport",
    "RecordInvalid",
    "TermsChange",
    "add_asset",
    "change_address",
    "change_terms",
    "clean_record",
    "enrol_programme",
    "give_consent",
    "import_dil",
    "quality_report",
    "register_customer",
    "scan_data_quality",
    "set_account_status",
    "update_person",
    "withdraw_consent",
]
