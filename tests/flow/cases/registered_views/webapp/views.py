import os

from django.http import HttpResponse
from django.views import View

from webapp.base import ProtectedView


def resolve(request, host):
    os.system("host " + host)
    return HttpResponse("ok")


class ConvertView(View):
    def post(self, request, *args, **kwargs):
        fmt = self.request.POST["format"]
        os.system(f"convert --to {fmt}")
        return HttpResponse("ok")


class ShowView(View):
    def get(self, request, *args, **kwargs):
        os.system("echo showing " + self.kwargs["name"])
        return HttpResponse("ok")


class ExportView(ProtectedView):
    def render(self):
        os.system("export " + self.request.GET["table"])
