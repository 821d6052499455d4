"""What crosses a process boundary in ward5s: events, subjects, streams, roles, periods and the
criteria catalogue format. Services import these; nothing redefines them."""
