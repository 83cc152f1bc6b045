"""Audit event types of oversight: alerts on staff access, and the auditor's own reads."""

from pelanggan.platform import audit

audit.register("oversight.alert.raised", "Access-anomaly alert raised")
audit.register("oversight.alert.acknowledged", "Access-anomaly alert acknowledged")
audit.register("oversight.trail.searched", "Audit trail searched in the auditor console")
audit.register("oversight.trail.exported", "Audit trail exported (CSV)")
