"""Errors raised by the STS engine.

Every error is a `ValueError` (bad input is a value problem) with a one-line message that names
the field and the rule. Messages never carry key material: a key is a secret even in a log line.
"""

from __future__ import annotations


class StsError(ValueError):
    """Base of every error the STS engine raises."""


class TokenFormatError(StsError):
    """The token text is not 20 decimal digits, or its number does not fit in 66 bits."""


class KeyMaterialError(StsError):
    """A decoder key, vending key or key-derivation input has the wrong form."""


class FieldRangeError(StsError):
    """A token field is outside what its bit width or its coding can carry."""


class UnsupportedTokenError(StsError):
    """The class or subclass is reserved, proprietary or not implemented here."""


class TidError(FieldRangeError):
    """An issue time does not map to a 24-bit TID for the chosen base date."""
