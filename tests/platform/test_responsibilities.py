"""The responsibility catalogue (snitfladekatalog, issue 11 §1): the demo entries, the public
list filtered by task text, sector, target group and cluster with a plain GET form, the detail
page, unpublished entries, the services' audit and the rules per role."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied

from sundhedsaftale.access.rules import can
from sundhedsaftale.core.models import AuditEvent
from sundhedsaftale.responsibilities import demo
from sundhedsaftale.responsibilities.models import Responsibility
from sundhedsaftale.responsibilities.services import responsibility_create, responsibility_update

from .test_access_rules import world  # noqa: F401  (the users of every role)


@pytest.fixture
def catalogue(demo_content):
    demo.load()
    return Responsibility.objects.all()


def tasks_on(client, query: str = "") -> list[str]:
    html = client.get("/ansvar/" + query).content.decode()
    body = html.split("<tbody>")[1].split("</tbody>")[0] if "<tbody>" in html else ""
    return re.findall(r'<a href="/ansvar/[^"]+/">([^<]+)</a>', body)


def test_demo_has_both_pathways_linked_to_their_annexes_marked_as_demo(catalogue):
    assert catalogue.count() == len(demo.ENTRIES)
    demo.load()  # idempotent
    assert Responsibility.objects.count() == len(demo.ENTRIES)
    annexes = set(catalogue.values_list("annex__slug", flat=True))
    assert annexes == {demo.ADMISSION_ANNEX, demo.COPD_ANNEX}
    assert all(entry.is_demo and entry.is_published for entry in catalogue)


def test_the_list_shows_every_published_entry_with_its_sector(catalogue, client):
    html = client.get("/ansvar/").content.decode()
    assert len(tasks_on(client)) == len(demo.ENTRIES)
    assert "Give kommunen besked om indlæggelse" in html and "Demo" in html
    assert "<select" in html and 'method="get"' in html


def test_filter_by_task_text_sector_target_group_and_cluster(catalogue, client):
    assert tasks_on(client, "?q=varsle+udskrivning") == ["Varsle udskrivning i god tid"]
    assert tasks_on(client, "?q=forløbsprogram+for+kol") == [  # the pathway's words count too
        "Stille diagnosen og vurdere sværhedsgraden",
        "Tilbyde rehabilitering med træning og undervisning", "Behandle svær forværring"]
    municipal = tasks_on(client, "?sektor=municipality")
    assert set(municipal) == {"Sende oplysninger om borgerens hjælp i hjemmet",
                              "Opfølgende hjemmebesøg efter udskrivning",
                              "Tilbyde rehabilitering med træning og undervisning"}
    assert tasks_on(client, "?maalgruppe=Borgere+med+KOL&sektor=hospital") == [
        "Behandle svær forværring"]
    # Cluster Syd: its own entry and the region-wide ones; cluster Byen: not Syd's entry.
    assert "Opfølgende hjemmebesøg efter udskrivning" in tasks_on(client, "?klynge=syd")
    assert len(tasks_on(client, "?klynge=syd")) == len(demo.ENTRIES)
    byen = tasks_on(client, "?klynge=byen")
    assert "Opfølgende hjemmebesøg efter udskrivning" not in byen
    assert len(byen) == len(demo.ENTRIES) - 1
    html = client.get("/ansvar/?q=ingen-opgave-hedder-sadan").content.decode()
    assert "Ingen opgaver passer til filtrene." in html


def test_an_unknown_sector_is_ignored_not_an_error(catalogue, client):
    response = client.get("/ansvar/?sektor=mars")
    assert response.status_code == 200
    assert len(tasks_on(client, "?sektor=mars")) == len(demo.ENTRIES)


def test_detail_page_shows_responsibility_economy_legal_basis_and_the_annex(catalogue,
                                                                            client):
    html = client.get("/ansvar/demo-kol-rehabilitering/").content.decode()
    for text in ("Tilbyde rehabilitering med træning og undervisning", "Kommune",
                 "Kommunen afholder udgiften", "Egen læge", demo.DEMO_LEGAL,
                 f'href="/bilag/{demo.COPD_ANNEX}/"', "Demo: opgaven og dens detaljer er fiktive"):
        assert text in html, text
    annex_page = client.get(f"/bilag/{demo.COPD_ANNEX}/").content.decode()
    assert 'href="/ansvar/demo-kol-rehabilitering/"' in annex_page


def test_an_unpublished_entry_is_only_for_staff(catalogue, client, reader_user):
    responsibility_update(responsibility=Responsibility.objects.get(slug="demo-kol-diagnose"),
                          by=None, is_published=False)
    assert client.get("/ansvar/demo-kol-diagnose/").status_code == 404
    assert "Stille diagnosen" not in " ".join(tasks_on(client))
    client.force_login(reader_user)
    html = client.get("/ansvar/demo-kol-diagnose/").content.decode()
    assert "Ikke offentliggjort" in html


def test_services_audit_and_check_the_rule(world):  # noqa: F811
    _objects, users = world
    entry = responsibility_create(by=users["region_editor"], task="Ny opgave (test)",
                                  pathway="Testforløb", target_group="Alle",
                                  sector=Responsibility.Sector.SHARED)
    assert entry.slug == "ny-opgave-test"
    responsibility_update(responsibility=entry, by=users["group_sekretariat"],
                          sector=Responsibility.Sector.HOSPITAL)
    update = AuditEvent.objects.get(action="responsibilities.responsibility.update")
    assert update.changes == {"sector": {"before": "shared", "after": "hospital"}}
    with pytest.raises(PermissionDenied):
        responsibility_create(by=users["region_reader"], task="Må ikke", pathway="x",
                              target_group="x", sector="shared")


RULES = {
    ("responsibilities.edit", None): {"group_sekretariat", "region_secretariat",
                                      "region_editor"},
    ("responsibilities.view_draft", None): {"group_sekretariat", "group_laeser",
                                            "region_secretariat", "region_editor",
                                            "region_reader"},
    ("agreements.annex.upload", None): {"group_sekretariat", "region_secretariat",
                                        "region_editor"},
}


def test_every_role_for_the_catalogue_and_annex_upload_rules(world):  # noqa: F811
    objects, users = world
    wrong = [(action, name) for (action, key), allowed in RULES.items()
             for name, user in users.items()
             if can(user, action, objects[key]) != (name in allowed)]
    assert wrong == []


def test_the_pages_are_in_english_when_the_visitor_chooses_english(catalogue, client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/ansvar/"}, HTTP_ORIGIN="http://testserver")
    html = client.get("/ansvar/?sektor=municipality").content.decode()
    for text in ("Responsibility catalogue: who does what, when", "Responsible sector",
                 "All target groups", "Show tasks", "3 tasks", "Municipality"):
        assert text in html, text
    for danish in ("Målgruppe", "Vis opgaver", "Hele regionen", "Ansvarlig sektor"):
        assert danish not in html, danish
    detail = client.get("/ansvar/demo-kol-rehabilitering/").content.decode()
    assert "Medical responsibility" in detail and "Legal basis" in detail
    assert "Lægefagligt ansvar" not in detail
    annex = client.get(f"/bilag/{demo.COPD_ANNEX}/").content.decode()
    assert "Validity" in annex and "Part of" in annex and "carried over from" in annex


def test_the_admin_lists_entries_and_links_to_the_public_page(catalogue, client,
                                                              django_user_model):
    root = django_user_model.objects.create_superuser("rod-ansvar", password="x-not-used-6")
    client.force_login(root)
    entry = Responsibility.objects.get(slug="demo-kol-forvaerring")
    listing = client.get("/admin/responsibilities/responsibility/").content.decode()
    assert "Behandle svær forværring" in listing
    html = client.get(f"/admin/responsibilities/responsibility/{entry.pk}/change/")
    on_site = re.search(r'href="(/admin/r/\d+/\d+/)"', html.content.decode())
    assert on_site, "no link from the admin to the public page"
    assert client.get(on_site.group(1))["Location"].endswith("/ansvar/demo-kol-forvaerring/")
