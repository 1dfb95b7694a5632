"""gunicorn reads this file from the working directory (the image's /app) on start.

The longest request line gunicorn accepts (its maximum); Django answers a URL over
XMO_MAX_URL_BYTES (4096 by default) with a JSON 414 itself, so only lines beyond this get
gunicorn's own HTML 414.
"""

limit_request_line = 8190
