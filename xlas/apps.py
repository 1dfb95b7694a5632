from django.apps import AppConfig


class XlasConfig(AppConfig):
    name = "xlas"
    default_auto_field = "django.db.models.BigAutoField"
