"""The notifications service layer, one module per use case; each handler is given a
:class:`~services.notifications.handlers.context.Context` (the policy and a unit of work):

- ``intake``: the bus's events, by type, to the handlers below;
- ``org``, ``calendar``: the ward's org chart and working calendar;
- ``low_scores``: scoring's low scores and recoveries;
- ``submissions``: assessment's submissions, kept as they stand now;
- ``deadlines``: what they leave owed, watched and alerted once missed;
- ``alerts``: raising, reopening and resolving alerts;
- ``escalation``: escalating and repeating alerts left alone;
- ``deliveries``: queueing messages on each person's channels;
- ``sending``: sending them, grouped per person and channel;
- ``commands``: people's commands (acknowledge, snooze, preferences).
"""
