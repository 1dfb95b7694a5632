"""The experience dashboard: its figures (`figures`), pages and exports (`views`), urls."""
