"""Plumbing shared by the three services, written once: settings, database, migrations,
transactional outbox and its relay, inbox (apply-once), the NATS broker and consumers, bearer-token
auth, JSON errors, health and metrics endpoints, and the process runner."""
