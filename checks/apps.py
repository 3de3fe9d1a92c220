from django.apps import AppConfig


class ChecksConfig(AppConfig):
    name = "checks"
    verbose_name = "Editorial checks"

    def ready(self):
        # Load and validate the rules file and INTIMACYHUB_CHECKS now, so a
        # malformed rule stops start-up (and `manage.py check`) with a clear
        # ImproperlyConfigured instead of a 500 on the first article checked.
        from django.core.signals import setting_changed

        from checks.config import active_rules, forget_rules

        setting_changed.connect(forget_rules)
        active_rules()
