"""A page is content readers see (its own address and every footer): a write starts a new generation."""

from django.db.models.signals import post_delete, post_save

from pagecache.cache import content_changed


def _changed(sender, using, **kwargs):
    content_changed(using=using)


def connect():
    from pages.models import Page

    post_save.connect(_changed, sender=Page, dispatch_uid="pages-changed-save")
    post_delete.connect(_changed, sender=Page, dispatch_uid="pages-changed-delete")
