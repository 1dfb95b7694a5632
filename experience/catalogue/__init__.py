"""The catalogue of an organisation: its services, personas and operational metrics.

`services` holds the audited writes (used by the settings pages and the API alike),
`forms` and `views` the settings pages, `urls` their routes under /settings/.
"""
