"""Audit event types of the security context."""

from pelanggan.platform import audit

audit.register("security.user.created", "Staff account created")
audit.register("security.user.role_changed", "Staff role or units changed")
audit.register("security.token.issued", "API token issued")
audit.register("security.token.revoked", "API token revoked")
audit.register("security.session.login", "Staff logged in to the web console")
audit.register("security.session.login_failed", "Failed staff login")
audit.register("security.session.logout", "Staff logged out")
