"""Public URLs of the hearings app (Danish paths, the same in both languages)."""

from django.urls import path

from . import views

app_name = "hearings"

urlpatterns = [
    path("hoeringer/", views.hearing_list, name="list"),
    path("hoeringer/abonnement/", views.subscribe, name="subscribe"),
    path("hoeringer/abonnement/bekraeft/<str:token>/", views.subscribe_confirm,
         name="subscribe_confirm"),
    path("hoeringer/abonnement/afmeld/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("hoeringer/<slug:slug>/", views.hearing_detail, name="detail"),
    path("hoeringer/<slug:slug>/brev.pdf", views.hearing_letter_pdf, name="letter_pdf"),
    path("hoeringer/<slug:slug>/notat/", views.memo_detail, name="memo"),
    path("hoeringer/<slug:slug>/notat.pdf", views.memo_pdf, name="memo_pdf"),
    path("hoeringer/<slug:slug>/svar/", views.respond, name="respond"),
    path("hoeringer/<slug:slug>/svar/<str:token>/", views.respond_by_link, name="respond_link"),
    path("hoeringer/<slug:slug>/bekraeft/<str:token>/", views.response_confirm,
         name="response_confirm"),
    path("hoeringer/<slug:slug>/sekretariat/", views.staff_overview, name="staff"),
    path("hoeringer/<slug:slug>/sekretariat/parter.csv", views.staff_overview,
         {"csv": True}, name="party_csv"),
    path("hoeringer/<slug:slug>/sekretariat/registrer/", views.register_response,
         name="register"),
    path("hoeringer/<slug:slug>/sekretariat/svar/<int:pk>/", views.staff_response,
         name="staff_response"),
    path("hoeringer/<slug:slug>/sekretariat/bilag/<int:pk>/", views.attachment_download,
         name="attachment"),
    path("hoeringer/<slug:slug>/sekretariat/notat/", views.memo_edit, name="memo_edit"),
]
