"""Custom integrations (makes `custom_components` importable in tests)."""
