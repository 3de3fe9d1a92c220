"""Build the POST an admin change form would send, from the form the admin rendered."""

from django import forms


def _put(data, name, field, value):
    widget = field.widget
    if isinstance(widget, forms.MultiWidget):
        parts = value if isinstance(value, list) else widget.decompress(value)
        for i, part in enumerate(parts):
            data[f"{name}_{i}"] = "" if part is None else str(part)
    elif isinstance(field, forms.BooleanField):
        if value:
            data[name] = "on"
    elif isinstance(value, list | tuple):
        data[name] = [str(v) for v in value]
    else:
        data[name] = "" if value is None else str(value)


def _form(data, form):
    for name, field in form.fields.items():
        _put(data, form.add_prefix(name), field, form[name].value())


def admin_form_data(response, **changes):
    """Return the data of the admin form in `response`, as rendered, with `changes` applied."""
    data = {}
    _form(data, response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        _form(data, formset.management_form)
        for form in formset.forms:
            _form(data, form)
    data.update(changes)
    return data
