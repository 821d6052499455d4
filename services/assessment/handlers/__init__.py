"""The assessment service layer, one module per aggregate: ``org``, ``catalog``, ``audits``,
``corrective_actions``, ``self_assessments``, ``feedback``, ``task_results``, ``periods``,
``calendar``; ``common`` holds the context and the checks several share, ``commands`` the table
every person's command goes through (``services.runtime.commands``). Each handler takes a
:class:`~services.runtime.uow.UnitOfWork` (its session, its events), checks the rules
(``domain/``), writes through ``adapters/`` and raises events with ``uow.emit``."""
