"""Building blocks, computed once per run and reused by every indicator and period.

Documented choices (domain.md §4 marks some of these uncertain):
- A hospital stay is a run of one person's physical attendances (ALCA00) that overlap or lie at
  most 4 hours apart (gap measured from the running maximum end time of the earlier contacts);
  exactly 4 h still links. Linking is one ordered window (running maximum of the earlier ends
  and the next start), so the contacts are sorted once. A stay is identified by (cpr,
  stay_id), stay_id being the start second of its first contact (unique per person).
- An admission is a stay of at least 12 hours (end minus start).
- Acute, psychiatric/somatic and the stay's action diagnosis come from the FIRST contact of the
  stay (earliest start; ties by end, then contact id). A stay mixing psychiatric and somatic
  contacts therefore counts as whatever its first contact was.
- Stay diagnoses: the first contact's action diagnosis plus every A/B diagnosis of every contact
  of the stay, excluding those later disproved (senere_afkraeftet).
- Residence (municipality, district), sex and birth date come from the latest population
  snapshot with ref_dato <= the date, else the earliest one; persons never in the population
  table are left out (no residence, no denominator). Looked up once per (person, date) a
  block needs, mostly by an equality join on the snapshot of 1 January of the date's year.
- Cluster at a date: the geography row valid at that date for the person's district, else for
  the municipality (a district row overrides its municipality).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis
import pandas as pd
from ibis.expr.types import BooleanValue, DateValue, IntegerValue, StringValue, Table

from .backends import Backend

LINK_GAP_SECONDS = 4 * 3600
ADMISSION_MIN_SECONDS = 12 * 3600
NO_PREVIOUS_END = -(2**62)
NO_NEXT_START = 2**62


@dataclass
class Blocks:
    contact_stay: Table  # contact_id, cpr, stay_id (not materialised)
    stays: Table  # cpr, stay_id, start/end, first contact's attributes (not materialised)
    #: stays >= 12 h with residence, age, sex and cluster at start, and the same at the end
    #: (sex_end, kom_end, district_end, cluster_end; end_placed false when none was found)
    admissions: Table
    admission_dx: Table  # cpr, stay_id, code, dx_type for admissions
    residence: Table  # cpr, at_date, birth_date, sex, kom, district (dates blocks need)
    population_cells: Table  # ref_date, kom, district, age, sex, disease flags, persons
    ready_contacts: Table  # contacts with a discharge-ready mark (earliest mark per contact)
    diseases: tuple[str, ...]
    data_start: dt.date | None  # first contact start date
    data_end: dt.date | None  # last contact start date: the end of the observed period
    #: Rehabilitation plans issued from a contact of an admission: cpr, stay_id, plan_kind,
    #: issued_date, first_session_date (plans from other contacts are not linked).
    rehab_plans: Table | None = None
    has_contact_reason: bool = False


def age_at(birth: DateValue, on: DateValue) -> IntegerValue:
    """Completed years of age on a date."""
    before_birthday = (on.month() * 100 + on.day()) < (birth.month() * 100 + birth.day())
    return (on.year() - birth.year() - before_birthday.cast("int64")).cast("int64")


def link_stays(contacts: Table) -> Table:
    """Physical contacts marked ``is_first`` / ``is_last`` of their stay, in ONE ordered window.

    Over a person's physical contacts ordered by (start, end, contact id): a contact opens a
    stay when it starts more than 4 h after the latest end so far (``prev_end``); it closes its
    stay when the next contact opens one (or there is none). ``run_end`` (latest end so far,
    itself included) is the stay's end on its closing contact. Only the lead and the running
    maximum are needed, so one sort serves both.
    """
    phys = contacts.filter(contacts.physical)
    order = [phys.start_s, phys.end_s, phys.contact_id]
    earlier = ibis.window(group_by=phys.cpr, order_by=order, rows=(None, -1))
    ordered = ibis.window(group_by=phys.cpr, order_by=order)
    # No earlier contact -> a very small "previous end"; no next contact -> a very large start.
    prev_end = phys.end_s.max().over(earlier).coalesce(ibis.literal(NO_PREVIOUS_END, "int64"))
    next_start = phys.start_s.lead().over(ordered).coalesce(ibis.literal(NO_NEXT_START, "int64"))
    marked = phys.mutate(prev_end=prev_end, next_start=next_start)
    run_end = ibis.greatest(marked.end_s, marked.prev_end)
    return marked.mutate(
        is_first=marked.start_s > marked.prev_end + LINK_GAP_SECONDS,
        is_last=marked.next_start > run_end + LINK_GAP_SECONDS,
    ).drop("prev_end", "next_start")


_STAY_ATTRIBUTES = ("acute", "psychiatric", "action_dx", "specialty", "contact_reason")


def _single_stays(marked: Table) -> Table:
    """Stays of exactly one contact (most stays): the contact is the stay."""
    single = marked.filter(marked.is_first & marked.is_last)
    return single.select("cpr", "start_s", "end_s", "start_date", "end_date",
                         *_STAY_ATTRIBUTES, stay_id=single.start_s,
                         n_contacts=ibis.literal(1, "int64"))


def _multi_stays(multi: Table) -> Table:
    """Stays of several contacts, from their contacts (with stay_id): first contact's attributes."""
    first = multi.is_first
    return multi.group_by(["cpr", "stay_id"]).aggregate(
        start_s=multi.start_s.min(), end_s=multi.end_s.max(),
        start_date=multi.start_date.min(), end_date=multi.end_date.max(),
        acute=ibis.ifelse(first & multi.acute, 1, 0).max() == 1,
        psychiatric=ibis.ifelse(first & multi.psychiatric, 1, 0).max() == 1,
        action_dx=multi.action_dx.max(where=first),
        specialty=multi.specialty.max(where=first),
        contact_reason=multi.contact_reason.max(where=first),
        n_contacts=multi.count(),
    )


def _with_stay_id(multi: Table) -> Table:
    """Contacts of multi-contact stays: stay_id = start second of the stay's first contact."""
    running = ibis.window(group_by=multi.cpr,
                          order_by=[multi.start_s, multi.end_s, multi.contact_id],
                          rows=(None, 0))
    opening = ibis.ifelse(multi.is_first, multi.start_s, ibis.null("int64"))
    return multi.mutate(stay_id=opening.max().over(running))


_STAY_COLUMNS = ("cpr", "stay_id", "start_s", "end_s", "start_date", "end_date", "n_contacts",
                 *_STAY_ATTRIBUTES)


def cluster_lookup(frame: Table, geography: Table, date_col: str, *, kom: str = "kom",
                   district: str = "district", out: str = "cluster") -> Table:
    """Add ``out`` (default `cluster`) to a table with a municipality, a district and a date
    column."""
    d = geography.filter(geography.level == "district").select(
        d_code="code", d_cluster="cluster", d_from="valid_from", d_to="valid_to")
    m = geography.filter(geography.level == "municipality").select(
        m_code="code", m_cluster="cluster", m_from="valid_from", m_to="valid_to")
    on_date = frame[date_col]
    j = frame.left_join(
        d, [frame[district] == d.d_code, on_date >= d.d_from, on_date <= d.d_to])
    on_date = j[date_col]
    j = j.left_join(m, [j[kom] == m.m_code, on_date >= m.m_from, on_date <= m.m_to])
    j = j.mutate(**{out: j.d_cluster.coalesce(j.m_cluster)})
    return j.drop("d_code", "d_cluster", "d_from", "d_to", "m_code", "m_cluster", "m_from",
                  "m_to")


def residence_lookup(needs: Table, population: Table, backend: Backend) -> Table:
    """Birth date, sex, municipality and district of each distinct (cpr, at_date) in ``needs``
    (materialised as blk_residence).

    The snapshot used is the latest with ref_date <= at_date, else the person's earliest.
    Snapshots are taken on 1 January (the contract refuses other dates), so the latest one is
    nearly always that of at_date's own year: one equality join finds it. Only the few pairs
    without a snapshot that year (born during it, away, before the first snapshot) are
    resolved among all of the person's snapshots. Persons never in the population table get
    no row.
    """
    pop = population.select(r_cpr="cpr", r_ref="ref_date", birth_date="birth_date", sex="sex",
                            kom="kom", district="district")
    cols = ["cpr", "at_date", "birth_date", "sex", "kom", "district"]
    year_start = ibis.date(needs.at_date.year(), 1, 1)
    # Materialised so that the engine knows how few pairs are left for the second join.
    j = backend.materialise(
        needs.left_join(pop, [needs.cpr == pop.r_cpr, year_start == pop.r_ref]).select(
            *cols, found=pop.r_ref.notnull()), "blk_residence_year")
    exact = j.filter(j.found).select(*cols)
    missing = j.filter(~j.found).select("cpr", "at_date")
    cand = missing.join(pop, missing.cpr == pop.r_cpr)
    # The latest snapshot on or before the date scores highest; without one, the earliest.
    days = cand.r_ref.epoch_days().cast("int64")
    cand = cand.mutate(score=ibis.ifelse(cand.r_ref <= cand.at_date, days,
                                         -days - 10_000_000))
    best = cand.group_by(["cpr", "at_date"]).aggregate(top=cand.score.max()).rename(
        b_cpr="cpr", b_at="at_date")
    chosen = cand.join(best, [cand.cpr == best.b_cpr, cand.at_date == best.b_at,
                              cand.score == best.top]).select(*cols)
    return backend.materialise(exact.union(chosen, distinct=False), "blk_residence")


def with_residence(frame: Table, residence: Table, date_col: str) -> Table:
    """Inner-join the residence looked up for frame[date_col] (see residence_lookup): adds
    birth_date, sex, kom, district."""
    r = residence.select(r_cpr="cpr", r_at="at_date", birth_date="birth_date", sex="sex",
                         kom="kom", district="district")
    j = frame.join(r, [frame.cpr == r.r_cpr, frame[date_col] == r.r_at])
    return j.drop("r_cpr", "r_at")


def with_disease_flags(frame: Table, chronic: Table, diseases: tuple[str, ...],
                       date_col: str) -> Table:
    """Add has_<disease>: the person was registered with the disease on or before date_col
    (one join for all the diseases)."""
    if not diseases:
        return frame
    reg = chronic.filter(chronic.disease.isin(diseases))
    first = reg.group_by("cpr").aggregate(**{
        f"c_{d}": reg.from_date.min(where=reg.disease == d) for d in diseases}).rename(
        c_cpr="cpr")
    frame = frame.left_join(first, frame.cpr == first.c_cpr)
    flags: dict[str, BooleanValue] = {
        f"has_{d}": (frame[f"c_{d}"].notnull() & (frame[f"c_{d}"] <= frame[date_col])
                     ).fill_null(False) for d in diseases}
    return frame.mutate(**flags).drop("c_cpr", *(f"c_{d}" for d in diseases))


def prefix_match(code: StringValue, prefixes: tuple[str, ...]) -> BooleanValue:
    """True when the code starts with any prefix (one IN-list per prefix length)."""
    by_length: dict[int, list[str]] = {}
    for p in prefixes:
        by_length.setdefault(len(p), []).append(p)
    cond: BooleanValue | None = None
    for length, group in sorted(by_length.items()):
        part = code.substr(0, length).isin(sorted(group))
        cond = part if cond is None else (cond | part)
    assert cond is not None
    return cond


def _code_match(code: StringValue, prefixes: tuple[str, ...]) -> BooleanValue:
    return prefix_match(code, prefixes) if prefixes else ibis.literal(False)


def build_blocks(backend: Backend, *, diseases: tuple[str, ...] = (),
                 dx_prefixes: tuple[str, ...] | None = None,
                 contact_reason: bool = False) -> Blocks:
    """Every building block. ``dx_prefixes``: the code prefixes any indicator matches against
    all of a stay's diagnoses; admission_dx keeps only those codes (None: every code)."""
    contacts = backend.table("contacts")
    diagnoses = backend.table("diagnoses")
    population = backend.table("population")
    chronic = backend.table("chronic")
    geography = backend.table("geography")

    # One sort of the physical contacts marks where stays open and close. Kept: contacts of
    # stays with several contacts (a minority) and one-contact stays long enough to be
    # admissions; the many short one-contact stays are never written anywhere.
    marked = link_stays(contacts).select(
        "contact_id", "cpr", "start_s", "end_s", "start_date", "end_date", *_STAY_ATTRIBUTES,
        "is_first", "is_last")
    # The sort carries only the columns linking reads; the kept contacts (a sixth) get their
    # other columns by a join on the contact id (unique, by the contract). Sorting every
    # physical contact with all its columns cost more than the second scan.
    keys = link_stays(contacts.select("contact_id", "cpr", "start_s", "end_s", "physical"))
    key_single = keys.is_first & keys.is_last
    kept_keys = keys.filter(
        ~key_single | ((keys.end_s - keys.start_s) >= ADMISSION_MIN_SECONDS)).select(
        k_contact="contact_id", is_first="is_first", is_last="is_last")
    physical = contacts.filter(contacts.physical)
    kept = physical.join(kept_keys, physical.contact_id == kept_keys.k_contact).select(
        "contact_id", "cpr", "start_s", "end_s", "start_date", "end_date", *_STAY_ATTRIBUTES,
        "is_first", "is_last")
    linked = backend.materialise(kept.mutate(single=kept.is_first & kept.is_last),
                                 "blk_linked")
    single = marked.is_first & marked.is_last
    multi = backend.materialise(
        _with_stay_id(linked.filter(~linked.single)).drop("single", "is_last"), "blk_multi")
    multi_stays = _multi_stays(multi)
    long_single = _single_stays(linked.filter(linked.single)).select(*_STAY_COLUMNS)
    # Every stay (short ones too), as an expression: what the blocks are made of, for tests.
    stays = _single_stays(marked).select(*_STAY_COLUMNS).union(
        multi_stays.select(*_STAY_COLUMNS), distinct=False)
    contact_stay = marked.filter(single).select("contact_id", "cpr", stay_id=marked.start_s
                                                 ).union(multi.select("contact_id", "cpr",
                                                                      "stay_id"),
                                                         distinct=False)

    adm_stays = backend.materialise(long_single.union(
        multi_stays.filter((multi_stays.end_s - multi_stays.start_s) >= ADMISSION_MIN_SECONDS
                           ).select(*_STAY_COLUMNS), distinct=False), "blk_admission_stays")

    # Discharge-ready days run to the end of the STAY: after a transfer to another ward of
    # the same stay the patient is still in hospital. end_date is the stay's end date (the
    # contact's own when it is not part of a multi-contact stay).
    marks = backend.table("ready_marks")
    first_mark = marks.group_by("contact_id").aggregate(ready_date=marks.ready_date.min())
    stay_end = multi.group_by(["cpr", "stay_id"]).aggregate(s_end=multi.end_date.max())
    stay_of = multi.select(m_contact="contact_id", m_cpr="cpr", m_stay="stay_id")
    stay_end = stay_of.join(stay_end, [stay_of.m_cpr == stay_end.cpr,
                                       stay_of.m_stay == stay_end.stay_id]).select(
        "m_contact", "s_end")
    ready = contacts.select("contact_id", "cpr", "start_date", "psychiatric",
                            contact_end_date="end_date").join(first_mark, "contact_id")
    ready = ready.left_join(stay_end, ready.contact_id == stay_end.m_contact)
    ready = ready.mutate(end_date=ready.s_end.coalesce(ready.contact_end_date)).drop(
        "m_contact", "s_end")
    ready_contacts = backend.materialise(ready, "blk_ready_contacts")

    # Residence is looked up once for every (person, date) a block needs: admissions at their
    # start and end, contacts with a discharge-ready mark at their start and stay end.
    needs = adm_stays.select("cpr", at_date="start_date").union(
        adm_stays.select("cpr", at_date="end_date"),
        ready_contacts.select("cpr", at_date="start_date"),
        ready_contacts.select("cpr", at_date="end_date"), distinct=True)
    residence = residence_lookup(needs, population, backend)

    adm = with_residence(adm_stays, residence, "start_date")
    adm = cluster_lookup(adm, geography, "start_date")
    # Where the stay ENDS, for indicators dated by discharge (see compiler.place): looked up
    # here once, not by a join of each such indicator with the residence block.
    r = residence.select(e_cpr="cpr", e_at="at_date", sex_end="sex", kom_end="kom",
                         district_end="district")
    adm = adm.left_join(r, [adm.cpr == r.e_cpr, adm.end_date == r.e_at])
    adm = adm.mutate(end_placed=adm.e_cpr.notnull()).drop("e_cpr", "e_at")
    adm = cluster_lookup(adm, geography, "end_date", kom="kom_end", district="district_end",
                         out="cluster_end")
    adm = adm.mutate(age_start=age_at(adm.birth_date, adm.start_date),
                     age_end=age_at(adm.birth_date, adm.end_date))
    adm = with_disease_flags(adm, chronic, diseases, "start_date")
    admissions = backend.materialise(adm, "blk_admissions")

    # Diagnoses of admission contacts only (admissions are a small part of all stays); the
    # first contact's action diagnosis is added as an A diagnosis. Duplicates are harmless:
    # code-list matches are made distinct per stay.
    keys = admissions.filter(admissions.n_contacts > 1).select(a_cpr="cpr", a_stay="stay_id")
    adm_contacts = multi.semi_join(keys, [multi.cpr == keys.a_cpr,
                                          multi.stay_id == keys.a_stay]).select(
        "contact_id", "cpr", "stay_id").union(
        linked.filter(linked.single).select("contact_id", "cpr", stay_id=linked.start_s),
        distinct=False)
    if dx_prefixes is not None:
        # Only codes some indicator looks for. The codes are few and distinct values cheap to
        # list, so the filter is an IN-list of whole codes, which the scan applies once per
        # distinct value: most diagnosis rows never reach the join.
        codes = (backend.execute(diagnoses.select("code").distinct())["code"].dropna()
                 if dx_prefixes else [])
        wanted = sorted(c for c in codes if str(c).startswith(dx_prefixes))
        diagnoses = diagnoses.filter(diagnoses.code.isin(wanted) if wanted
                                     else ibis.literal(False))
    dx = diagnoses.join(adm_contacts, "contact_id").select("cpr", "stay_id", "code", "dx_type")
    action = admissions.select("cpr", "stay_id", code="action_dx", dx_type=ibis.literal("A"))
    if dx_prefixes is not None:
        action = action.filter(_code_match(action.code, dx_prefixes))
    dx = dx.union(action, distinct=False)
    admission_dx = backend.materialise(dx, "blk_admission_dx")

    # Rehabilitation plans issued from a contact of an admission (the discharge they follow).
    plans = backend.table("rehab_plans")
    ac = adm_contacts.select(a_contact="contact_id", a_cpr="cpr", a_stay="stay_id")
    linked_plans = plans.join(ac, plans.contact_id == ac.a_contact).select(
        cpr=ac.a_cpr, stay_id=ac.a_stay, plan_kind=plans.plan_kind,
        issued_date=plans.issued_date, first_session_date=plans.first_session_date)
    rehab_plans = backend.materialise(linked_plans, "blk_rehab_plans")

    # Population cells: every 1 January snapshot, by residence, cluster, age, sex and disease
    # registration at that date; small, and the only population scan of the run.
    # Clusters are attached later, per period, from the dated mapping (see compiler.py).
    pop = population.mutate(age=age_at(population.birth_date, population.ref_date))
    pop = with_disease_flags(pop, chronic, diseases, "ref_date")
    dims = ["ref_date", "kom", "district", "age", "sex",
            *(f"has_{d}" for d in diseases)]
    cells = pop.group_by(dims).aggregate(persons=pop.count())
    population_cells = backend.materialise(cells, "blk_population_cells")

    span = backend.execute(contacts.aggregate(data_start=contacts.start_date.min(),
                                              data_end=contacts.start_date.max()))
    return Blocks(contact_stay, stays, admissions,
                  admission_dx, residence, population_cells, ready_contacts, diseases,
                  _as_date(span["data_start"].iloc[0]), _as_date(span["data_end"].iloc[0]),
                  rehab_plans=rehab_plans, has_contact_reason=contact_reason)


def _as_date(value: object) -> dt.date | None:
    if value is None or str(value) in ("NaT", "nan", "None"):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return pd.Timestamp(str(value)).date()
