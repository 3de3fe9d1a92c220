from django.apps import AppConfig


class ConditionsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "conditions"

    def ready(self):
        # Condition bodies may show library images: tell the library what uses one, follow its changes.
        from conditions import image_uses

        image_uses.connect()
