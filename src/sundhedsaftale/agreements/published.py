"""Render a frozen version like the live agreement: objects with the attributes the portal's
templates read (`agreement.visions.all`, `goal.initiatives.all`, ...), built from the snapshot.

The public portal renders these, never the live rows, so editing the working draft changes
nothing on public pages until a new version is published.
"""

from __future__ import annotations

import datetime
import functools
from typing import Any

from django.utils.translation import gettext_lazy as _

from .models import Agreement, AgreementVersion, Initiative


class Rel(list):
    """A list that answers `.all()` like a related manager."""

    def all(self) -> Rel:
        return self

    def exists(self) -> bool:
        return bool(self)


class Node:
    def __init__(self, item: dict[str, Any]) -> None:
        self.item = item
        self.key = item["key"]
        self.kind = item["kind"]
        self.pk = item["key"].split(":", 1)[1]
        self.number = item.get("number", 0)
        self.slug = item.get("slug", "")
        self.title = item.get("title", "")
        self.summary = item.get("summary", "")
        self.url = item.get("url", "")
        self.goals: Rel = Rel()
        self.initiatives: Rel = Rel()
        self.focus_area: Node | None = None
        self.vision: Node | None = None

    def __str__(self) -> str:
        return self.title

    @property
    def parent(self) -> Node | None:
        return self.focus_area or self.vision


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


class InitiativeNode(Node):
    def __init__(self, item: dict[str, Any]) -> None:
        super().__init__(item)
        self.status = item.get("status", "")
        self.start_date = _date(item.get("start_date"))
        self.end_date = _date(item.get("end_date"))
        self.is_demo = item.get("is_demo", False)
        owner = item.get("owner") or ""
        self.owner_body = (_Named(name=owner, slug=item["owner_body"])
                           if item.get("owner_body") else None)
        self.owner_cluster = (_Named(name=owner, code=item["owner_cluster"])
                              if item.get("owner_cluster") else None)

    def get_status_display(self) -> str:
        return str(dict(Initiative.Status.choices).get(self.status, self.status))


class _Named:
    def __init__(self, **kw: Any) -> None:
        self.__dict__.update(kw)

    def __str__(self) -> str:
        return str(getattr(self, "name", getattr(self, "title", "")))


@functools.cache
def _annex_kind_labels() -> dict[str, Any]:
    from .models import Annex

    return dict(Annex.Kind.choices)  # lazy labels: translated when shown


class _Annex(_Named):
    kind: str

    def get_kind_display(self) -> str:
        """The kind's label, as the live Annex row answers it (templates call it)."""
        return str(_annex_kind_labels().get(self.kind, self.kind))


class AnnexLink:
    def __init__(self, item: dict[str, Any], carried: Agreement | None) -> None:
        self.number = item.get("number", 0)
        self.annex = _Annex(title=item.get("title", ""), summary=item.get("summary", ""),
                            url=item.get("url", ""), slug=item.get("slug", ""),
                            kind=item.get("annex_kind", ""))
        self.carried_over_from = carried


def carried_over_slugs(version: AgreementVersion) -> set[str]:
    """The slugs of the agreements the version's annexes are carried over from."""
    return {i["carried_over_from"] for i in version.items("annex") if i.get("carried_over_from")}


class PublishedAgreement:
    """An agreement as one frozen version shows it."""

    def __init__(self, live: Agreement, version: AgreementVersion, *, draft: bool = False,
                 carried: dict[str, Agreement] | None = None, bodies: Rel | None = None,
                 clusters: Rel | None = None, with_initiatives: bool = True):
        """`carried` (the agreements annexes are carried over from, by slug), `bodies` and
        `clusters`: the live rows when the caller has read them already (else they are read
        here, or are the live agreement's managers). with_initiatives=False leaves the goals'
        initiatives out, for a page that does not show them."""
        snap = version.snapshot.get("agreement", {})
        self.live = live
        self.version = version
        self.pk = live.pk
        self.title = snap.get("title", live.title)
        self.slug = live.slug
        self.kind = snap.get("kind", live.kind)
        self.summary = snap.get("summary", "")
        self.period_start = _date(snap.get("period_start")) or live.period_start
        self.period_end = _date(snap.get("period_end")) or live.period_end
        self.regime = live.regime
        self.parties_text = snap.get("parties_text", "")
        self.party_region = (_Named(name=snap["party_region"])
                             if snap.get("party_region") else None)
        self.party_municipalities = Rel(_Named(name=n)
                                        for n in snap.get("party_municipalities", []))
        self.is_demo = snap.get("is_demo", live.is_demo)
        self.is_public = not draft
        self.bodies = live.bodies if bodies is None else bodies
        self.clusters = live.clusters if clusters is None else clusters
        self.visions: Rel = Rel()
        self.principles: Rel = Rel()
        self.focus_areas: Rel = Rel()
        self.followup_sources: Rel = Rel()
        self.annex_links: Rel = Rel()
        self.goals: Rel = Rel()
        nodes: dict[str, Node] = {}
        if carried is None:
            carried = {a.slug: a for a in Agreement.objects.filter(
                slug__in=carried_over_slugs(version))}
        for item in version.items():
            kind = item["kind"]
            if kind == "annex":
                carried_over = carried.get(item.get("carried_over_from") or "")
                self.annex_links.append(AnnexLink(item, carried_over))
                continue
            if kind == "initiative" and not with_initiatives:
                continue
            node = InitiativeNode(item) if kind == "initiative" else Node(item)
            nodes[node.key] = node
            parent = nodes.get(item.get("parent") or "")
            if kind == "vision":
                self.visions.append(node)
            elif kind == "principle":
                self.principles.append(node)
            elif kind == "focus_area":
                self.focus_areas.append(node)
            elif kind == "follow_up_source":
                self.followup_sources.append(node)
            elif kind == "goal" and parent is not None:
                parent.goals.append(node)
                if parent.kind == "vision":
                    node.vision = parent
                else:
                    node.focus_area = parent
                self.goals.append(node)
            elif kind == "initiative" and parent is not None:
                parent.initiatives.append(node)

    def __str__(self) -> str:
        return self.title

    def get_status_display(self) -> str:
        return str(_("offentliggjort, version %(ref)s") % {"ref": self.version.ref})

    def focus_area(self, slug: str) -> Node | None:
        return next((f for f in self.focus_areas if f.slug == slug), None)

    def goal(self, slug: str) -> Node | None:
        return next((g for g in self.goals if g.slug == slug), None)
