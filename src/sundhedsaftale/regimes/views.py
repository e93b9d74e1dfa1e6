"""Regime pages: every regime, and one regime's requirements, process and deadlines."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from sundhedsaftale.agreements.models import LegalRegime


@require_safe
def regime_list(request: HttpRequest) -> HttpResponse:
    return render(request, "regimes/regime_list.html", {
        "section": "agreements", "regimes": LegalRegime.objects.all()})


@require_safe
def regime_detail(request: HttpRequest, code: str) -> HttpResponse:
    try:
        regime = LegalRegime.objects.get(code=code)
    except LegalRegime.DoesNotExist:
        raise Http404(_("Regelsættet findes ikke.")) from None
    return render(request, "regimes/regime_detail.html", {
        "section": "agreements", "regime": regime,
        "requirements": regime.requirements.all(),
        "steps": regime.process_steps.all(),
        "rules": regime.deadline_rules.all(),
    })
