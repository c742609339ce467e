"""The pure core: every rule this integration promises, in plain Python.

What belongs here: the allowlist and its PII guards, the daily counts and
their rows of long-term statistics, the report and its default-deny schema,
the schedule, the outbox, deletion requests, the audit log, the installation
id, the import ledger, Printernizer's answers, the printer integrations' rules
and the privacy center's pieces.

The one rule: nothing in this folder imports `homeassistant`, or any module
outside this folder (only the standard library and each other). Whatever needs
the time takes it as an argument, so every rule can be read and tested without
a running Home Assistant (tests/pure/ mirrors this folder file for file).
"""
