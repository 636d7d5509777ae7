"""A Django REST framework view."""

import subprocess

from rest_framework.response import Response
from rest_framework.views import APIView


class RunView(APIView):
    def post(self, request):
        subprocess.run(request.data["command"], shell=True, check=True)
        return Response({"status": "ok"})
