"""``POST /api/v1/verify/``: check a judge's receipt, with no sign-in, throttled per
address so codes cannot be tried in bulk."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from adjudication.receipts.checking import (
    CHANGED,
    INVALID,
    MATCHES,
    MAX_PASTED,
    NO_MATCH,
    OLDER_KEY,
    SUPERSEDED,
    check_body,
    receipt_verify,
)
from scoring_site.api import RETRY_AFTER, AddressThrottle, error_response, errors


class ReceiptVerifyThrottle(AddressThrottle):
    scope = "receipt_verify"


class ReceiptVerifyIn(serializers.Serializer):
    code = serializers.CharField(
        max_length=40, help_text="The receipt's code, XXXX-XXXX-XXXX-XXXX (case and dashes free)."
    )
    receipt = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=MAX_PASTED,
        help_text="Optionally the receipt's full text (its JSON, as the PDF prints it): then "
        "the holder's own marks are answered back when it is genuine.",
    )


class ReceiptMarkOut(serializers.Serializer):
    bib = serializers.CharField()
    criterion = serializers.CharField(allow_blank=True)
    value = serializers.CharField()


class ReceiptSheetOut(serializers.Serializer):
    part = serializers.CharField(help_text="The dance, or the entry's bib (criteria).")
    received_at = serializers.CharField(help_text="When the desk received the sheet (UTC).")
    marks = ReceiptMarkOut(many=True)


class ReceiptCheckOut(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[MATCHES, SUPERSEDED, CHANGED, OLDER_KEY, NO_MATCH],
        help_text="matches; superseded (by a correction: see the reason); changed (Podium's "
        "data no longer agrees with this current receipt); older_key (signed with a key "
        "this site no longer uses); no_match (no such receipt, or the pasted text altered).",
    )
    matches = serializers.BooleanField()
    message = serializers.CharField()
    code = serializers.CharField(required=False)
    competition = serializers.CharField(required=False)
    round = serializers.CharField(required=False)
    judge = serializers.CharField(required=False, help_text="The judge's letter.")
    issued_at = serializers.DateTimeField(required=False)
    superseded_at = serializers.DateTimeField(required=False, allow_null=True)
    superseded_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Why it was superseded; empty until the round's result is published.",
    )
    sheets = ReceiptSheetOut(
        many=True, required=False, help_text="Only when the genuine receipt text was sent."
    )


class ReceiptVerifyApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [ReceiptVerifyThrottle]

    @extend_schema(
        operation_id="receipt_verify",
        summary="Check a judge's receipt against what Podium holds now",
        description="No sign-in. Answers what the receipt is of (round, judge letter, "
        "issue time) and whether it still holds; never any other judge's marks.",
        tags=["receipts"],
        request=ReceiptVerifyIn,
        parameters=[RETRY_AFTER],
        responses={200: ReceiptCheckOut, **errors(400, 415, 429)},
        examples=[
            OpenApiExample("A code", value={"code": "ABCD-EFGH-JKLM-NPQR"}, request_only=True)
        ],
    )
    def post(self, request):
        body = ReceiptVerifyIn(data=request.data)
        body.is_valid(raise_exception=True)
        check = receipt_verify(body.validated_data["code"], body.validated_data.get("receipt", ""))
        if check.status == INVALID:
            return error_response(
                "invalid", {"__all__": [check.message]}, status.HTTP_400_BAD_REQUEST
            )
        return Response(ReceiptCheckOut(check_body(check)).data)
