"""Prepaid metering: the STS (IEC 62055-41) token engine and its command line.

The engine in `pelanggan.prepaid.sts` is pure code (no Django, no clock, no randomness) so that
vending, the meter simulator and scripts can share it and test it without a database.
"""
