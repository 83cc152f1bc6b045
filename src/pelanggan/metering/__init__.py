"""Metering: meters and their lifecycle, two-way pairing, register reads, meter events."""
