"""URLs of the ways in. The paths are Danish and the same in both languages; robots.txt,
sitemap.xml and favicon.ico sit at the site's root where crawlers and browsers look."""

from django.contrib.sitemaps.views import sitemap
from django.urls import path

from . import views
from .sitemaps import SITEMAPS

app_name = "outreach"

urlpatterns = [
    path("kontakt/", views.contact, name="contact"),
    path("aftaler/<slug:slug>/fokusomraader/<slug:focus_slug>/for-borgere/",
         views.citizen_page, name="citizen_page"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("favicon.ico", views.favicon, name="favicon"),
]
