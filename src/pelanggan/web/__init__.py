"""The staff web console: server-rendered Django templates with htmx, Bahasa Indonesia first."""
