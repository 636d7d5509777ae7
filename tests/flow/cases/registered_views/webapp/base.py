from django.views.generic import TemplateView


class ProtectedView(TemplateView):
    template_name = "protected.html"
