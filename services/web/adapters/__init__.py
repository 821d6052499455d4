"""The web front-end's I/O: the services' HTTP APIs and the demo's tokens file."""
