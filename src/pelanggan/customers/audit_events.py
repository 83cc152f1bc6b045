"""Audit event types of the customers context."""

from pelanggan.platform import audit

PERSONAL = (
    "full_name",
    "nik",
    "birth_date",
    "gender",
    "email",
    "phones",
    "street",
    "latitude",
    "longitude",
    "billing_address",
    "emergency_contacts",
)

audit.register("customers.customer.created", "Customer registered", personal_fields=PERSONAL)
audit.register("customers.person.updated", "Person data changed", personal_fields=PERSONAL)
audit.register("customers.address.changed", "Premise address changed", personal_fields=PERSONAL)
audit.register("customers.account.status_changed", "Account status changed")
audit.register("customers.terms.changed", "Tariff, power or payment mode changed")
audit.register("customers.consent.given", "Consent given")
audit.register("customers.consent.withdrawn", "Consent withdrawn")
audit.register("customers.asset.added", "Asset recorded")
audit.register("customers.programme.enrolled", "Programme enrolment recorded")
audit.register("customers.record.viewed", "Customer 360 record viewed")
audit.register("customers.search.performed", "Customer search performed")
audit.register("customers.pii.revealed", "Unmasked personal data shown (fields and reason)")
audit.register("customers.import.completed", "DIL extract imported")
audit.register("customers.quality.scanned", "Data-quality scan run")
audit.register(
    "customers.person.erased", "Person's identifiers erased on request or by retention",
    personal_fields=PERSONAL,
)
audit.register("customers.processing.limited", "Processing restricted or objected to")
audit.register("customers.processing.resumed", "Processing restriction or objection lifted")
