"""``GET /api/v1/desk/rounds/<id>/receipts/``: every judge's receipt of a round (the
scrutineer and the chairman hold the checksum of each judge's marks too), current and
superseded, with the reason. Codes and digests only: the marks are the desk's already."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from adjudication.desk.api import DESK_ERRORS, ROUND_ID, DeskApi
from adjudication.models import Receipt
from competitions.models import Round


class DeskReceiptOut(serializers.Serializer):
    judge = serializers.CharField(source="judge.letter")
    code = serializers.CharField()
    digest = serializers.CharField(help_text="HMAC-SHA256 of the receipt's content, hex.")
    key_id = serializers.CharField(help_text="Which of the site's keys signed it.")
    round_revision = serializers.IntegerField()
    issued_at = serializers.DateTimeField()
    current = serializers.BooleanField()
    superseded_at = serializers.DateTimeField(allow_null=True)
    superseded_reason = serializers.CharField(allow_blank=True)
    superseded_by = serializers.CharField(
        source="superseded_by.code", allow_null=True, default=None, help_text="The newer code."
    )


class DeskRoundReceiptsApi(DeskApi):
    @extend_schema(
        operation_id="desk_round_receipts",
        summary="The judges' receipts of a round: codes, digests, superseded with why",
        tags=["desk"],
        parameters=[ROUND_ID],
        responses={200: DeskReceiptOut(many=True), **DESK_ERRORS},
    )
    def get(self, request, round_id: int):
        round_ = get_object_or_404(Round, pk=round_id)
        receipts = (
            Receipt.objects.filter(round=round_)
            .select_related("judge", "superseded_by")
            .order_by("judge__letter", "-issued_at", "-pk")
        )
        return Response(DeskReceiptOut(receipts, many=True).data)
