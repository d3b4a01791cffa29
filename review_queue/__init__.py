"""The store: concepts, suggestions, review items and their decisions, audit log; the web app."""
