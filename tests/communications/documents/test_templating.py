import re
from collections.abc import Mapping

import pytest
from hypothesis import given
from hypothesis import strategies as st

from communications.documents.keyfacts import KEY_FACTS
from communications.documents.markup import body_to_html
from communications.documents.templating import (
    RenderResult,
    TemplateError,
    escape_fact,
    missing_marker,
    placeholders_in,
    render_placeholders,
    validate_template,
)


class RecordingFacts(Mapping):
    """A facts mapping that remembers every key the renderer asked for."""

    def __init__(self, data):
        self.data = data
        self.asked = []

    def __getitem__(self, key):
        self.asked.append(key)
        return self.data[key]

    def get(self, key, default=None):
        self.asked.append(key)
        return self.data.get(key, default)

    def __iter__(self):
        raise AssertionError("the renderer must not enumerate the facts")

    def __len__(self):
        return len(self.data)


SANDBOX_ESCAPES = [
    "{{ settings.SECRET_KEY }}",
    "{{ user.password }}",
    "{{ x.__class__ }}",
    "{{ x.__class__.__mro__[1].__subclasses__() }}",
    "{{ a|safe }}",
    "{{ hotline|default:'x' }}",
    "{{ facts['hotline'] }}",
    "{{ request.user }}",
    "{{ lipsum() }}",
    "{{ Hotline }}",
    "{{ 1hotline }}",
    "{{ hot-line }}",
    "{{ }}",
    "{{ {{ hotline }} }}",
    "{{{ hotline }}}",
    "{% load static %}",
    "{% include 'secrets.html' %}",
    "{% debug %}",
    "{# a comment #}",
    "{{ hotline",
    "hotline }}",
]


@pytest.mark.parametrize("source", SANDBOX_ESCAPES)
def test_sandbox_refuses_anything_but_a_plain_fact_name(source):
    text = f"Intro line.\nCall {source} today."
    errors = validate_template(text)
    assert errors, source
    assert errors[0].startswith("Line 2:")
    with pytest.raises(TemplateError) as caught:
        render_placeholders(text, {"hotline": "1-800-555-0142", "settings": "s", "user": "u"})
    assert caught.value.line == 2
    assert caught.value.placeholder in source


@pytest.mark.parametrize("source", SANDBOX_ESCAPES)
def test_refused_placeholders_read_no_facts(source):
    facts = RecordingFacts({"hotline": "1", "settings": "s", "user": "u", "x": "x", "a": "a"})
    with pytest.raises(TemplateError):
        render_placeholders(f"{{{{ hotline }}}} {source}", facts)
    assert facts.asked == []


def test_renderer_reads_only_the_named_facts():
    facts = RecordingFacts({"hotline": "1-800-555-0142", "website": "https://x.org"})
    render_placeholders("Call {{ hotline }} or {{hotline}}; see {{ nope }}.", facts)
    assert set(facts.asked) == {"hotline", "nope"}


def test_error_names_the_placeholder_and_its_line():
    [error] = validate_template("# Title\n\nCall {{ settings.SECRET_KEY }}.")
    assert "Line 3" in error and "{{ settings.SECRET_KEY }}" in error


def test_fact_value_cannot_inject_a_script():
    result = render_placeholders("Call {{ hotline }}.", {"hotline": "<script>alert(1)</script>"})
    assert "<script>" not in result.text
    html = body_to_html(result.text)
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize(
    "value",
    [
        "[click here](javascript:alert(1))",
        "![x](https://evil.example/track.png)",
        "<https://evil.example>",
        "<a href='https://evil.example'>x</a>",
        "&#60;script&#62;",
        "[x][ref]\n\n[ref]: https://evil.example",
    ],
)
def test_fact_value_cannot_inject_links_images_or_entities(value):
    result = render_placeholders("See {{ website }} now.", {"website": value})
    html = body_to_html(result.text)
    assert "<a" not in html and "<img" not in html
    assert re.fullmatch(r"<p>[^<]*</p>", html), html


LINE_START_VALUES = [
    "# Heading",
    "- item",
    "+ item",
    "* item",
    "1. item",
    "> quote",
    "---",
    "**bold** and _em_ and `code`",
    "line one\n\n# injected heading",
    "line one\n===",
    "    indented code",
    "| a | b |\n|---|---|",
]


@pytest.mark.parametrize("value", LINE_START_VALUES)
def test_fact_value_at_line_start_cannot_become_markup(value):
    html = body_to_html(render_placeholders("{{ what_happened }}", {"what_happened": value}).text)
    assert set(re.findall(r"<(/?\w+)", html)) == {"p", "/p"}, html


@pytest.mark.parametrize("value", LINE_START_VALUES)
def test_fact_value_in_a_list_item_cannot_nest_markup(value):
    html = body_to_html(render_placeholders("- {{ what_happened }}", {"what_happened": value}).text)
    assert set(re.findall(r"<(/?\w+)", html)) == {"ul", "/ul", "li", "/li"}, html
    assert html.count("<li>") == 1


def test_escaped_value_renders_as_typed():
    value = "St. Mary's (Main) Hospital — #1 for care; 50% off *nothing* [really] & more_stuff!"
    html = body_to_html(render_placeholders("{{ hospital_name }}", {"hospital_name": value}).text)
    assert html == f"<p>{value.replace('&', '&amp;')}</p>"


def test_line_breaks_in_a_value_become_spaces():
    assert escape_fact("one\ntwo\r\n\tthree\u2028four") == "one two three four"


def test_value_with_placeholder_syntax_is_not_rendered_again():
    result = render_placeholders("{{ a }}", {"a": "{{ hotline }}", "hotline": "secret"})
    assert "secret" not in result.text
    assert "{{" not in result.text
    assert result.used == ("a",)


def test_unknown_and_blank_facts_are_reported_missing_with_a_visible_marker():
    result = render_placeholders(
        "Call {{ hotline }} ({{ hotline_hours }}) or visit {{ website }}. {{ hotline }}",
        {"hotline": "1-800-555-0142", "hotline_hours": "   "},
    )
    assert result == RenderResult(
        text="Call 1-800-555-0142 ([[missing: hotline_hours]]) or visit [[missing: website]]. "
        "1-800-555-0142",
        used=("hotline",),
        missing=("hotline_hours", "website"),
    )
    assert missing_marker("website") in body_to_html(result.text)


def test_unknown_keys_are_not_an_error_at_edit_time():
    assert validate_template("Hello {{ not_a_known_fact }}") == []


def test_placeholders_are_listed_once_in_order_of_first_use():
    text = "{{ b }} {{a}} {{ b }}\n{{ c.d }} {{  a  }} {{ e }}"
    assert placeholders_in(text) == ["b", "a", "e"]


def test_non_text_fact_values_are_refused():
    with pytest.raises(TypeError, match="hotline"):
        render_placeholders("{{ hotline }}", {"hotline": object()})


def test_plain_text_and_single_braces_pass_through():
    text = "A {single} brace, 100% sure, a } and a { alone."
    assert validate_template(text) == []
    assert render_placeholders(text, {}).text == text


_KEYS = [fact.key for fact in KEY_FACTS]
_LITERAL = st.text(alphabet=st.characters(blacklist_characters="{}%#"), max_size=20)


@given(
    pieces=st.lists(st.tuples(_LITERAL, st.sampled_from(_KEYS), st.sampled_from(["", " ", "  "]))),
    values=st.dictionaries(st.sampled_from(_KEYS), st.text(min_size=1)),
)
def test_supplied_facts_never_leave_a_placeholder_behind(pieces, values):
    template = "".join(f"{lit}{{{{{pad}{key}{pad}}}}}" for lit, key, pad in pieces)
    result = render_placeholders(template, values)
    for key, value in values.items():
        if value.strip():
            assert not re.search(r"\{\{\s*" + key + r"\s*\}\}", result.text)
    assert "{{" not in result.text
    assert set(result.used) | set(result.missing) == {key for _, key, _ in pieces}


@given(value=st.text())
def test_no_fact_value_adds_markup(value):
    html = body_to_html(render_placeholders("{{ what_happened }}", {"what_happened": value}).text)
    assert set(re.findall(r"<(/?\w+)", html)) <= {"p", "/p"}
