"""The web front-end's pages: Jinja2 templates rendered on the server (``templates/``), the
little JavaScript and CSS they use and the service worker (``static/``), and the view models
the templates are given (``pages.py``)."""
