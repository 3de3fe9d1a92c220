"""Form behaviour shared by the admin's editors."""

from django import forms


class UnixNewlinesForm(forms.ModelForm):
    """Store text with the newlines an import or export has ("\\n").

    Browsers submit a textarea's lines ended by "\\r\\n"; kept as sent, a save
    that changed nothing would rewrite every line of an imported body, bump
    its version and change the exported file.
    """

    def clean(self):
        cleaned = super().clean()
        for name, value in cleaned.items():
            if isinstance(value, str) and "\r" in value:
                cleaned[name] = value.replace("\r\n", "\n").replace("\r", "\n")
        return cleaned
