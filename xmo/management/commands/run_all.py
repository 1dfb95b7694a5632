"""Serve the web app with a Celery worker and beat, all stopped together by Ctrl-C.

Used by `make run`: embedded mode (SQLite + filesystem broker) needs no other service.
"""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run web server, Celery worker and Celery beat together (development)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")

    def handle(self, *args, host, port, **options):
        settings.BROKER_DIR.joinpath("queue").mkdir(parents=True, exist_ok=True)
        settings.BROKER_DIR.joinpath("processed").mkdir(parents=True, exist_ok=True)
        settings.BROKER_DIR.joinpath("control").mkdir(parents=True, exist_ok=True)
        python = sys.executable
        celery = [python, "-m", "celery", "-A", "xmo"]
        commands = {
            "web": [python, "manage.py", "runserver", f"{host}:{port}", "--noreload"],
            "worker": celery + ["worker", "--loglevel=INFO", "--concurrency=1", "--pool=solo"],
            "beat": celery
            + ["beat", "--loglevel=INFO", f"--schedule={settings.CELERY_BEAT_SCHEDULE_FILENAME}"],
        }
        env = os.environ.copy()
        # Links in e-mails point at the address being served unless one is configured.
        env.setdefault("XMO_SITE_URL", site_url(host, port))
        procs = {}
        for name, cmd in commands.items():
            procs[name] = subprocess.Popen(cmd, env=env)  # noqa: S603
        self.stdout.write(
            self.style.SUCCESS(
                f"XMO is running on http://{host}:{port}/ with a worker and beat. Ctrl-C stops all."
            )
        )

        stopping = {"asked": False}

        def ask_to_stop(*_):
            stopping["asked"] = True

        def stop():
            for proc in procs.values():
                if proc.poll() is None:
                    proc.terminate()
            deadline = time.time() + 10
            for proc in procs.values():
                try:
                    proc.wait(timeout=max(0.1, deadline - time.time()))
                except subprocess.TimeoutExpired:
                    proc.kill()

        # Ctrl-C reaches every process of the terminal at once: the children may exit before
        # this loop notices the signal, so a child's exit is only an error when no stop was
        # asked for.
        signal.signal(signal.SIGINT, ask_to_stop)
        signal.signal(signal.SIGTERM, ask_to_stop)
        while not stopping["asked"]:
            exited = [(name, proc) for name, proc in procs.items() if proc.poll() is not None]
            if exited:
                time.sleep(0.5)
                if stopping["asked"]:
                    break
                name, proc = exited[0]
                self.stderr.write(f"{name} exited with {proc.returncode}; stopping the rest")
                stop()
                sys.exit(proc.returncode or 1)
            time.sleep(0.5)
        stop()
        self.stdout.write("Stopped web, worker and beat.")


def site_url(host: str, port) -> str:
    """The base URL of `runserver host:port`, as a browser on this machine reaches it."""
    if host in {"", "0.0.0.0", "::"}:  # noqa: S104 (read, not bound)
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"
