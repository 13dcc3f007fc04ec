"""The HTML interface people work in: server-rendered Jinja2 pages with htmx, in Vietnamese and English.

One blueprint per role area (``views/``); views call the same services as the JSON API and commit once.
"""
