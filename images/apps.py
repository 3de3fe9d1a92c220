from django.apps import AppConfig


class ImagesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "images"

    def ready(self):
        # The one renderer (core/rendering.py) imports no app: it resolves
        # `![alt](image:SLUG)` through the hook this app registers.
        from core import rendering
        from images import markup

        rendering.register_image_resolver(markup.resolve_reference)
