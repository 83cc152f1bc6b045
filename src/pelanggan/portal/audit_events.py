"""Audit event types of the customer portal. The actor is the signed-in customer."""

from pelanggan.platform import audit

audit.register("portal.session.logout", "Customer signed out of the portal")
audit.register("portal.account.viewed", "Customer opened one of their own accounts")
audit.register("portal.usage.viewed", "Customer viewed the monthly usage of their own account")
