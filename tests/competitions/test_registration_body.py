"""A registration's body taken without the serializer (``RegistrationIn.plain``, the
hot path) gives exactly what the serializer gives, or leaves it to the serializer."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from competitions.api import RegistrationIn

TYPICAL = {
    "kind": "couple",
    "name": "  Tom Lee ",
    "partner_name": "Ava Kim",
    "club": "Stars",
    "country": "gb",
    "email": "tom@example.org",
    "events": [3, 1],
}


def _serializer(data):
    serializer = RegistrationIn(data=data)
    return serializer.validated_data if serializer.is_valid() else None


@pytest.mark.parametrize(
    "body",
    [
        TYPICAL,
        {"name": "Solo Sue", "kind": "solo", "email": "s@example.org", "events": [2]},
        {**TYPICAL, "kind": "group", "partner_name": "", "members": ["A b", " C d "]},
        {**TYPICAL, "birth_year": 1990, "partner_birth_year": None, "unknown": {"x": 1}},
        {"name": "Tom Lee", "partner_name": "Ava Kim", "email": "t@example.org", "events": [1]},
    ],
)
def test_the_bodies_clients_send_are_taken_as_the_serializer_takes_them(body):
    plain = RegistrationIn.plain(body)

    assert plain is not None
    assert plain == dict(_serializer(body))


@pytest.mark.parametrize(
    "change",
    [
        {"name": "   "},
        {"name": "x" * 101},
        {"name": 12},
        {"name": "Tom\x00Lee"},
        {"name": "Tom \ud800"},
        {"email": "not-an-email"},
        {"kind": "trio"},
        {"kind": ""},
        {"events": []},
        {"events": [1, True]},
        {"events": ["1"]},
        {"events": "1"},
        {"birth_year": "1990"},
        {"birth_year": True},
        {"members": ["A", ""]},
        {"members": "A"},
        {"country": "GBRX"},
        {"partner_name": None},
        {"events": [2**70]},
    ],
)
def test_anything_unusual_is_left_to_the_serializer(change):
    assert RegistrationIn.plain({**TYPICAL, **change}) is None
    assert RegistrationIn.plain([TYPICAL]) is None


_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.text(max_size=210),
    st.sampled_from(["couple", "solo", "group", "tom@example.org", " GB ", "", " "]),
    st.lists(st.one_of(st.integers(-5, 2**64), st.text(max_size=5), st.booleans()), max_size=3),
    st.lists(st.one_of(st.integers(-5, 2**64), st.booleans()), min_size=1, max_size=3),
)
_keys = st.sampled_from(
    [
        "kind",
        "name",
        "partner_name",
        "members",
        "club",
        "country",
        "email",
        "birth_year",
        "partner_birth_year",
        "events",
        "other",
    ]
)


@settings(max_examples=400, deadline=None)
@given(changes=st.dictionaries(_keys, _values, max_size=4), drop=st.sets(_keys, max_size=3))
def test_a_body_taken_plainly_is_always_what_the_serializer_makes_of_it(changes, drop):
    body = {k: v for k, v in {**TYPICAL, **changes}.items() if k not in drop}

    plain = RegistrationIn.plain(body)

    if plain is not None:
        assert plain == dict(_serializer(body))
