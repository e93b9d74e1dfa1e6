"""Demo documents for every annex (`sundhedsaftale demo`; idempotent; through the service).

Each annex without a document gets a small PDF made with WeasyPrint: the annex's title and kind
and a few sentences of our own, fictitious text, marked "DEMO" on every page. Nothing is copied
from the official annexes. The documents go through annex_document_upload like any upload (the
type check, and the virus scan when a scanner is configured).
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from .annex_documents import annex_document_upload
from .models import Annex

# Our own fictitious text per kind of annex (Danish, as the documents would be).
BODY: dict[str, list[str]] = {
    "communication_agreement": [
        "Dette demodokument viser, hvordan en kommunikationsaftale kan se ud på portalen.",
        ("Eksempel: Hospitalet sender en besked til kommunen, når en borger med "
        "hjemmepleje bliver indlagt, og igen før udskrivningen, så kommunen kan nå at "
        "forberede hjemkomsten."),
        "Eksempel: Kommunen svarer med oplysninger om borgerens hjælp i hjemmet.",
    ],
    "cooperation_agreement": [
        "Dette demodokument viser, hvordan en samarbejdsaftale kan se ud på portalen.",
        ("Eksempel: Parterne aftaler faste kontaktpersoner og et fælles møde, når en borger "
        "har brug for hjælp fra flere sektorer på samme tid."),
    ],
    "care_programme": [
        "Dette demodokument viser, hvordan et forløbsprogram kan se ud på portalen.",
        ("Eksempel: Den praktiserende læge stiller diagnosen og følger borgeren; kommunen "
        "tilbyder træning og undervisning; hospitalet tager sig af de komplicerede forløb."),
        "Eksempel: En fælles plan beskriver, hvem borgeren skal kontakte ved forværring.",
    ],
    "guidance": [
        "Dette demodokument viser, hvordan en vejledning kan se ud på portalen.",
    ],
}


def annex_demo_pdf(annex: Annex) -> bytes:
    from weasyprint import HTML

    with translation.override("da"):
        html = render_to_string("agreements/annex_demo_document.html", {
            "annex": annex, "paragraphs": BODY.get(annex.kind, BODY["guidance"])})
    return HTML(string=html).write_pdf()


def load(*, stdout: Any = None) -> None:
    made = 0
    for annex in Annex.objects.all():
        if annex.documents.exists():  # type: ignore[attr-defined]
            continue
        annex_document_upload(annex=annex, name=f"{annex.slug}-demo.pdf",
                              data=annex_demo_pdf(annex), by=None, is_demo=True)
        made += 1
    if stdout is not None:
        stdout.write(f"annex documents: {made} demo PDFs made, "
                     f"{Annex.objects.count() - made} annexes had one")
