"""Demo entries of the responsibility catalogue (`sundhedsaftale demo`; idempotent; through the
services). Two pathways: the communication agreement on admissions and discharges, and the care
programme for COPD (KOL). Every entry is fictitious, written for the demo in our own words, and
marked as demo (is_demo, shown as "Demo" on the pages); none is the official text.
"""

from __future__ import annotations

from typing import Any

from sundhedsaftale.agreements.models import Annex
from sundhedsaftale.geography.models import HealthCluster

from .models import Responsibility
from .services import responsibility_create, responsibility_update

S = Responsibility.Sector
ADMISSION = "Indlæggelse og udskrivning"
COPD = "Forløbsprogram for KOL"
ADMISSION_ANNEX = "kommunikationsaftale-indlaeggelse-udskrivning"
COPD_ANNEX = "forlobsprogram-kol"
DEMO_LEGAL = "Demo: fiktiv henvisning til sundhedsloven; ikke en juridisk vurdering."

# (slug, task, pathway, phase, number, target group, sector, medical responsibility, economy,
#  annex slug, cluster code or "", description)
ENTRIES: list[tuple[str, str, str, str, int, str, str, str, str, str, str, str]] = [
    ("demo-besked-ved-indlaeggelse", "Give kommunen besked om indlæggelse", ADMISSION,
     "Ved indlæggelse", 1, "Borgere med kommunal hjælp i hjemmet", S.HOSPITAL,
     "Hospitalet", "Hospitalet afholder udgiften", ADMISSION_ANNEX, "",
     ("Fiktivt eksempel: Afdelingen sender en elektronisk besked til kommunen samme dag, som "
     "borgeren indlægges.")),
    ("demo-oplysninger-fra-hjemmeplejen", "Sende oplysninger om borgerens hjælp i hjemmet",
     ADMISSION, "Under indlæggelse", 2, "Borgere med kommunal hjælp i hjemmet", S.MUNICIPALITY,
     "Ikke relevant (pleje og praktisk hjælp)", "Kommunen afholder udgiften", ADMISSION_ANNEX,
     "", ("Fiktivt eksempel: Kommunen svarer med en kort status på borgerens hjælp, så "
     "afdelingen kender udgangspunktet.")),
    ("demo-varsel-om-udskrivning", "Varsle udskrivning i god tid", ADMISSION,
     "Før udskrivning", 3, "Borgere med kommunal hjælp i hjemmet", S.HOSPITAL,
     "Hospitalet indtil udskrivningen", "Hospitalet afholder udgiften", ADMISSION_ANNEX, "",
     ("Fiktivt eksempel: Afdelingen varsler den forventede udskrivning, så kommunen kan "
     "forberede hjemkomsten.")),
    ("demo-epikrise-til-egen-laege", "Sende udskrivningsbrev til egen læge", ADMISSION,
     "Ved udskrivning", 4, "Alle indlagte", S.HOSPITAL,
     "Overgår til egen læge ved udskrivningen", "Hospitalet afholder udgiften",
     ADMISSION_ANNEX, "",
     ("Fiktivt eksempel: Brevet beskriver behandlingen og den videre plan for medicin og "
     "kontroller.")),
    ("demo-opfoelgende-hjemmebesoeg", "Opfølgende hjemmebesøg efter udskrivning", ADMISSION,
     "Efter udskrivning", 5, "Ældre medicinske patienter", S.MUNICIPALITY,
     "Egen læge", "Kommunen afholder udgiften", ADMISSION_ANNEX, "syd",
     ("Fiktivt eksempel: En sygeplejerske fra kommunen besøger borgeren inden for få dage "
     "efter udskrivningen. Her kun aftalt i én klynge.")),
    ("demo-kol-diagnose", "Stille diagnosen og vurdere sværhedsgraden", COPD, "Opsporing", 1,
     "Borgere med KOL", S.GENERAL_PRACTICE, "Egen læge", "Praksisoverenskomsten (demo)",
     COPD_ANNEX, "",
     ("Fiktivt eksempel: Den praktiserende læge undersøger lungefunktionen og lægger en plan "
     "sammen med borgeren.")),
    ("demo-kol-rehabilitering", "Tilbyde rehabilitering med træning og undervisning", COPD,
     "Stabil fase", 2, "Borgere med KOL", S.MUNICIPALITY, "Egen læge",
     "Kommunen afholder udgiften", COPD_ANNEX, "",
     ("Fiktivt eksempel: Kommunen tilbyder et hold med træning og undervisning i at leve med "
     "sygdommen.")),
    ("demo-kol-forvaerring", "Behandle svær forværring", COPD, "Forværring", 3,
     "Borgere med KOL", S.HOSPITAL, "Hospitalet under indlæggelsen",
     "Hospitalet afholder udgiften", COPD_ANNEX, "",
     ("Fiktivt eksempel: Ved svær forværring behandles borgeren på hospitalet og følges derefter "
     "op af egen læge.")),
]


def load(*, stdout: Any = None) -> None:
    annexes = {a.slug: a for a in Annex.objects.filter(slug__in=[ADMISSION_ANNEX, COPD_ANNEX])}
    clusters = {c.code: c for c in HealthCluster.objects.all()}
    created = updated = 0
    for (slug, task, pathway, phase, number, group, sector, medical, economy, annex_slug,
         cluster_code, description) in ENTRIES:
        fields = {
            "task": task, "pathway": pathway, "phase": phase, "number": number,
            "target_group": group, "sector": sector, "medical_responsibility": medical,
            "economy": economy, "legal_basis": DEMO_LEGAL, "description": description,
            "annex": annexes.get(annex_slug), "cluster": clusters.get(cluster_code),
            "is_published": True, "is_demo": True,
        }
        existing = Responsibility.objects.filter(slug=slug).first()
        if existing is None:
            responsibility_create(by=None, slug=slug, **fields)
            created += 1
        else:
            responsibility_update(responsibility=existing, by=None, **fields)
            updated += 1
    if stdout is not None:
        stdout.write(f"responsibility catalogue: {created} demo entries created, "
                     f"{updated} checked")
