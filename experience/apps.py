from django.apps import AppConfig


class ExperienceConfig(AppConfig):
    name = "experience"
    default_auto_field = "django.db.models.BigAutoField"
