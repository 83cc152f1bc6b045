"""Browser tests: a real Chromium driven through Playwright."""
