"""Tests of the pure modules (privacy, counts, payload, printers): no Home Assistant."""
