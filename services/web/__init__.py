"""The web front-end: the pages people submit from (auditor checklist, kiosk and QR rating,
monthly "+" self-assessment), served by the stack on one origin with the services' APIs."""
