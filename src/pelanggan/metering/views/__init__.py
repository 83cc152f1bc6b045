"""Console pages of metering: the meter section of the 360° page, meter events, read review."""
