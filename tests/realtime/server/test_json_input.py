"""The one JSON parser for outside input: size first, then depth, without recursion."""

import pytest

from switchboard.realtime.server.json_input import MAX_DEPTH, MalformedJson, parse_json


def test_ordinary_json_is_parsed():
    assert parse_json('{"event":"x","data":{"a":[1,"[[["]}}', max_bytes=100) == {
        "event": "x",
        "data": {"a": [1, "[[["]},
    }
    assert parse_json(b'["\\u00e9"]', max_bytes=None) == ["é"]


def test_the_depth_limit_is_exact():
    assert parse_json("[" * MAX_DEPTH + "]" * MAX_DEPTH, max_bytes=None)
    with pytest.raises(MalformedJson, match="nested"):
        parse_json("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), max_bytes=None)


def test_brackets_inside_strings_do_not_count():
    text = '["' + "[{" * 1000 + '\\"]"]'
    assert parse_json(text, max_bytes=None) == ["[{" * 1000 + '"]']


@pytest.mark.parametrize("text", ["[" * 1_000_000, '{"a":' * 200_000, "[" * 40 + '"' + "\\" * 9])
def test_hostile_nesting_is_refused_without_recursion(text):
    with pytest.raises(MalformedJson):
        parse_json(text, max_bytes=None)


def test_the_size_is_checked_in_utf8_bytes_before_parsing():
    with pytest.raises(MalformedJson, match="over 10 bytes"):
        parse_json('"ééééé"', max_bytes=10)  # 7 characters, 12 bytes
    assert parse_json('"éé"', max_bytes=10) == "éé"


@pytest.mark.parametrize("raw", ["", "{", "nan", b"\xff"])
def test_what_is_not_json_is_malformed_and_a_value_error(raw):
    with pytest.raises(ValueError):
        parse_json(raw, max_bytes=None)
