"""Planned disruptions: windows declared in advance for services and personas.

Evaluations, breaches and incidents inside a declared window for the affected segments are
"acknowledged in advance": still evaluated and shown, never escalated (see selectors).
"""
