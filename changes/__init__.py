"""Changes: ITSM changes, and the verdict on each one's measured effect on experience."""
