"""Score drops: detection (`detect`), grouping into incidents (`incidents`), and the review
workflow's audited writes (`services`)."""
