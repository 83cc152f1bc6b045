"""Shared kernel, no business rules: clock, periods, money, encryption, audit, outbox, errors."""
