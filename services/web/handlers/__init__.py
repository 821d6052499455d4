"""The web front-end's use cases: signing in and out, keeping a session's token fresh."""
