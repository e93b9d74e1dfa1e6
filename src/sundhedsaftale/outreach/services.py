"""Writes to contact points and citizen pages: each a service (one transaction) with an audit
event. Public pages that show them are cached; the cache generation is bumped after commit."""

from __future__ import annotations

from typing import Any

from sundhedsaftale.access.rules import require
from sundhedsaftale.core.audit import audit_record
from sundhedsaftale.core.services import content_save, content_update, service
from sundhedsaftale.portal.generation import cache_generation_bump_on_commit

from .models import CitizenPage, ContactPoint


@service
def contact_point_create(*, by: Any | None, **fields: Any) -> ContactPoint:
    """Create a secretariat's contact point (rule outreach.contact.edit)."""
    contact_point = ContactPoint(**fields)
    if by is not None:
        require(by, "outreach.contact.edit", contact_point)
    content_save(instance=contact_point, by=by)
    audit_record(actor=by, action="outreach.contact_point.create", obj=contact_point,
                 changes={"name": contact_point.name})
    cache_generation_bump_on_commit()
    return contact_point


@service
def contact_point_update(*, contact_point: ContactPoint, by: Any | None,
                         **fields: Any) -> ContactPoint:
    """Change a contact point's fields; an organisation's own secretariat may edit its own."""
    if by is not None:
        require(by, "outreach.contact.edit", contact_point)
    before = {name: getattr(contact_point, name) for name in fields}
    contact_point, changed = content_update(instance=contact_point, by=by, **fields)
    if changed:
        audit_record(actor=by, action="outreach.contact_point.update", obj=contact_point,
                     changes={name: {"before": before[name],
                                     "after": getattr(contact_point, name)}
                              for name in changed})
        cache_generation_bump_on_commit()
    return contact_point


@service
def citizen_page_save(*, focus_area: Any, by: Any | None, lead: str, body: str = "",
                      is_published: bool = False, is_demo: bool = False) -> CitizenPage:
    """Create or change the citizen page of a focus area (rule outreach.citizen_page.edit)."""
    page = CitizenPage.objects.filter(focus_area=focus_area).first()
    if by is not None:
        require(by, "outreach.citizen_page.edit", page)
    fields: dict[str, Any] = {"lead": lead, "body": body, "is_published": is_published, "is_demo": is_demo}
    if page is None:
        page = content_save(instance=CitizenPage(focus_area=focus_area, **fields), by=by)
        audit_record(actor=by, action="outreach.citizen_page.create", obj=page,
                     changes={"focus_area": str(focus_area), "is_published": is_published})
    else:
        before = {name: getattr(page, name) for name in fields}
        page, changed = content_update(instance=page, by=by, **fields)
        if not changed:
            return page
        audit_record(actor=by, action="outreach.citizen_page.update", obj=page,
                     changes={name: {"before": before[name], "after": getattr(page, name)}
                              for name in changed})
    cache_generation_bump_on_commit()
    return page
