"""The web front-end's pure rules: who lands where, the session a browser holds, the pages'
texts in Vietnamese and English, and the dates they show."""
