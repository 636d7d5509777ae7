from django.urls import path, re_path

from webapp import views

urlpatterns = [
    path("resolve/<str:host>", views.resolve),
    re_path(r"^convert/$", views.ConvertView.as_view()),
]
