"""The submission package: the version as PDF (WeasyPrint, from the version page's template
with a print stylesheet), the required metadata, the annexes sent along, the coverage matrix
and the change list against the last submitted version."""

from __future__ import annotations

import datetime
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from .changes import change_list
from .models import AgreementVersion
from .published import PublishedAgreement


def package_metadata(*, version: AgreementVersion, compared_with: AgreementVersion | None,
                     submitted_on: datetime.date) -> dict[str, Any]:
    from sundhedsaftale.regimes.selectors import coverage_matrix, submission_deadline

    snap = version.snapshot.get("agreement", {})
    agreement = version.agreement
    # The snapshot names municipalities briefly ("København"); the package names the parties
    # officially ("Københavns Kommune").
    from sundhedsaftale.geography.models import Municipality

    names = list(snap.get("party_municipalities", []))
    official = {m.name: m.full_name for m in Municipality.objects.filter(name__in=names)}
    parties = ([snap["party_region"]] if snap.get("party_region") else []) + [
        official.get(name, name) for name in names]
    deadline = submission_deadline(regime=agreement.regime,
                                   election_period_start=version.election_period_start)
    changes = change_list(compared_with, version) if compared_with else None
    return {
        "title": snap.get("title", agreement.title),
        "parties": parties,
        "parties_text": snap.get("parties_text", ""),
        "election_period": version.election_period_label,
        "version_number": version.number,
        "version_ref": version.ref,
        "entry_into_force": (version.entry_into_force.isoformat()
                             if version.entry_into_force else None),
        "entered_on": version.entered_on.isoformat() if version.entered_on else None,
        "regime": agreement.regime.short_name or agreement.regime.name,
        "significant": version.significant,
        "submitted_on": submitted_on.isoformat(),
        "deadline": deadline.isoformat() if deadline else None,
        "annexes": [{"title": i["title"], "kind": i.get("annex_kind", ""),
                     "url": i.get("url", "")} for i in version.items("annex")],
        "coverage": [row.as_dict() for row in coverage_matrix(version=version)],
        "changes": changes.as_dict() if changes else None,
    }


def package_build(*, version: AgreementVersion, compared_with: AgreementVersion | None,
                  submitted_on: datetime.date, render_pdf: bool = True
                  ) -> tuple[dict[str, Any], bytes]:
    metadata = package_metadata(version=version, compared_with=compared_with,
                                submitted_on=submitted_on)
    if not render_pdf:
        return metadata, b""
    return metadata, package_pdf(version=version, compared_with=compared_with,
                                 metadata=metadata)


def package_pdf(*, version: AgreementVersion, compared_with: AgreementVersion | None,
                metadata: dict[str, Any]) -> bytes:
    from weasyprint import HTML

    from sundhedsaftale.regimes.selectors import coverage_matrix

    with translation.override("da"):
        html = render_to_string("agreements/package.html", {
            "version": version, "meta": metadata,
            "agreement": PublishedAgreement(version.agreement, version),
            "coverage": coverage_matrix(version=version),
            "changes": change_list(compared_with, version) if compared_with else None,
            "compared_with": compared_with,
        })
    return bytes(HTML(string=html).write_pdf() or b"")
