from django.views.generic import DetailView, ListView

from conditions.models import Condition


class ConditionListView(ListView):
    model = Condition
    context_object_name = "conditions"


class ConditionDetailView(DetailView):
    model = Condition
    context_object_name = "condition"
