"""Public URLs of the meetings app (Danish paths, the same in both languages)."""

from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("moeder/", views.meeting_list, name="meeting_list"),
    path("moeder/ny/<slug:body_slug>/", views.meeting_create, name="meeting_create"),
    path("moeder/<slug:slug>/", views.meeting_detail, name="meeting_detail"),
    path("moeder/<slug:slug>/dagsorden.pdf", views.agenda_pdf, name="agenda_pdf"),
    path("moeder/<slug:slug>/referat.pdf", views.minutes_pdf, name="minutes_pdf"),
    path("moeder/<slug:slug>/bilag/<int:pk>/", views.annex_file, name="annex_file"),
    path("moeder/<slug:slug>/status/", views.meeting_status, name="meeting_status"),
    path("moeder/<slug:slug>/referat/", views.minutes_status, name="minutes_status"),
    path("moeder/<slug:slug>/punkter/<int:number>/rediger/", views.item_edit,
         name="item_edit"),
    path("moeder/<slug:slug>/punkter/<int:number>/flyt/", views.item_move, name="item_move"),
    path("moeder/<slug:slug>/punkter/<int:number>/beslutning/", views.decision_record,
         name="decision_record"),
    path("organisation/<slug:slug>/moeder.ics", views.body_calendar, name="body_calendar"),
    path("sager/", views.case_list, name="case_list"),
    path("sager/<str:journal_number>/", views.case_detail, name="case_detail"),
]
