"""Project configuration: settings, the one versioned API, URLs and the WSGI entry point."""
