# One image for the web server, the worker and beat (see docker-compose.yml).
FROM python:3.11-slim

# The app runs from /app: templates/ and static/ live beside the packages.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    XMO_VAR_DIR=/app/var \
    PYTHONPATH=/app

WORKDIR /app

# Dependencies first, exactly as locked (hash-checked), so code changes do not reinstall
# them; the code itself is then run from /app. The demo (`manage.py seed_demo`) needs
# nothing beyond these: factory-boy and Faker are test-only (the `dev` extra).
COPY requirements/runtime.lock requirements/runtime.lock
RUN pip install --upgrade pip && pip install --require-hashes -r requirements/runtime.lock

COPY . .
RUN DJANGO_DEBUG=0 XMO_TESTING=0 DJANGO_SECRET_KEY=collectstatic-only-build-time-placeholder-never-used-to-sign \
       python manage.py collectstatic --noinput \
    && useradd --create-home --uid 10001 --shell /usr/sbin/nologin xmo \
    && mkdir -p /app/var \
    && chown -R xmo:xmo /app/var

USER xmo
EXPOSE 8000

# /readyz answers 200 while the database answers (a Redis outage is reported as degraded,
# not unready); the plain-HTTP probe is exempt from the HTTPS redirect.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import sys, urllib.request as u; sys.exit(u.urlopen('http://127.0.0.1:8000/readyz', timeout=4).status != 200)"

CMD ["gunicorn", "xmo.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
