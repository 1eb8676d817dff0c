"""The judge's receipts on the tablet: every receipt of this judge's closed rounds
(current and superseded, with the reason), the code large enough to photograph, and
each one as a PDF. Only the signed-in judge's own: another's code is a 404."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from adjudication.models import Receipt
from adjudication.receipts.checking import judge_receipts
from adjudication.receipts.signing import code_normalize
from adjudication.results.receipt_pdf import receipt_pdf, receipt_text
from adjudication.tablet.pages import tablet_required
from scoring_site.site import site_address


@never_cache
@require_safe
@tablet_required
def tablet_receipts(request):
    judge = request.tablet.judge
    rounds: dict[int, dict] = {}
    for receipt in judge_receipts(judge):
        entry = rounds.setdefault(receipt.round_id, {"round": receipt.round, "receipts": []})
        entry["receipts"].append(receipt)
    for entry in rounds.values():
        current = entry["receipts"][0]
        current.text = receipt_text(current)
    return render(
        request,
        "adjudication/tablet_receipts.html",
        {"judge": judge, "rounds": list(rounds.values())},
    )


@never_cache
@require_safe
@tablet_required
def tablet_receipt_pdf(request, code: str):
    normal = code_normalize(code)
    receipt = (
        Receipt.objects.filter(code=normal, judge=request.tablet.judge)
        .select_related("round__event", "judge")
        .first()
        if normal
        else None
    )
    if receipt is None:  # another judge's receipt: as if it did not exist
        raise Http404("No such receipt of yours.")
    verify_url = site_address(request) + reverse("adjudication:receipt-verify")
    response = HttpResponse(receipt_pdf(receipt, verify_url), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="receipt-{receipt.code}.pdf"'
    return response
