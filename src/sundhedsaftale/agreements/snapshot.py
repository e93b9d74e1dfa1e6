"""Build the frozen snapshot of an agreement (schema 1, see AgreementVersion)."""

from __future__ import annotations

from typing import Any

from .models import Agreement

SCHEMA = 1


def _part(kind: str, obj: Any, parent: str | None, **extra: Any) -> dict[str, Any]:
    item = {
        "key": f"{kind}:{obj.pk}",
        "kind": kind,
        "parent": parent,
        "number": getattr(obj, "number", 0),
        "slug": getattr(obj, "slug", "") or "",
        "title": obj.title,
        "summary": getattr(obj, "summary", "") or "",
    }
    item.update(extra)
    return item


def agreement_snapshot(agreement: Agreement) -> dict[str, Any]:
    """The whole live tree of `agreement` as a JSON-able document, in reading order."""
    items: list[dict[str, Any]] = []
    for vision in agreement.visions.all():
        items.append(_part("vision", vision, None))
        for goal in vision.goals.all():
            items.append(_part("goal", goal, f"vision:{vision.pk}"))
            items.extend(_initiatives(goal))
    for principle in agreement.principles.all():
        items.append(_part("principle", principle, None))
    for focus_area in agreement.focus_areas.all():
        items.append(_part("focus_area", focus_area, None))
        for goal in focus_area.goals.all():
            items.append(_part("goal", goal, f"focus_area:{focus_area.pk}"))
            items.extend(_initiatives(goal))
    for link in agreement.annex_links.select_related("annex", "carried_over_from"):
        annex = link.annex
        items.append(_part(
            "annex", annex, None, number=link.number, annex_kind=annex.kind, url=annex.url,
            carried_over_from=link.carried_over_from.slug if link.carried_over_from else None))
    for source in agreement.followup_sources.all():
        items.append(_part("follow_up_source", source, None, url=source.url))
    return {
        "schema": SCHEMA,
        "agreement": {
            "title": agreement.title,
            "slug": agreement.slug,
            "kind": agreement.kind,
            "period_start": agreement.period_start.isoformat(),
            "period_end": agreement.period_end.isoformat(),
            "summary": agreement.summary,
            "regime": agreement.regime.code,
            "party_region": str(agreement.party_region) if agreement.party_region else None,
            "party_municipalities": [str(m) for m in agreement.party_municipalities.all()],
            "parties_text": agreement.parties_text,
            "is_demo": agreement.is_demo,
        },
        "items": items,
    }


def _initiatives(goal: Any) -> list[dict[str, Any]]:
    return [
        _part("initiative", i, f"goal:{goal.pk}", status=i.status,
              start_date=i.start_date.isoformat() if i.start_date else None,
              end_date=i.end_date.isoformat() if i.end_date else None,
              owner=str(i.owner) if i.owner else None,
              owner_body=i.owner_body.slug if i.owner_body else None,
              owner_cluster=i.owner_cluster.code if i.owner_cluster else None,
              is_demo=i.is_demo)
        for i in goal.initiatives.select_related("owner_body", "owner_cluster")
    ]
