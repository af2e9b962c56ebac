from django.urls import path

from . import views

urlpatterns = [
    path("", views.guidance, name="guidance"),
    path("preview/", views.guidance_preview, name="guidance_preview"),
    path("preview/steps/<id:step_pk>/", views.step_preview, name="step_preview"),
]
