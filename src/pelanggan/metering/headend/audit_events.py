"""Audit event types of the AMI head-end."""

from pelanggan.platform import audit

audit.register("headend.command.requested", "Remote meter command requested")
audit.register("headend.command.sent", "Remote meter command published to the meter")
audit.register("headend.command.replied", "Meter replied to a remote command")
audit.register("headend.command.retried", "Remote meter command sent again after a timeout")
audit.register("headend.command.timed_out", "Remote meter command timed out")
audit.register("headend.simulator.registered", "Simulated two-way meters registered")
