"""The image library's admin: upload with a text alternative, find by alt text or caption, see what uses an image.

Writers and Editors add images; only Editors change or delete them
(articles.roles). Every write goes through images/services.py; deleting an
image something uses is refused, naming what uses it.
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.html import format_html, format_html_join

from checks.engine import Document, run_checks
from images import services, signals
from images.models import Image


class ImageForm(forms.ModelForm):
    upload = forms.FileField(
        label="File",
        required=False,
        help_text="PNG, JPEG, WebP or GIF. Re-encoded without its metadata (EXIF, GPS position, comments).",
    )

    class Meta:
        model = Image
        fields = ["slug", "alt", "decorative", "caption", "credit"]

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        self.original = None
        if upload is None:
            if self.instance.pk is None:
                raise ValidationError("Choose the image's file.")
            return upload
        max_size = settings.MARKDOWNX_UPLOAD_MAX_SIZE
        if upload.size > max_size:
            raise ValidationError(f"The file is larger than {max_size / 1_048_576:.0f} MB.")
        self.original = services.Original(upload.read())
        return upload

    def clean(self):
        # The alt text is a text an editor writes: the editorial checks read it (issue 15).
        cleaned = super().clean()
        alt = (cleaned.get("alt") or "").strip()
        self.findings = []
        if alt and not cleaned.get("decorative"):
            slug = cleaned.get("slug") or self.instance.slug or "new"
            self.findings = run_checks(Document(fields={f"alt:{slug}": alt}))
            for finding in self.findings:
                if finding.severity == "block":
                    self.add_error("alt", f"“{finding.text}”: {finding.message}")
        return cleaned


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    form = ImageForm
    list_display = ["thumbnail", "slug", "alt", "decorative", "width", "height", "created_at", "created_by"]
    list_display_links = ["thumbnail", "slug"]
    list_filter = ["decorative"]
    search_fields = ["alt", "caption", "slug"]
    readonly_fields = ["preview", "dimensions", "sha256", "created_at", "created_by", "used_by"]

    def get_fields(self, request, obj=None):
        fields = ["upload", "slug", "alt", "decorative", "caption", "credit"]
        return fields + (["preview", "dimensions", "sha256", "created_at", "created_by", "used_by"] if obj else [])

    def get_readonly_fields(self, request, obj=None):
        # Texts name an image by its slug: it is set once.
        return [*self.readonly_fields, "slug"] if obj else self.readonly_fields

    @admin.display(description="image")
    def thumbnail(self, obj):
        return self._img(obj, width=96)

    @admin.display(description="preview")
    def preview(self, obj):
        return self._img(obj, width=320)

    @staticmethod
    def _img(obj, *, width):
        picture = obj.picture
        if not picture:
            return "—"
        return format_html('<img src="{}" alt="{}" width="{}" style="height:auto">', picture.src, picture.alt, width)

    @admin.display(description="size")
    def dimensions(self, obj):
        return f"{obj.width}×{obj.height} px, {obj.format}"

    @admin.display(description="used by")
    def used_by(self, obj):
        found = signals.usages(obj)
        if not found:
            return "Nothing: it may be deleted."
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{} “{}”</li>", found))

    def save_model(self, request, obj, form, change):
        for finding in form.findings:
            self.message_user(request, f"Alt text: “{finding.text}”: {finding.message}", messages.WARNING)
        fields = {name: form.cleaned_data[name] for name in ["alt", "decorative", "caption", "credit"]}
        if change:
            services.image_update(image=obj, original=form.original, **fields)
        else:
            saved = services.image_create(
                original=form.original, slug=form.cleaned_data["slug"], by=request.user, **fields
            )
            obj.pk = saved.pk

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        # References in texts are no foreign keys: name them as the protected rows are named.
        for image in objs:
            protected += [
                f"{kind.capitalize()}: {label} (uses “{image.slug}”)" for kind, label in signals.usages(image)
            ]
        return deleted, counts, perms_needed, list(dict.fromkeys(protected))

    def delete_model(self, request, obj):
        services.image_delete(image=obj)

    def delete_queryset(self, request, queryset):
        for image in queryset:
            try:
                services.image_delete(image=image)
            except ValidationError as refused:
                self.message_user(request, refused.messages[0], messages.ERROR)
