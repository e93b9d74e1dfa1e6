"""What may be deleted: a draft agreement and its parts, never published material.

An agreement that has left the draft stage (in hearing, approved, published, archived), or that
has a published version, is public record: it and its parts can only be withdrawn (archived),
never deleted. A refusal is a sentence in Danish for staff, never an error page.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from .models import Agreement, AgreementVersion, Annex, Initiative


def agreement_of(instance: Any) -> Agreement | None:
    """The agreement an object belongs to (itself for an agreement), or None."""
    if isinstance(instance, Agreement):
        return instance
    if isinstance(instance, Initiative):
        return instance.goal.agreement if instance.goal_id else None
    if isinstance(instance, AgreementVersion):
        return instance.agreement
    agreement = getattr(instance, "agreement", None)
    return agreement if isinstance(agreement, Agreement) else None


def _is_published(agreement: Agreement) -> bool:
    return agreement.status != Agreement.Status.DRAFT or agreement.versions.filter(
        stage=AgreementVersion.Stage.PUBLISHED).exists()


def deletion_refusal(instance: Any) -> str | None:
    """Why `instance` may not be deleted (Danish), or None when it may."""
    if isinstance(instance, AgreementVersion) and (
            instance.stage == AgreementVersion.Stage.PUBLISHED):
        return _("Version %(version)s er offentliggjort og kan ikke slettes.") % {
            "version": instance}
    if isinstance(instance, Annex):
        carriers = [link.agreement for link in instance.agreement_links.select_related(
            "agreement") if _is_published(link.agreement)]
        if carriers:
            return _("Bilaget »%(annex)s« hører til den offentliggjorte aftale »%(agreement)s« "
                     "og kan ikke slettes. Offentliggjort materiale kan kun trækkes tilbage.") % {
                "annex": instance, "agreement": carriers[0]}
        return None
    agreement = agreement_of(instance)
    if agreement is None or not _is_published(agreement):
        return None
    if isinstance(instance, Agreement):
        return _("Aftalen »%(agreement)s« er ikke længere et udkast (status: %(status)s) og kan "
                 "ikke slettes. Offentliggjort materiale kan kun trækkes tilbage: sæt status "
                 "til arkiveret.") % {"agreement": agreement,
                                      "status": agreement.get_status_display()}
    return _("»%(object)s« hører til aftalen »%(agreement)s«, som ikke længere er et udkast, og "
             "kan ikke slettes. Offentliggjort materiale kan kun trækkes tilbage.") % {
        "object": instance, "agreement": agreement}
