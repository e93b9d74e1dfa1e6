"""The public agreement page (portal/jinja2/portal/agreement_detail.jinja) and its selector
`agreements.selectors.agreement_page`, which reads the page in two plain SQL queries."""

from __future__ import annotations

import pytest

from sundhedsaftale.agreements.models import Agreement
from sundhedsaftale.agreements.selectors import agreement_page, agreement_published
from sundhedsaftale.agreements.services import agreement_update
from sundhedsaftale.bodies.models import Body
from sundhedsaftale.bodies.services import body_update


@pytest.fixture
def site(demo: None, db: None, client: object) -> object:
    """The whole demo (published versions; conftest's `demo`), each test rolled back."""
    return client


def _tree(agreement: object) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for vision in agreement.visions.all():  # type: ignore[attr-defined]
        rows.append(("vision", vision.slug, vision.title, vision.summary))
        rows += [("goal", g.slug, str(g.number), g.title) for g in vision.goals.all()]
    rows += [("principle", p.title, p.summary) for p in agreement.principles.all()]  # type: ignore[attr-defined]
    for focus_area in agreement.focus_areas.all():  # type: ignore[attr-defined]
        rows.append(("focus_area", focus_area.slug, focus_area.title))
        rows += [("goal", g.slug, str(g.number), g.title) for g in focus_area.goals.all()]
    rows += [("followup", f.title, f.url) for f in agreement.followup_sources.all()]  # type: ignore[attr-defined]
    for link in agreement.annex_links.all():  # type: ignore[attr-defined]
        carried = link.carried_over_from
        rows.append(("annex", link.annex.slug, link.annex.title, link.annex.get_kind_display(),
                     carried.slug if carried else "", carried.title if carried else "",
                     str(carried.is_public) if carried else ""))
    return rows


@pytest.mark.parametrize("slug", ["2024-2027", "2015-2018"])
def test_agreement_page_reads_what_agreement_published_and_the_live_rows_say(
        site: object, slug: str) -> None:
    page = agreement_page(slug=slug)
    published = agreement_published(slug=slug)
    live = Agreement.objects.get(slug=slug)
    assert page.version.pk == published.version.pk
    assert (page.title, page.summary, page.period_start, page.period_end, page.is_demo) == (
        published.title, published.summary, published.period_start, published.period_end,
        published.is_demo)
    assert page.get_status_display() == published.get_status_display()
    assert (page.regime.name, page.regime.source_label, page.regime.is_uncertain) == (
        live.regime.name, live.regime.source_label, live.regime.is_uncertain)
    assert (page.version.ref, page.version.number, page.version.published_on,
            page.version.election_period_label, page.version.get_absolute_url()) == (
        published.version.ref, published.version.number, published.version.published_on,
        published.version.election_period_label, published.version.get_absolute_url())
    assert _tree(page) == _tree(published)
    assert [(b.slug, b.display_name) for b in page.bodies.all()] == [
        (b.slug, b.display_name) for b in live.bodies.all()]
    assert [(c.code, c.name) for c in page.clusters.all()] == [
        (c.code, c.name) for c in live.clusters.all()]


def test_agreement_page_shows_live_changes_to_bodies_and_carried_over_agreements_at_once(
        site: object) -> None:
    # The bodies, clusters and carried-over agreements are live rows, not part of the frozen
    # version: a change to them shows without a new version.
    live = Agreement.objects.get(slug="2024-2027")
    body = live.bodies.first()
    assert body is not None
    body_update(body=body, by=None, name="Et omdøbt organ", short_name="")
    page = agreement_page(slug="2024-2027")
    assert "Et omdøbt organ" in [b.display_name for b in page.bodies.all()]
    carried = {link.carried_over_from.slug for link in page.annex_links.all()
               if link.carried_over_from}
    assert carried == {"2015-2018"}
    earlier = Agreement.objects.get(slug="2015-2018")
    agreement_update(agreement=earlier, by=None, title="Den tidligere aftale, omdøbt")
    links = [link for link in agreement_page(slug="2024-2027").annex_links.all()
             if link.carried_over_from]
    assert links and {link.carried_over_from.title for link in links} == {
        "Den tidligere aftale, omdøbt"}
    assert all(link.carried_over_from.is_public for link in links)


def test_agreement_page_of_an_unknown_or_draft_agreement_raises(site: object) -> None:
    draft = Agreement.objects.exclude(status__in=Agreement.PUBLIC_STATUSES).first()
    assert draft is not None
    for slug in ("findes-ikke", draft.slug):
        with pytest.raises(Agreement.DoesNotExist):
            agreement_page(slug=slug)


def test_agreement_page_runs_at_most_three_queries(site: object,
                                           django_assert_max_num_queries: object) -> None:
    # The version with its agreement and legal regime; the bodies with the clusters and the
    # carried-over agreements; outside a test's transaction also the content generation
    # (portal.caching).
    with django_assert_max_num_queries(3):  # type: ignore[operator]
        response = site.get("/aftaler/2024-2027/")  # type: ignore[attr-defined]
    assert response.status_code == 200


def test_english_agreement_page_names_the_version_in_english(
        site: object, reader_user: object) -> None:
    site.post("/i18n/setlang/", {"language": "en", "next": "/"}, HTTP_ORIGIN="http://testserver")  # type: ignore[attr-defined]
    html = site.get("/aftaler/2024-2027/").content.decode()  # type: ignore[attr-defined]
    assert "in the election period 2022-2025, published 1 January 2024." in html
    site.force_login(reader_user)  # type: ignore[attr-defined]
    html = site.get("/aftaler/2024-2027/").content.decode()  # type: ignore[attr-defined]
    assert ">See version 2022-1</a>" in html


def test_the_agreement_page_has_its_annexes_and_parties_in_danish(site: object) -> None:
    html = site.get("/aftaler/2024-2027/").content.decode()  # type: ignore[attr-defined]
    assert "Version 1 i valgperioden 2022-2025, offentliggjort 1. januar 2024." in html
    assert "Region Hovedstaden og 29 kommuner" in html
    assert '<caption id="tabel-1">Bilag til Sundhedsaftale 2024-2027</caption>' in html
    assert Body.objects.filter(agreements__slug="2024-2027").exists()
    assert 'id="organisation"' in html and 'id="klynger"' in html
