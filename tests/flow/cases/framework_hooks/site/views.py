import os

from channels.generic.websocket import AsyncJsonWebsocketConsumer, WebsocketConsumer
from django import forms
from django.views.generic import FormView
from rest_framework import serializers, viewsets


class CmdForm(forms.Form):
    cmd = forms.CharField()


class RunView(FormView):
    form_class = CmdForm
    template_name = "run.html"

    def form_valid(self, form):
        os.system(form.cleaned_data["cmd"])
        return super().form_valid(form)


class JobSerializer(serializers.Serializer):
    cmd = serializers.CharField()


class JobViewSet(viewsets.ModelViewSet):
    serializer_class = JobSerializer

    def perform_create(self, serializer):
        os.system(serializer.validated_data["cmd"])


class ShellConsumer(WebsocketConsumer):
    def receive(self, text_data=None, bytes_data=None):
        os.system(text_data)


class JsonShellConsumer(AsyncJsonWebsocketConsumer):
    async def receive_json(self, content, **kwargs):
        os.system(content["cmd"])


class PingForm(forms.Form):
    target = forms.CharField()

    def clean_target(self):
        os.system("ping -c1 " + self.cleaned_data["target"])
        return self.cleaned_data["target"]


class PingSerializer(serializers.Serializer):
    host = serializers.CharField()

    def validate_host(self, value):
        os.system("ping -c1 " + value)
        return value
