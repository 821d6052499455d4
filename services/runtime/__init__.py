"""Plumbing shared by the services, written once: settings (``settings``), database, dialect
checks and bulk statements (``db``, ``bulk``), migrations, the clock (``clock``), the unit of work
and after-commit hooks (``uow``, ``hooks``), typed dispatch (``dispatch``), refusals and their
texts (``refusals``, ``errors``), background loops (``jobs``), the transactional outbox and its
relay, the inbox (apply-once), the NATS broker and consumers, bearer-token auth, health and
metrics endpoints, and the process runner (``service``)."""
