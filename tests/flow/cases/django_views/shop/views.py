"""Views of the shop's back office."""

import subprocess

from django.http import HttpResponse, JsonResponse
from django.views import View


def export_orders(request):
    fmt = request.GET.get("format", "json")
    subprocess.run(f"python manage.py dumpdata orders --format {fmt}", shell=True, check=True)
    return HttpResponse("exported")


def search(request):
    term = request.POST["q"]
    out = subprocess.check_output(["grep", "-r", term, "/srv/catalog"], text=True)
    return HttpResponse(out)


class ReportView(View):
    def get(self, request, name):
        out = subprocess.check_output(f"/opt/reports/{name}.sh", shell=True)
        return HttpResponse(out)

    def post(self, request):
        formula = request.POST.get("formula", "0")
        return JsonResponse({"value": eval(formula)})
