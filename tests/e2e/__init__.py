"""End-to-end tests: a real Home Assistant server, driven in a real browser."""
