"""The web front-end's edges: its pages, the gateway to the services' APIs, its cookies."""
