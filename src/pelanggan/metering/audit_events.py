"""Audit event types of the metering context. Customer phones of pairings are personal."""

from pelanggan.platform import audit

audit.register("metering.meter.registered", "Meter added to the registry")
audit.register("metering.meter.installed", "Meter installed on a service connection")
audit.register("metering.meter.removed", "Meter removed from a service connection")
audit.register("metering.meter.exchanged", "Meter exchanged on a service connection")
audit.register("metering.seal.applied", "Seal applied")
audit.register("metering.seal.removed", "Seal removed")
audit.register("metering.modem.registered", "Modem added to the registry")
audit.register("metering.modem.installed", "Modem fitted to a meter")
audit.register("metering.sim.registered", "SIM card added to the registry")
audit.register(
    "metering.pairing.created",
    "Meter paired with SIM and phone",
    personal_fields=("customer_phone",),
)
audit.register("metering.pairing.ended", "Meter pairing ended")
audit.register("metering.pairing.phone_erased", "Customer phone erased from meter pairings")
audit.register("metering.events.recorded", "Meter events stored")
audit.register("metering.read.submitted", "Register read submitted")
audit.register("metering.read.estimated", "Register read estimated")
audit.register("metering.review.accepted", "Read under review accepted")
audit.register("metering.review.corrected", "Read under review corrected")
audit.register("metering.review.reread_ordered", "Re-read ordered for a read under review")
audit.register("metering.policy.changed", "Read validation thresholds changed")
audit.register("metering.demo.built", "Demo meters built")
