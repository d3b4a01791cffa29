"""The review workspace: FastAPI with server-rendered Jinja2 pages and a JSON API under /api/.

A reader finds a route by the page it serves (after datasette's `views/`):

- `app.py`     — `create_app` and `serve`: settings, middleware (security headers, sessions,
                 the request guard, body limits), error pages, the routers below.
- `base.py`    — what every route shares: settings, the workspace, who is asking, rendering,
                 flash messages, Dutch errors for people and JSON errors for the API.
- `auth.py`    — login, logout, one's own password; sessions, CSRF, HTTP Basic for scripts.
- `review.py`  — the queue, j/k, an item and the decisions on it, a concept's TM entry,
                 "mijn recente besluiten", the XLSX export.
- `imports.py` — XLSX imports as background jobs with progress and a problem list.
- `api.py`     — the JSON API under /api/queue.
- `admin.py`   — accounts for admins.

Every text a person reads comes from terms/messages/review.toml.
"""
from review_queue.web.app import create_app, serve
from review_queue.web.base import load_secret

__all__ = ["create_app", "serve", "load_secret"]
