"""Cross-context journeys and browser tests."""
