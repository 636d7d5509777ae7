from django.urls import path

from shop import views

urlpatterns = [
    path("export/", views.export_orders),
    path("search/", views.search),
    path("reports/<str:name>/", views.ReportView.as_view()),
]
