"""Danish pages in Danish, English pages without Danish UI chrome, and none of the language
slips found in issue 11 (the public pages and the admin's history and revert pages)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from sundhedsaftale.agreements.models import Agreement, FocusArea, Goal, Principle
from sundhedsaftale.bodies.models import Body
from sundhedsaftale.geography.models import Municipality

ON = "2025-06-01"  # inside the clusters' period


class VisibleText(HTMLParser):
    """The text a visitor reads (and a screen reader says): text nodes outside script/style,
    plus title, alt, aria-label, placeholder and button values."""

    SKIP = {"script", "style", "template"}
    ATTRS = ("alt", "aria-label", "title", "placeholder")

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self._skip += 1
        values = dict(attrs)
        for name in self.ATTRS:
            if values.get(name):
                self.parts.append(values[name] or "")
        if tag == "input" and values.get("type") in {"submit", "button"} and values.get("value"):
            self.parts.append(values["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " \n".join(parser.parts)


# English words and phrases that must not appear on a Danish page (whole words, case-sensitive
# where the Danish word is spelt the same in lower case). Agreement texts are Danish, so any of
# these is UI or data left in English.
ENGLISH_ON_DANISH = [
    "None", "Home", "History", "Changed by", "Change reason", "Changes", "Revert", "Close",
    "Date/time", "Comment", "Object", "Search", "Source", "uncertain", "synthetic",
    "breakdowns", "totals", "where marked", "Municipality", "Cluster", "Population",
    "Agreement", "Goal", "Focus area", "Skip to", "Language", "Next", "Previous",
    "Show", "View on site", "Add another", "Save", "Delete", "Jan.", "Feb.", "Aug.", "Sept.",
    "Oct.", "Nov.", "Dec.", "January", "February", "March", "April", "June", "July",
    "October", "December", "entries", "entry", "Created", "Changed", "Deleted",
    # English sentences give themselves away by their small words
    "the", "of", "which", "with", "and", "from", "this", "that", "your", "are", "will",
]

# Slips listed in issue 11, wherever they would show.
DANISH_SLIPS = [
    "København Kommune", "Bornholm Kommune", "Tilføj endnu en Princip",
    "Tilføj endnu en princip", "Tilføj endnu en fokusområde", "Tilføj endnu en Fokusområde",
    "Tilføj endnu en mål", "Tilføj endnu en indikator", "(Byen (politisk))",
    "(Syd (politisk))", "(politisk))", "(faglig))",
]


def english_words_in(text: str) -> list[str]:
    found = []
    for phrase in ENGLISH_ON_DANISH:
        if re.search(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", text):
            found.append(phrase)
    return found


def slips_in(text: str) -> list[str]:
    return [slip for slip in DANISH_SLIPS if slip in text]


def public_urls() -> list[str]:
    agreement = Agreement.objects.filter(status="published").order_by("-period_start").first()
    assert agreement is not None, "the demo has a published agreement"
    focus = FocusArea.objects.filter(agreement=agreement).first()
    goal = Goal.objects.filter(focus_area__agreement=agreement).first()
    body = Body.objects.filter(short_name__contains="(").first()
    return [
        "/", "/aftaler/", f"/aftaler/{agreement.slug}/",
        f"/aftaler/{agreement.slug}/fokusomraader/{focus.slug}/",
        f"/aftaler/{agreement.slug}/maal/{goal.slug}/",
        f"/kommuner/?dato={ON}", "/kommuner/101/", "/kommuner/400/", f"/kommuner/147/?dato={ON}",
        f"/klynger/?dato={ON}", f"/klynger/syd/?dato={ON}", f"/klynger/byen/?dato={ON}",
        "/organisation/", f"/organisation/{body.slug}/", "/soeg/?q=%C3%A6ldre",
        "/tilgaengelighed/",
    ]


@pytest.mark.django_db
def test_danish_pages_have_no_english_and_none_of_the_listed_slips(demo, client) -> None:
    problems = {}
    for url in public_urls():
        response = client.get(url)
        assert response.status_code == 200, url
        text = visible_text(response.content.decode())
        found = english_words_in(text) + slips_in(text)
        if found:
            problems[url] = found
    assert problems == {}


@pytest.mark.django_db
def test_municipalities_are_named_officially(demo, client) -> None:
    copenhagen = visible_text(client.get("/kommuner/101/").content.decode())
    bornholm = visible_text(client.get("/kommuner/400/").content.decode())
    frederiksberg = visible_text(client.get("/kommuner/147/").content.decode())
    assert "Københavns Kommune" in copenhagen
    assert "Bornholms Regionskommune" in bornholm
    assert "Frederiksberg Kommune" in frederiksberg
    assert Municipality.objects.exclude(official_name="").count() == 29


@pytest.mark.django_db
def test_source_notes_once_per_table_not_per_cell(demo, client) -> None:
    html = client.get(f"/klynger/syd/?dato={ON}").content.decode()
    table = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    copenhagen_row = next(row for row in table.split("<tr>") if "/kommuner/101/" in row)
    assert copenhagen_row.count("source-note") <= 1
    population = html.split("Befolkning efter alder og køn", 1)[1]
    assert population.count("Kilde:") >= 1
    assert "breakdowns" not in population and "totals" not in population


@pytest.mark.django_db
def test_organisation_has_no_brackets_inside_brackets(demo, client) -> None:
    text = visible_text(client.get("/organisation/").content.decode())
    assert not re.search(r"\([^()]*\(", text), "nested brackets"
    assert "Sundhedsklynge Byen – politisk niveau" in text


@pytest.mark.django_db
def test_dates_in_danish_and_english(demo, client) -> None:
    danish = visible_text(client.get(f"/klynger/syd/?dato={ON}").content.decode())
    assert "1. juni 2025" in danish
    client.post("/i18n/setlang/", {"language": "en", "next": "/"}, HTTP_ORIGIN="http://testserver")
    english = visible_text(client.get(f"/klynger/syd/?dato={ON}").content.decode())
    assert "1 June 2025" in english
    assert "June 1, 2025" not in english and "Jun. 1" not in english


# Danish UI words that must not show on the English side (data such as names and agreement
# texts stay Danish and are marked lang="da").
DANISH_CHROME = [
    "Forside", "Aftaler", "Kommuner", "Sundhedsklynger", "Søg", "Kilde", "usikker",
    "Indbyggere", "Tilgængelighed", "Spring til", "Befolkning efter alder og køn",
    "stigende", "faldende", "ukendt", "Diskretioneret", "Målet er nået", "På rette vej",
]


def _chrome_text(html: str) -> str:
    """Visible text outside elements marked lang="da" (Danish content on an English page)."""
    html = re.sub(r'<(\w+)[^>]*\slang="da"[^>]*>.*?</\1>', " ", html, flags=re.DOTALL)
    return visible_text(html)


@pytest.mark.django_db
def test_english_pages_show_no_danish_ui_chrome(demo, client) -> None:
    client.post("/i18n/setlang/", {"language": "en", "next": "/"}, HTTP_ORIGIN="http://testserver")
    problems = {}
    for url in public_urls():
        response = client.get(url)
        assert response.status_code == 200, url
        assert '<html lang="en"' in response.content.decode()
        text = _chrome_text(response.content.decode())
        found = [w for w in DANISH_CHROME if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text)]
        if found:
            problems[url] = found
    assert problems == {}


# --- the admin ------------------------------------------------------------------------------

@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("chef", "chef@example.invalid", "x-9-long")


def _admin_pages(obj, model_path: str) -> list[str]:
    history = obj.history.order_by("history_id").first()
    return [f"/admin/{model_path}/{obj.pk}/history/",
            f"/admin/{model_path}/{obj.pk}/history/{history.history_id}/"]


@pytest.mark.django_db
def test_admin_history_and_revert_pages_are_danish(demo, client, superuser) -> None:
    client.force_login(superuser)
    principle = Principle.objects.first()
    municipality = Municipality.objects.get(code="101")
    problems = {}
    for url in (_admin_pages(principle, "agreements/principle")
                + _admin_pages(municipality, "geography/municipality")):
        response = client.get(url)
        assert response.status_code == 200, url
        text = visible_text(response.content.decode())
        found = english_words_in(text) + slips_in(text)
        if found:
            problems[url] = found
    assert problems == {}


@pytest.mark.django_db
def test_history_shows_whole_changed_values_and_no_none(demo, client, superuser) -> None:
    from sundhedsaftale.agreements.models import Vision
    from sundhedsaftale.agreements.services import goal_update

    goal = Goal.objects.filter(focus_area__isnull=False).first()
    vision = Vision.objects.filter(agreement=goal.agreement).first()
    long_summary = ("Borgere, der udskrives, skal have en aftalt plan for genoptræning, medicin "
                    "og opfølgning, og den praktiserende læge skal kende planen, før borgeren "
                    "kommer hjem – også i weekender og på helligdage (slutningen af teksten).")
    goal_update(goal=goal, by=superuser, summary=long_summary, focus_area=None, vision=vision)
    client.force_login(superuser)
    html = client.get(f"/admin/agreements/goal/{goal.pk}/history/").content.decode()
    text = visible_text(html)
    assert "(slutningen af teksten)." in text  # the whole new value, not shortened
    assert "Borgere, der udskrives" in text
    assert "None" not in text
    assert "–" in text  # the empty parent before/after, shown as a dash
    assert "Ændringer" in text and "Ændret af" in text


@pytest.mark.django_db
def test_admin_inlines_add_nouns_with_their_gender(demo, client, superuser) -> None:
    import html as html_lib

    client.force_login(superuser)
    agreement = Agreement.objects.filter(status="published").first()
    page = client.get(f"/admin/agreements/agreement/{agreement.pk}/change/").content.decode()
    buttons = [json.loads(html_lib.unescape(data))["options"]["addText"]
               for data in re.findall(r'data-inline-formset="([^"]+)"', page)]
    assert "Tilføj endnu et princip" in buttons
    assert "Tilføj endnu et fokusområde" in buttons
    assert "Tilføj endnu en vision" in buttons
    assert not slips_in(" ".join(buttons))


@pytest.mark.django_db
def test_goal_form_labels_parents_with_their_agreement_and_links_to_the_page(
        demo, client, superuser) -> None:
    client.force_login(superuser)
    goal = Goal.objects.filter(focus_area__isnull=False).select_related("agreement").first()
    page = client.get(f"/admin/agreements/goal/{goal.pk}/change/").content.decode()
    vision_select = page.split('name="vision"', 1)[1].split("</select>", 1)[0]
    options = re.findall(r"<option value=\"\d+\"[^>]*>([^<]+)</option>", vision_select)
    assert options, "the goal's agreement has visions"
    assert all(option.endswith(f"({goal.agreement.title})") for option in options)
    other_visions = goal.agreement.__class__.objects.exclude(pk=goal.agreement_id)
    for other in other_visions:
        assert f"({other.title})" not in vision_select
    assert "Vis på siden" in page
    assert 'href="/admin/r/' in page  # Django's view-on-site redirect to the page
    assert client.get(goal.get_absolute_url()).status_code == 200


@pytest.mark.django_db
def test_submission_package_names_the_parties_officially(demo) -> None:
    import datetime

    from sundhedsaftale.agreements.models import AgreementVersion
    from sundhedsaftale.agreements.package import package_metadata

    version = next(v for v in AgreementVersion.objects.all()
                   if "København" in v.snapshot.get("agreement", {}).get(
                       "party_municipalities", []))
    meta = package_metadata(version=version, compared_with=None,
                            submitted_on=datetime.date(2026, 1, 1))
    assert "Københavns Kommune" in meta["parties"]
    assert "København" not in meta["parties"] and "København Kommune" not in meta["parties"]


@pytest.mark.django_db
def test_data_migration_fills_official_names_and_the_danish_source(demo) -> None:
    import importlib

    from django.apps import apps

    from sundhedsaftale.core.guard import writes_unguarded
    from sundhedsaftale.geography.models import AreaPopulation

    migration = importlib.import_module(
        "sundhedsaftale.geography.migrations.0006_official_names_danish_population_source")
    Municipality.objects.filter(code__in=["101", "400", "147"]).update(official_name="")
    AreaPopulation.objects.filter(pk=AreaPopulation.objects.first().pk).update(
        source=migration.OLD_DEMO_SOURCE)
    with writes_unguarded():
        migration.fill(apps, None)
        migration.danish_source(apps, None)
    names = dict(Municipality.objects.filter(code__in=["101", "400", "147"]).values_list(
        "code", "official_name"))
    assert names == {"101": "Københavns Kommune", "400": "Bornholms Regionskommune",
                     "147": "Frederiksberg Kommune"}
    assert not AreaPopulation.objects.filter(source=migration.OLD_DEMO_SOURCE).exists()
