from django.core.management.base import BaseCommand

from articles.roles import ROLES, setup_roles


class Command(BaseCommand):
    help = "Create or update the Writer, Editor and Clinical reviewer groups (safe to run again)."

    def handle(self, *args, **options):
        setup_roles()
        for name, permissions in ROLES.items():
            self.stdout.write(f"{name}: {len(permissions)} permissions")
        self.stdout.write("Give people a role by adding them to a group; they also need 'staff status'.")
