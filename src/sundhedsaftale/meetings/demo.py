"""Demo meetings and cases (`sundhedsaftale demo`; idempotent; through services only).

1. The practice planning committee's meeting of 14 May 2014 (seed 002) with its five items in
   the case template, in our own words, with the seed's journal numbers (14002206, 14004009,
   14003596). The agenda is real; the decisions are illustrative (the seed's decision fields are
   empty), and the source line says so.
2. The hearing case 14004009 followed on to the coordination committee (then
   Sundhedskoordinationsudvalget, now SSU) on 5 September 2014 (hearing responses) and
   25 November 2014 (adoption): dates from the hearing letter in seed 002, content reconstructed
   and marked as demo. The case is linked to the 2015-2018 agreement's version 1 of election
   period 2014 when the versions demo made it, and to a `hearings.Hearing` on that version when
   that model exists (looked up defensively with apps.get_model: the hearings app is being
   built in parallel). The adoption decision points to the version as its process record.
3. Fictitious meetings of the health collaboration committee (SSU) and of cluster Syd's
   political level in 2025-2026, marked as fictitious, one of them with a closed item.
"""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.apps import apps
from django.db import transaction

from sundhedsaftale.bodies.models import Body

from . import services
from .models import AgendaItem, Case, Meeting

TZ = ZoneInfo("Europe/Copenhagen")
SEED = "Seed 002: dagsorden for Praksisplanudvalgets møde 14. maj 2014 (Region Hovedstaden)"
K = AgendaItem.Kind


def _at(y: int, m: int, d: int, hh: int = 16, mm: int = 0) -> datetime.datetime:
    return datetime.datetime(y, m, d, hh, mm, tzinfo=TZ)


CASES = {
    "14002206": ("Praksisplanudvalgets arbejde med praksisplan for almen praksis", False),
    "14004009": ("Høring over Sundhedsaftale 2015–2018, politisk del", False),
    "14003596": ("Etablering af Patientinddragelsesudvalget", False),
    "DEMO-2025-0101": ("Årlig status på sundhedsaftalens mål (fiktiv)", True),
    "DEMO-2026-0007": ("Klyngens handleplan for ældre medicinske patienter (fiktiv)", True),
}

HEARING_ITEM = {
    "title": "Høring over sundhedsaftalen – politisk del",
    "background": (
        "Regionen og de 29 kommuner skal have indgået en ny sundhedsaftale for 2015–2018 inden "
        "udgangen af januar 2015, og aftalen skal godkendes af Sundhedsstyrelsen. "
        "Sundhedskoordinationsudvalget har lavet et høringsudkast til aftalens politiske del, "
        "som er sendt i bred politisk høring med frist 30. juni 2014."),
    "recommendation": (
        "Administrationen indstiller, at Praksisplanudvalget drøfter høringsudkastet med henblik "
        "på at afgive høringssvar til Sundhedskoordinationsudvalget."),
    "case_description": (
        "Sundhedskoordinationsudvalget udarbejder udkastet; den endelige aftale godkendes af "
        "regionsrådet og alle 29 kommunalbestyrelser. Almen praksis er ikke selv part i aftalen, "
        "men bliver forpligtet af den; vilkårene beskrives i praksisplanen og en underliggende "
        "aftale. Praksisplanudvalget høres især om de dele, der berører almen praksis.\n\n"
        "Udkastet har fire visioner: høj kvalitet og sammenhæng for borgeren, borgeren som "
        "samarbejdspart i eget forløb, mere lighed i sundhed og nye samarbejdsformer. Hver vision "
        "har to til tre politiske mål. Aftalen skal dække de fire obligatoriske indsatsområder "
        "(forebyggelse; behandling og pleje; genoptræning og rehabilitering; sundheds-it og "
        "digitale arbejdsgange); krav, der ikke dækkes af den politiske del, dækkes i den "
        "administrative del."),
    "timeline": (
        "Eventuelle høringsbemærkninger indgår i det samlede høringsmateriale, som "
        "Sundhedskoordinationsudvalget behandler efter høringsfristen. Udvalget hører igen "
        "Praksisplanudvalget, når den administrative del foreligger."),
    "earlier_handling": (
        "Sundhedskoordinationsudvalget behandlede udkastet 5. april 2014 og sendte det i høring "
        "med brev af 9. april 2014."),
}

PPU_ITEMS: list[dict[str, Any]] = [
    {"kind": K.AGENDA_APPROVAL, "title": "Godkendelse af dagsorden", "journal": "14002206",
     "decision": "Dagsordenen blev godkendt."},
    {**HEARING_ITEM, "journal": "14004009",
     "annexes": ["Høringsbrev af 9. april 2014", "Høringsudkast, politisk aftale",
                 "Høringsparter", "Inspirationsmateriale",
                 ("Vejledning nr. 9005 af 20. december 2013 om sundhedskoordinationsudvalg og "
                  "sundhedsaftaler")],
     "decision": ("Udvalget drøftede høringsudkastet. Sekretariatet udarbejder et høringssvar "
                  "med vægt på snitfladen til almen praksis, som sendes til "
                  "Sundhedskoordinationsudvalget inden 30. juni 2014. (Illustrativ "
                  "beslutningstekst.)")},
    {"title": "Indledende drøftelse af temaer for det tværsektorielle samarbejde i praksisplanen",
     "journal": "14002206",
     "background": (
         "Sundhedsaftalen beskriver almen praksis' rolle i det tværsektorielle samarbejde, og "
         "praksisplanen skal sikre grundlaget for, at aftalen kan gennemføres i almen praksis. "
         "De opgaver, almen praksis forpligtes til, beskrives i praksisplanen og følges op af "
         "en underliggende aftale med de praktiserende læger."),
     "recommendation": ("Administrationen indstiller, at udvalget drøfter temaer til den "
                        "kommende praksisplan i relation til det tværsektorielle samarbejde."),
     "case_description": (
         "Drøftelsen skal give ønsker til den videre konkretisering af sundhedsaftalen og "
         "begynde dialogen om snitflader og arbejdsdeling. Den tager afsæt i fem temaer: "
         "samarbejde om medicin, forpligtende tværfagligt samarbejde, tilgængelighed, "
         "sundhedshuse og lægehuse samt lighed i sundhed."),
     "timeline": ("Resultatet danner ramme for senere, mere konkrete drøftelser i udvalget og "
                  "indgår i arbejdet med sundhedsaftalen."),
     "decision": "Udvalget drøftede de fem temaer. (Illustrativ beslutningstekst.)"},
    {"title": "Orientering om etablering af Patientinddragelsesudvalget", "journal": "14003596",
     "background": (
         "Efter bekendtgørelsen om patientinddragelsesudvalg, i kraft fra 19. marts 2014, skal "
         "regionen nedsætte og betjene et udvalg med otte medlemmer udpeget af Danske Patienter, "
         "Danske Handicaporganisationer, Regionsældrerådet og Ældre Sagen."),
     "recommendation": ("Administrationen indstiller, at Praksisplanudvalget tager "
                        "orienteringen til efterretning."),
     "case_description": (
         "De fleste organisationer havde udpeget deres medlemmer ved udgangen af april 2014; "
         "det konstituerende møde ventes i slutningen af maj eller begyndelsen af juni. Udvalget "
         "skal systematisk inddrages i emner under praksisplanen og sundhedsaftalen og som "
         "minimum høres om begge."),
     "timeline": ("Rammerne for udvalgets inddragelse i praksisplan og sundhedsaftale sættes på "
                  "dagsordenen for det konstituerende møde."),
     "decision": "Orienteringen blev taget til efterretning."},
    {"kind": K.ANY_OTHER_BUSINESS, "title": "Eventuelt", "decision": "Intet."},
]

SKU_2014 = [
    (_at(2014, 9, 5, 9), "Høringssvar til den politiske del af Sundhedsaftale 2015–2018",
     ("Høringsperioden sluttede 30. juni 2014. Svarene, herunder fra Praksisplanudvalget, "
      "er samlet af sekretariatet."),
     ("Administrationen indstiller, at udvalget drøfter høringssvarene og giver sekretariatet "
      "retning for den endelige aftaletekst."),
     ("Udvalget drøftede høringssvarene og bad sekretariatet indarbejde dem i aftaleteksten. "
      "(Rekonstrueret, illustrativ beslutningstekst.)")),
    (_at(2014, 11, 25, 9), "Godkendelse af Sundhedsaftale 2015–2018",
     "Udkastet er tilrettet efter høringen af den politiske og den administrative del.",
     ("Administrationen indstiller, at udvalget godkender Sundhedsaftale 2015–2018 og sender "
      "den til godkendelse i regionsrådet og de 29 kommunalbestyrelser."),
     ("Udvalget godkendte Sundhedsaftale 2015–2018 og sender den til regionsrådet og "
      "kommunalbestyrelserne. (Rekonstrueret, illustrativ beslutningstekst.)")),
]


def _version_2015() -> Any:
    from sundhedsaftale.agreements.models import AgreementVersion

    return (AgreementVersion.objects.filter(agreement__slug="2015-2018",
                                            election_period_start=2014, number=1)
            .select_related("agreement").first())


def _hearing_on(version: Any) -> Any:
    """The hearings app's Hearing on `version`, if that model exists and has such a row."""
    if version is None:
        return None
    try:
        model = apps.get_model("hearings", "Hearing")
    except LookupError:
        return None
    names = {f.name for f in model._meta.get_fields()}
    for name in ("version", "agreement_version"):
        if name in names:
            return model._default_manager.filter(**{name: version}).order_by("pk").first()
    return None


def _meeting(body: Body, starts_at: datetime.datetime, *, place: str, is_demo: bool,
             source: str = "", body_name_then: str = "", online_url: str = "",
             title: str = "") -> tuple[Meeting, bool]:
    existing = Meeting.objects.filter(body=body, starts_at=starts_at).first()
    if existing is not None:
        return existing, False
    return services.meeting_create(
        body=body, starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=2),
        place=place, online_url=online_url, is_demo=is_demo, source=source,
        body_name_then=body_name_then, title=title, by=None), True


def _items(meeting: Meeting, rows: list[dict[str, Any]], cases: dict[str, Case]) -> None:
    for row in rows:
        item = services.item_add(
            meeting=meeting, title=row["title"], kind=row.get("kind", K.CASE),
            is_closed=row.get("closed", False), background=row.get("background", ""),
            recommendation=row.get("recommendation", ""),
            case_description=row.get("case_description", ""), timeline=row.get("timeline", ""),
            earlier_handling=row.get("earlier_handling", ""),
            case=cases.get(row.get("journal", "")), by=None)
        for title in row.get("annexes", []):
            services.annex_add(item=item, title=title, by=None)


def _hold(meeting: Meeting, rows: list[dict[str, Any]], *, publish_minutes: bool,
          present: list | None = None, apologies: list | None = None,
          process: Any = None) -> None:
    """Publish the agenda, hold the meeting, record the decisions, approve/publish minutes."""
    services.meeting_transition(meeting=meeting, to="agenda_published", by=None)
    if present or apologies:
        services.attendance_set(meeting=meeting, present=present or [],
                                apologies=apologies or [], by=None)
    services.meeting_transition(meeting=meeting, to="held", by=None)
    for item, row in zip(meeting.items.order_by("number"), rows, strict=True):
        if row.get("decision"):
            services.decision_record(item=item, text=row["decision"], by=None,
                                     dissent=row.get("dissent", ""),
                                     process=process if row.get("process") else None)
    if publish_minutes:
        minutes = services.minutes_write(meeting=meeting, text="", by=None)
        services.minutes_transition(minutes=minutes, to="approved", by=None,
                                    on=meeting.starts_at.date() + datetime.timedelta(days=7))
        services.minutes_transition(minutes=minutes, to="published", by=None)


def _members(body: Body, on: datetime.date) -> list:
    return list(body.memberships.valid_on(on).order_by("person_name"))


@transaction.atomic
def load(*, stdout: Any) -> None:
    bodies = {b.slug: b for b in Body.objects.filter(
        slug__in=["praksisplanudvalget", "ssu", "klynge-syd-politisk"])}
    if len(bodies) < 3:
        stdout.write("meetings: bodies missing (run the organisation demo first); skipped")
        return
    created = 0
    cases = {number: services.case_ensure(journal_number=number, title=title, is_demo=demo,
                                          by=None)
             for number, (title, demo) in CASES.items()}
    version = _version_2015()

    # 1. Praksisplanudvalget, 14 May 2014 (seed 002).
    ppu = bodies["praksisplanudvalget"]
    meeting, new = _meeting(ppu, _at(2014, 5, 14), place="Regionsgården, Hillerød",
                            is_demo=False, source=SEED + "; beslutningerne er illustrative")
    if new:
        created += 1
        _items(meeting, PPU_ITEMS, cases)
        _hold(meeting, PPU_ITEMS, publish_minutes=True)

    # 2. The hearing case at the coordination committee, September and November 2014.
    ssu = bodies["ssu"]
    for starts_at, title, background, recommendation, decision in SKU_2014:
        meeting, new = _meeting(
            ssu, starts_at, place="Regionsgården, Hillerød", is_demo=True,
            body_name_then="Sundhedskoordinationsudvalget",
            source="Datoen fremgår af høringsbrevet i seed 002; dagsordenen er rekonstrueret "
                   "(demo)")
        if not new:
            continue
        created += 1
        rows: list[dict[str, Any]] = [{"kind": K.AGENDA_APPROVAL, "title": "Godkendelse af dagsorden",
                 "decision": "Dagsordenen blev godkendt."},
                {"title": title, "journal": "14004009", "background": background,
                 "recommendation": recommendation, "decision": decision,
                 "process": "Godkendelse" in title,
                 "timeline": ("Aftalen sendes til godkendelse i regionsrådet og "
                              "kommunalbestyrelserne og derefter til Sundhedsstyrelsen."
                              if "Godkendelse" in title else
                              "Den endelige aftale forelægges udvalget 25. november 2014.")}]
        _items(meeting, rows, cases)
        _hold(meeting, rows, publish_minutes=True, process=version)

    # Links of the hearing case to the version and the hearing (added when they exist).
    hearing_case = cases["14004009"]
    if version is not None:
        services.case_link(case=hearing_case, target=version, kind="version", by=None)
        adoption = (AgendaItem.objects.filter(case=hearing_case, meeting__body=ssu,
                                              decision__isnull=False)
                    .order_by("-meeting__starts_at").first())
        if adoption is not None and adoption.decision.process_id is None:
            services.decision_link_process(decision=adoption.decision, record=version, by=None)
    hearing = _hearing_on(version)
    if hearing is not None:
        services.case_link(case=hearing_case, target=hearing, kind="hearing", by=None)

    # 3. Fictitious meetings 2025-2026.
    fictitious = "Fiktivt demomøde"
    status_rows: list[dict[str, Any]] = [
        {"kind": K.AGENDA_APPROVAL, "title": "Godkendelse af dagsorden",
         "decision": "Dagsordenen blev godkendt."},
        {"title": "Årlig status på sundhedsaftalens mål", "journal": "DEMO-2025-0101",
         "background": "Udvalget følger én gang om året op på aftalens mål (fiktivt punkt).",
         "recommendation": "Administrationen indstiller, at udvalget tager status til "
                           "efterretning og beder klyngerne om handleplaner for mål i rødt.",
         "case_description": "Statusrapporten viser fremdrift på fire af seks mål (fiktive "
                             "tal).",
         "timeline": "Klyngerne fremlægger handleplaner i første halvår 2026.",
         "decision": "Indstillingen blev tiltrådt.", "dissent": ""},
        {"title": "Udpegning til arbejdsgruppe", "closed": True,
         "background": "FORTROLIGT-DEMO: personoplysninger om en fiktiv kandidat.",
         "recommendation": "FORTROLIGT-DEMO indstilling.",
         "case_description": "FORTROLIGT-DEMO sagsfremstilling.",
         "decision": "FORTROLIGT-DEMO beslutning."},
        {"kind": K.ANY_OTHER_BUSINESS, "title": "Eventuelt", "decision": "Intet."},
    ]
    meeting, new = _meeting(ssu, _at(2025, 12, 10, 14), place="Regionsgården, Hillerød",
                            is_demo=True, source=fictitious)
    if new:
        created += 1
        _items(meeting, status_rows, cases)
        on = meeting.starts_at.date()
        _hold(meeting, status_rows, publish_minutes=True, present=_members(ssu, on))

    meeting, new = _meeting(ssu, _at(2026, 12, 9, 14), place="", is_demo=True,
                            online_url="https://moede.example/ssu-2026-12", source=fictitious)
    if new:
        created += 1
        _items(meeting, [
            {"kind": K.AGENDA_APPROVAL, "title": "Godkendelse af dagsorden"},
            {"title": "Opfølgning på klyngernes handleplaner", "journal": "DEMO-2025-0101",
             "background": "Klyngerne har lavet handleplaner efter statussen i december 2025 "
                           "(fiktivt punkt).",
             "recommendation": "Administrationen indstiller, at udvalget drøfter "
                               "handleplanerne.",
             "case_description": "Fem handleplaner er modtaget (fiktivt).",
             "timeline": "Næste status i december 2027."},
            {"kind": K.ANY_OTHER_BUSINESS, "title": "Eventuelt"},
        ], cases)
        services.meeting_transition(meeting=meeting, to="agenda_published",
                                    by=None)
    meeting, new = _meeting(ssu, _at(2027, 3, 10, 14), place="Regionsgården, Hillerød",
                            is_demo=True, source=fictitious)
    created += new

    syd = bodies["klynge-syd-politisk"]
    cluster_rows: list[dict[str, Any]] = [
        {"kind": K.AGENDA_APPROVAL, "title": "Godkendelse af dagsorden",
         "decision": "Dagsordenen blev godkendt."},
        {"title": "Handleplan for ældre medicinske patienter", "journal": "DEMO-2026-0007",
         "background": "Klyngen skal bidrage til målet om færre forebyggelige indlæggelser "
                       "(fiktivt punkt).",
         "recommendation": "Administrationen indstiller, at klyngen godkender handleplanen.",
         "case_description": "Handleplanen har tre indsatser: opfølgende hjemmebesøg, fælles "
                             "medicingennemgang og akutteam (fiktivt).",
         "timeline": "Handleplanen sendes til SSU's møde i december 2026.",
         "decision": "Handleplanen blev godkendt.", "dissent": ""},
        {"kind": K.ANY_OTHER_BUSINESS, "title": "Eventuelt", "decision": "Intet."},
    ]
    meeting, new = _meeting(syd, _at(2026, 9, 24, 15), place="Hvidovre Rådhus", is_demo=True,
                            source=fictitious)
    if new:
        created += 1
        _items(meeting, cluster_rows, cases)
        members = _members(syd, meeting.starts_at.date())
        _hold(meeting, cluster_rows, publish_minutes=True, present=members[:-1],
              apologies=members[-1:])
    stdout.write(f"meetings: {created} created, {Meeting.objects.count()} in all; "
                 f"version link {'made' if version else 'skipped (no version 1 of 2015-2018)'}; "
                 f"hearing link {'made' if hearing else 'skipped'}")
