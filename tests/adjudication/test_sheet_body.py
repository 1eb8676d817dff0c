"""A judge's sheet taken and shown without the serializers (``SheetIn.plain`` and
``sheet_out_plain``, the hot path) gives exactly what the serializers give, or leaves it
to them."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework.renderers import JSONRenderer

from adjudication.sheets import SheetIn
from adjudication.tablet.api import SheetOut, sheet_out_plain
from scoring_site.api import MAX_ID

RECALL = {
    "dance_id": 3,
    "marks": {"11": 1, "12": 1, "14": 1},
    "client_key": "tablet-7f3c-0001",
    "base_version": 0,
    "round_revision": 1,
}
CRITERIA = {
    "entry_id": 21,
    "marks": {"4": "8.5", "5": "9", "6": "10.50", "7": 0},
    "client_key": " tablet-7f3c-0002 ",
    "base_version": 1,
    "round_revision": 1,
    "reason": "  Presentation keyed wrongly ",
}


def _serializer(data):
    serializer = SheetIn(data=data)
    return serializer.validated_data if serializer.is_valid() else None


def _exact(data) -> str:
    """Equal data, to the last digit and type: Decimal("1.5") == Decimal("1.50"), and
    1 == True, but their reprs differ; the order of the keys counts too."""
    return repr(dict(data))


@pytest.mark.parametrize(
    "body",
    [
        RECALL,
        CRITERIA,
        {**RECALL, "marks": {"11": "1", "12": "2", "13": "3"}},
        {**RECALL, "marks": {"5:2": "7.25", "5:3": 8, "6:2": "00010.5"}},
        {**RECALL, "marks": {}},
        {**RECALL, "marks": {"1": 1, "01": 2}, "reason": "   ", "other": [1]},
        {**RECALL, "client_key": "k" * 64, "reason": "r" * 300, "base_version": MAX_ID},
        {**CRITERIA, "marks": {"9" * 18: "99999.99", "8": -99999, "7": "0.00"}},
    ],
)
def test_the_bodies_devices_send_are_taken_as_the_serializer_takes_them(body):
    plain = SheetIn.plain(body)

    assert plain is not None
    assert _exact(plain) == _exact(_serializer(body))


@pytest.mark.parametrize(
    "change",
    [
        {"dance_id": True},
        {"dance_id": 1.0},
        {"dance_id": "3"},
        {"dance_id": None},
        {"dance_id": 0},
        {"dance_id": MAX_ID + 1},
        {"entry_id": 4},
        {"marks": []},
        {"marks": {"11": True}},
        {"marks": {"11": 1.5}},
        {"marks": {"11": "1.505"}},
        {"marks": {"11": "1e2"}},
        {"marks": {"11": "NaN"}},
        {"marks": {"11": " 1"}},
        {"marks": {"11": "١"}},
        {"marks": {"11": 100000}},
        {"marks": {"١": 1}},
        {"marks": {" 11": 1}},
        {"marks": {"9" * 19: 1}},
        {"marks": {"1:2:3": 1}},
        {"client_key": "   "},
        {"client_key": "k" * 65},
        {"client_key": 7},
        {"client_key": "a\x00b"},
        {"reason": None},
        {"reason": "r" * 301},
        {"base_version": -1},
        {"base_version": False},
        {"round_revision": 0},
        {"round_revision": 2**70},
    ],
)
def test_anything_unusual_is_left_to_the_serializer(change):
    assert SheetIn.plain({**RECALL, **change}) is None
    assert SheetIn.plain([RECALL]) is None
    assert SheetIn.plain({k: v for k, v in RECALL.items() if k != "client_key"}) is None


_ids = st.one_of(
    st.sampled_from([0, 1, 2, MAX_ID, MAX_ID + 1, -1, 2**70, True, False, 1.0, "1", " 1", None]),
    st.integers(min_value=-5, max_value=2**64),
)
_mark_keys = st.one_of(
    st.sampled_from(
        ["1", "11", "0", "01", " 1", "1 ", "١", "²", "", "x", "1:2", "1:2:3", ":1", "1:"]
        + ["9" * 18, "9" * 19, "1:" + "9" * 18, "-1", "1.0"]
    ),
    st.text(alphabet="0123456789: ", max_size=6),
)
_mark_values = st.one_of(
    st.sampled_from(
        ["1", "1.5", "1.50", "1.505", "1e2", "1E+2", "NaN", "nan", "Infinity", "-Infinity"]
        + [" 1", "1 ", "١", "99999.99", "100000", "-1", "1.", ".5", "0.00", "00000.00"]
        + ["000001", "-0", "+1", "1_0", "12345.6", "123456", "0.001", "", " "]
    ),
    st.sampled_from([True, False, None, 1.0, 1.5, float("nan"), [1], {"1": 1}]),
    st.integers(min_value=-(10**8), max_value=10**8),
    st.text(alphabet="0123456789.-e ", max_size=9),
)
_texts = st.one_of(
    st.sampled_from(["k", " k ", "   ", "", "\t", "k" * 64, " " + "k" * 64, "k" * 65, None, 7]),
    st.sampled_from(["r" * 300, "r" * 300 + "  ", "r" * 301, "a\x00b", "\ud800", "\u00a0x"]),
    st.text(max_size=70),
)
_values = {
    "dance_id": _ids,
    "entry_id": _ids,
    "base_version": _ids,
    "round_revision": _ids,
    "marks": st.one_of(
        st.dictionaries(_mark_keys, _mark_values, max_size=5),
        st.sampled_from([None, [], "1", {}]),
    ),
    "client_key": _texts,
    "reason": _texts,
    "other": st.none(),
}


@st.composite
def _bodies(draw):
    body = dict(draw(st.sampled_from([RECALL, CRITERIA])))
    if draw(st.booleans()):  # the marks, most varied, on an otherwise good body
        body["marks"] = draw(st.dictionaries(_mark_keys, _mark_values, max_size=5))
    for name in draw(st.sets(st.sampled_from(sorted(_values)), max_size=4)):
        body[name] = draw(_values[name])
    for name in draw(st.sets(st.sampled_from(sorted(_values)), max_size=2)):
        body.pop(name, None)
    return body


@settings(max_examples=600, deadline=None)
@given(body=_bodies())
def test_a_body_taken_plainly_is_always_what_the_serializer_makes_of_it(body):
    plain = SheetIn.plain(body)

    if plain is not None:
        validated = _serializer(body)
        assert validated is not None, "taken plainly, refused by the serializer"
        assert _exact(plain) == _exact(validated)


# --- The answer --------------------------------------------------------------------------


@st.composite
def _mark_decimals(draw):
    places = draw(st.integers(min_value=0, max_value=2))
    digits = draw(st.integers(min_value=0, max_value=10 ** (5 + places) - 1))
    return Decimal(digits).scaleb(-places)


_stored = st.one_of(
    _mark_decimals(),
    st.sampled_from([Decimal("1"), Decimal("1.5"), Decimal("0.00"), Decimal("-0"), None]),
    # Never stored; the serializer shows them (or refuses them).
    st.sampled_from([Decimal("1.005"), Decimal("1E+2"), Decimal("0E-5"), 3, 1.5, "2.5"]),
)
_zones = st.sampled_from(
    [datetime.UTC, zoneinfo.ZoneInfo("Europe/Paris"), zoneinfo.ZoneInfo("America/St_Johns")]
    + [datetime.timezone(datetime.timedelta(hours=5, minutes=30)), None]
)
_moments = st.one_of(
    st.none(),
    st.builds(
        lambda moment, zone: moment if zone is None else moment.replace(tzinfo=zone),
        st.datetimes(
            min_value=datetime.datetime(1990, 1, 1), max_value=datetime.datetime(2100, 1, 1)
        ),
        _zones,
    ),
)


@settings(max_examples=400, deadline=None)
@given(
    values=st.fixed_dictionaries(
        {
            "round_id": st.integers(min_value=1, max_value=MAX_ID),
            "dance_id": st.one_of(st.none(), st.integers(min_value=1, max_value=MAX_ID)),
            "entry_id": st.one_of(st.none(), st.integers(min_value=1, max_value=MAX_ID)),
            "judge": st.sampled_from(["A", "AB", "Z"]),
            "client_key": st.text(max_size=64),
            "version": st.integers(min_value=1, max_value=MAX_ID),
            "round_revision": st.integers(min_value=1, max_value=MAX_ID),
            "source": st.sampled_from(["api", "tablet", "paper"]),
            "submitted_at": _moments,
            "marks": st.dictionaries(
                st.one_of(st.text(alphabet="0123456789:", min_size=1, max_size=8)),
                _stored,
                max_size=6,
            ),
        }
    ),
    current=st.sampled_from(["UTC", "Europe/Paris", "Pacific/Kiritimati"]),
)
def test_an_answer_built_plainly_is_what_the_serializer_shows(values, current):
    with timezone.override(zoneinfo.ZoneInfo(current)):
        try:
            expected = SheetOut(values).data
        except Exception:  # the serializer refuses it: so must the plain path
            assert sheet_out_plain(values) is None
            return
        plain = sheet_out_plain(values)

    if plain is not None:
        assert plain == expected
        assert JSONRenderer().render(plain) == JSONRenderer().render(expected)


def test_a_stored_sheet_is_shown_plainly():
    values = {
        "round_id": 7,
        "dance_id": 3,
        "entry_id": None,
        "judge": "A",
        "client_key": "tablet-1",
        "version": 1,
        "round_revision": 1,
        "source": "api",
        "submitted_at": datetime.datetime(2026, 5, 1, 12, 30, tzinfo=datetime.UTC),
        "marks": {"11": Decimal("1"), "12": Decimal("8.5"), "13": Decimal("10.25")},
    }

    plain = sheet_out_plain(values)

    assert plain == SheetOut(values).data
    assert plain["submitted_at"] == "2026-05-01T12:30:00Z"
    assert plain["marks"] == {"11": "1.00", "12": "8.50", "13": "10.25"}
