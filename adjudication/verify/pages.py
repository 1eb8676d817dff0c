"""``/verify/``: a form for a receipt's code (and, optionally, its text); no sign-in.
POSTs count against the API's per-address limit."""

from __future__ import annotations

import math

from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from adjudication.receipts.checking import INVALID, MAX_PASTED, check_body, receipt_verify
from adjudication.verify.api import ReceiptVerifyThrottle


@require_http_methods(["GET", "POST"])
def receipt_verify_page(request):
    values = {"code": request.GET.get("code", ""), "receipt": ""}
    context: dict = {"values": values}
    status = 200
    if request.method == "POST":
        values = {
            "code": request.POST.get("code", "")[:40],
            "receipt": request.POST.get("receipt", "")[:MAX_PASTED],
        }
        context["values"] = values
        throttle = ReceiptVerifyThrottle()
        if not throttle.allow_request(request, None):
            seconds = max(1, math.ceil(throttle.wait() or 1))
            context["limited"] = seconds
            response = render(request, "adjudication/verify.html", context, status=429)
            response["Retry-After"] = str(seconds)
            return response
        check = receipt_verify(values["code"], values["receipt"])
        context["check"] = check_body(check)
        status = 400 if check.status == INVALID else 200
    return render(request, "adjudication/verify.html", context, status=status)
