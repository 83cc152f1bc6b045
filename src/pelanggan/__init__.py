"""Pelanggan: customer information and service system for Indonesian utilities."""

__version__ = "0.1.0"
