"""Audit event types of the privacy context. Changes carry ids, kinds and field names only."""

from pelanggan.platform import audit

audit.register(
    "privacy.request.submitted", "Data-subject request received", personal_fields=("details",)
)
audit.register("privacy.request.started", "Data-subject request taken in hand")
audit.register("privacy.request.completed", "Data-subject request completed")
audit.register("privacy.request.refused", "Data-subject request refused")
audit.register("privacy.request.viewed", "Data-subject request opened by a privacy officer")
audit.register("privacy.export.generated", "Personal-data export generated for a data subject")
audit.register("privacy.incident.recorded", "Personal-data breach recorded")
audit.register("privacy.incident.updated", "Breach status or handling updated")
audit.register("privacy.incident.subjects_added", "Affected data subjects linked to a breach")
audit.register("privacy.incident.authority_notified", "Breach notified to the PDP authority")
audit.register("privacy.incident.subjects_notified", "Affected data subjects notified of a breach")
audit.register("privacy.retention.applied", "Retention policy applied")
