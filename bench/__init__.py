"""Benchmarks (`make bench`): each section measures one thing and adds its figures to one dict."""
