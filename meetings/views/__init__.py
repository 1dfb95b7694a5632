"""Meeting pages, by concept: series, meetings, actions, initiatives, and `follow_up`
(actions and agenda entries made from a breach's or a score drop's page)."""
