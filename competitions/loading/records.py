"""What a load created and updated, and the one way it writes a row."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from competitions.loading.reading import LoadError
from competitions.models import Competition


@dataclass
class LoadReport:
    competition: Competition | None = None
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.removed)

    def count(self, bucket: dict[str, int], model: type[models.Model]) -> None:
        bucket[model._meta.model_name] = bucket.get(model._meta.model_name, 0) + 1

    def summary(self) -> str:
        def name(model_name: str, n: int) -> str:
            meta = apps.get_model("competitions", model_name)._meta
            return str(meta.verbose_name if n == 1 else meta.verbose_name_plural)

        def part(bucket):
            counts = sorted(bucket.items())
            return ", ".join(f"{n} {name(m, n)}" for m, n in counts) or "nothing"

        removed = f"; removed {part(self.removed)}" if self.removed else ""
        return f"created {part(self.created)}; updated {part(self.updated)}{removed}"


def upsert(report: LoadReport, model, lookup: dict, values: dict, where: str):
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        bucket = report.created
    else:
        changed = {k: v for k, v in values.items() if getattr(obj, k) != v}
        if not changed:
            return obj
        for key, value in changed.items():
            setattr(obj, key, value)
        bucket = report.updated
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise LoadError(
            [f"{where}.{name}: {' '.join(msgs)}" for name, msgs in exc.message_dict.items()]
        ) from None
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        # A rule only the database knows (its triggers); its message names the rule.
        reason = str(exc).splitlines()[0].removeprefix("CONTEXT:").strip()
        raise LoadError([f"{where}: refused by the database: {reason}"]) from None
    report.count(bucket, model)
    return obj
