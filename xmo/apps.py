from django.apps import AppConfig


class XmoConfig(AppConfig):
    name = "xmo"
    verbose_name = "XMO office"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Jobs register themselves when their modules are imported.
        from . import jobs  # noqa: F401
