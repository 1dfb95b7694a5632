"""Meeting pages, by concept: series, meetings, actions, initiatives."""
