"""Demo: the 2014 hearing of the political draft of Sundhedsaftale 2015-2018 (seed 002).

Real: the dates (letter 9 April 2014, deadline 30 June 2014), the response address, the next
steps and the party list (the 29 municipalities, four of the regional council's committees, the
patient involvement and practice planning committees, three patient organisations, three other
organisations and twelve professional organisations). Fictitious and marked so: the parties'
invitation addresses (.example), every response (is_demo), one of which carries a planted
fictitious CPR number that screening catches, and the memo's comments.

Runs after the agreements demo; idempotent (a second run changes nothing); writes through
services only.
"""

from __future__ import annotations

import datetime
from typing import Any

from sundhedsaftale.agreements.models import Agreement, AgreementVersion
from sundhedsaftale.bodies.models import Body
from sundhedsaftale.geography.models import Municipality, Region

from . import services
from .models import Hearing

SLUG = "sundhedsaftale-2015-2018-politisk-del"
SOURCE = "Praksisplanudvalget, mødesag 14. maj 2014, bilag 1 og 3 (høringsbrev og høringsparter)"

REGIONAL_COMMITTEES = [
    ("rh-kraeftudvalget-2014", "Kræftudvalget"),
    ("rh-psykiatriudvalget-2014", "Psykiatriudvalget"),
    ("rh-sundhedsudvalget-2014", "Sundhedsudvalget"),
    ("rh-udvalget-tvaersektorielt-samarbejde-2014", "Udvalget vedr. Tværsektorielt Samarbejde"),
]
PATIENT = ["Danske Patienter", "Psykiatriforeningernes Fællesråd", "Alzheimerforeningen"]
OTHER = ["Danske Handicaporganisationer", "Ældresagen",
         "Regionsældrerådet – Region Hovedstaden"]
PROFESSIONAL = [
    "Dansk Farmaceutforening", "Danske Fysioterapeuter", "Dansk Kiropraktorforening",
    "Dansk Psykolog Forening", "Dansk Sygeplejeråd",
    "Den Almindelige Danske Jordemoderforening", "Ergoterapeutforeningen",
    "Landsforeningen af Statsautoriserede Fodterapeuter",
    "Foreningen af Offentligt Ansatte Fag og Arbejde (FOA)", "Foreningen af Speciallæger",
    "Foreningen af Praktiserende Speciallæger",
    "Praktiserende Lægers Organisation – Region Hovedstaden",
]

PURPOSE = (
    "Sundhedskoordinationsudvalget sendte sit udkast til aftalens politiske del for "
    "2015–2018 i bred politisk høring. Udkastet bygger på fire visioner med to til tre "
    "politiske målsætninger til hver. Parterne blev bedt om bemærkninger til visionerne og "
    "målsætningerne.")
LETTER = (
    "Region Hovedstaden og kommunerne i regionen skal inden udgangen af januar 2015 have "
    "indgået en ny sundhedsaftale for 2015–2018, med en politisk og en administrativ del.\n\n"
    "Sundhedskoordinationsudvalget har på baggrund af den politiske dialog i regionen og "
    "kommunerne udarbejdet vedlagte udkast til den politiske del. Udkastet rummer få, klare "
    "politiske målsætninger under fire visioner og lægger vægt på de effekter, borgeren skal "
    "opleve.\n\n"
    "Udvalget ønsker, at aftalen bliver til i en bred dialog, og vedlægger et bilag med "
    "inspiration fra drøftelserne til brug for jeres politiske behandling.")
NEXT_STEPS = (
    "Høringssvarene drøftes på Sundhedskoordinationsudvalgets møde den 5. september 2014 "
    "sammen med et udkast til aftalens administrative del.\n\n"
    "Den administrative del sendes i høring fra medio september til medio oktober 2014.\n\n"
    "Udvalget forventer at godkende udkastet til Sundhedsaftale 2015–2018 den 25. november "
    "2014; derefter godkendes aftalen i regionsrådet og i kommunalbestyrelserne.")

# A planted, fictitious CPR number (a real date, an unissued-looking sequence), written in two
# parts so it does not appear whole in the source: screening must catch it.
_PLANTED = "0101" + "90" + "-" + "0000"

RESPONSES: list[dict[str, Any]] = [
    {"party": ("municipality", "Gentofte"), "goal": "faerre-forebyggelige-indlaeggelser",
     "on": datetime.date(2014, 6, 20),
     "text": "DEMO – fiktivt høringssvar. Kommunen støtter målsætningen om færre "
             "forebyggelige indlæggelser og foreslår, at målet følges med en fælles indikator "
             "for borgere over 65 år, så kommune og hospital ser de samme tal."},
    {"party": ("organisation", "Danske Patienter"), "goal": "aktiv-part-i-eget-forloeb",
     "on": datetime.date(2014, 6, 25),
     "text": "DEMO – fiktivt høringssvar. Vi bakker op om, at borgere og pårørende skal være "
             "aktive parter. Målsætningen bør sige, hvordan pårørende inddrages, når borgeren "
             "ikke selv kan."},
    {"party": ("organisation", "Psykiatriforeningernes Fællesråd"), "goal": "flere-gode-leveaar",
     "on": datetime.date(2014, 6, 27),
     "text": "DEMO – fiktivt høringssvar. Et medlem (cpr.nr. " + _PLANTED + ") har fortalt os, "
             "at den somatiske behandling blev udskudt på grund af den psykiske sygdom. "
             "Målsætningen om flere gode leveår bør derfor følges med en plan for somatisk "
             "opfølgning hos borgere med psykisk sygdom."},
    {"party": ("body", "praksisplanudvalget"), "goal": "",
     "on": datetime.date(2014, 6, 30),
     "text": "DEMO – fiktivt høringssvar. Udvalget finder udkastet klart og foreslår, at "
             "almen praksis' rolle nævnes under alle fire visioner."},
    {"party": ("organisation", "Dansk Sygeplejeråd"), "goal": "psykisk-og-somatisk-sygdom",
     "on": datetime.date(2014, 7, 3),
     "text": "DEMO – fiktivt høringssvar, modtaget efter fristen. Koordinationen ved samtidig "
             "psykisk og somatisk sygdom kræver, at de sundhedsfaglige medarbejdere kender "
             "hinandens tilbud; vi foreslår fælles kompetenceudvikling."},
]
MEMO_COMMENTS = {
    "": (("DEMO – fiktiv bemærkning. Sekretariatet foreslår at nævne almen praksis i "
         "indledningen."), "Indledningen suppleres med almen praksis' rolle."),
    "faerre-forebyggelige-indlaeggelser": (
        "DEMO – fiktiv bemærkning. Indikatoren findes i den nationale opfølgning.",
        "Ingen ændring i målsætningen; indikatoren nævnes i den administrative del."),
    "aktiv-part-i-eget-forloeb": (
        "DEMO – fiktiv bemærkning. Pårørendes rolle uddybes.",
        "Målsætningen suppleres med pårørende."),
    "flere-gode-leveaar": (
        "DEMO – fiktiv bemærkning. Somatisk opfølgning behandles i den administrative del.",
        "Ingen ændring."),
    "psykisk-og-somatisk-sygdom": (
        ("DEMO – fiktiv bemærkning. Forslaget om fælles kompetenceudvikling tages med i "
        "arbejdet med den administrative del."), "Ingen ændring."),
}


def _demo_email(name: str) -> str:
    from sundhedsaftale.core.text import danish_slugify

    return f"hoering@{danish_slugify(name)[:50]}.example"


def _version(stdout: Any) -> AgreementVersion | None:
    agreement = Agreement.objects.filter(slug="2015-2018").first()
    if agreement is None:
        stdout.write("hearings: agreement 2015-2018 is missing; demo hearing skipped")
        return None
    version = AgreementVersion.objects.filter(agreement=agreement, election_period_start=2014,
                                              number=1).first()
    if version is None:
        from sundhedsaftale.agreements.services import version_freeze

        version = version_freeze(agreement=agreement, by=None, election_period_start=2014,
                                 note="Høringsudkastet (frosset af høringsdemoen)")
    return version


def load(*, stdout: Any) -> None:
    if Hearing.objects.filter(slug=SLUG).exists():
        stdout.write("hearings: demo hearing unchanged")
        return
    version = _version(stdout)
    if version is None:
        return
    _load(version)
    stdout.write("hearings: demo hearing of the 2015-2018 political draft created")


@services.service
def _load(version: AgreementVersion) -> None:
    region = Region.objects.filter(code="1084").first()
    hearing = services.hearing_create(
        by=None, version=version, slug=SLUG,
        title="Høring over Sundhedsaftale 2015–2018, politisk del",
        start=datetime.date(2014, 4, 9), deadline=datetime.date(2014, 6, 30),
        purpose=PURPOSE, response_address="csusundhedsaftalen@regionh.dk",
        next_steps=NEXT_STEPS, is_public=False, letter_date=datetime.date(2014, 4, 9),
        letter_text=LETTER,
        letter_signature="På vegne af Sundhedskoordinationsudvalget\nFormand og næstformand",
        is_demo=True)
    municipalities = list(Municipality.objects.filter(region__code="1084").order_by("name"))
    bodies = [services.party_body_ensure(
        slug=slug, name=name, by=None, kind=Body.Kind.COMMITTEE, region=region,
        number=90 + i, valid_from=datetime.date(2014, 1, 1),
        valid_to=datetime.date(2017, 12, 31),
        description="Stående udvalg under regionsrådet i Region Hovedstaden; høringspart "
                    "i 2014.", source=SOURCE, certainty="U")
        for i, (slug, name) in enumerate(REGIONAL_COMMITTEES)]
    bodies += list(Body.objects.filter(slug__in=["piu", "praksisplanudvalget"]).order_by(
        "number"))
    organisations = services.outside_organisations_ensure(
        organisations=[(n, "patient") for n in PATIENT] + [(n, "other") for n in OTHER]
        + [(n, "professional") for n in PROFESSIONAL], by=None)
    emails = {("municipality", m.pk): _demo_email(f"{m.name} kommune") for m in municipalities}
    emails.update({("body", b.pk): _demo_email(b.name) for b in bodies})
    emails.update({("organisation", o.pk): _demo_email(o.name) for o in organisations})
    services.hearing_parties_set(hearing=hearing, by=None, municipalities=municipalities,
                                 bodies=bodies, organisations=organisations, emails=emails)
    # The invitations went out as letters in 2014: no e-mail from the demo.
    services.hearing_open(hearing=hearing, by=None, notify=False)

    parties = {}
    for party in hearing.parties.select_related("municipality", "body", "organisation"):
        if party.municipality_id:
            parties[("municipality", party.municipality.name)] = party
        elif party.body_id:
            parties[("body", party.body.slug)] = party
        else:
            parties[("organisation", party.organisation.name)] = party
    goals = {item["slug"]: item["key"] for item in version.items("goal")}
    secretariat = None  # the demo acts as the system (audit: "system")
    responses = []
    for spec in RESPONSES:
        responses.append(services.response_submit(
            hearing=hearing, channel="email", by=secretariat,
            party=parties[spec["party"]], text=spec["text"],
            anchor_key=goals.get(spec["goal"], ""), received_on=spec["on"], is_demo=True))
    services.party_decline(party=parties[("municipality", "Dragør")], by=None)
    for response in responses:
        for hit in response.hits.all():
            decision = "redacted" if hit.kind == "cpr" else "cleared"
            services.hit_decide(hit=hit, decision=decision, by=secretariat)
        services.response_publish(response=response, by=secretariat)
    services.hearing_close(hearing=hearing, by=None)
    memo = services.memo_generate(hearing=hearing, by=secretariat)
    services.memo_update(
        memo=memo, by=secretariat,
        introduction="DEMO – fiktivt notat. Notatet samler de modtagne høringssvar på udkastet "
                     "til den politiske del og sekretariatets bemærkninger, afsnit for afsnit.")
    keys = {key: slug for slug, key in goals.items()}
    for section in memo.sections.all():
        comment, change = MEMO_COMMENTS.get(keys.get(section.anchor_key, ""), ("", ""))
        services.memo_section_update(section=section, by=secretariat, comment=comment,
                                     change=change)
    # Laid before the committee's meeting of 5 September 2014 (the date is fictitious).
    services.memo_issue(memo=memo, by=secretariat, at=datetime.datetime(
        2014, 8, 29, 12, 0, tzinfo=datetime.UTC))
    services.hearing_conclude(hearing=hearing, by=None)
