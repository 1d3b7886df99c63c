import random

from hypothesis import given
from hypothesis import strategies as st

from communications.documents.redline import redline, redline_html, redline_tokens


def sides(runs):
    old = "".join(text for op, text in runs if op in ("equal", "delete"))
    new = "".join(text for op, text in runs if op in ("equal", "insert"))
    return old, new


def test_changed_word_is_deleted_then_inserted():
    assert redline("The cat sat.", "The dog sat.") == [
        ("equal", "The"),
        ("delete", " cat"),
        ("insert", " dog"),
        ("equal", " sat."),
    ]


def test_punctuation_changes_are_their_own_tokens():
    assert redline("Call us.", "Call us!") == [
        ("equal", "Call us"),
        ("delete", "."),
        ("insert", "!"),
    ]


def test_identical_texts_are_one_equal_run():
    assert redline("Same\ntext.\n", "Same\ntext.\n") == [("equal", "Same\ntext.\n")]


def test_empty_sides():
    assert redline("", "") == []
    assert redline("", "new") == [("insert", "new")]
    assert redline("old", "") == [("delete", "old")]


def test_added_paragraph_is_one_insert():
    old = "First.\n\nThird.\n"
    new = "First.\n\nSecond.\n\nThird.\n"
    assert [op for op, _ in redline(old, new)] == ["equal", "insert", "equal"]
    assert sides(redline(old, new)) == (old, new)


def test_tokens_keep_every_character():
    text = "  Hello,\tworld!\n\n— 12,418 patients; e-mail: a@b.org  \n"
    assert "".join(redline_tokens(text)) == text


def test_html_marks_changes_and_escapes_content():
    html = redline_html("Call <b>now</b> & wait", "Call <i>now</i> & wait")
    assert "<b>" not in html and "<i>" not in html
    assert "&lt;" in html and "&amp;" in html
    assert "<del>b</del><ins>i</ins>" in html


def test_html_preserves_line_breaks():
    html = redline_html("one\ntwo", "one\ntwo\nthree")
    assert html == "one<br>\ntwo<ins><br>\nthree</ins>"


def test_script_in_either_version_stays_text():
    html = redline_html("", "<script>alert(1)</script>")
    assert html == "<ins>&lt;script&gt;alert(1)&lt;/script&gt;</ins>"


def test_long_document_reconstructs_both_sides():
    rng = random.Random(7)
    vocabulary = [
        "the",
        "patient",
        "hospital",
        "data",
        "breach",
        "notice",
        "records",
        "we",
        "will",
        "call",
        ",",
        ".",
        ";",
    ]
    words = [rng.choice(vocabulary) for _ in range(5000)]
    old = "\n\n".join(" ".join(words[i : i + 80]) for i in range(0, 5000, 80))
    for _ in range(100):
        words[rng.randrange(len(words))] = "changed"
    new = "\n\n".join(" ".join(words[i : i + 75]) for i in range(0, 5000, 75))
    runs = redline(old, new)
    assert sides(runs) == (old, new)
    assert all(text for _, text in runs)


@given(st.text(), st.text())
def test_redline_reconstructs_both_sides(old, new):
    runs = redline(old, new)
    assert sides(runs) == (old, new)
    assert all(text for _, text in runs)
    assert all(a[0] != b[0] for a, b in zip(runs, runs[1:], strict=False))


words = st.lists(st.sampled_from(["a", "b", "c", " ", "\n", ".", ",", "word", "  "]))


@given(words.map("".join), words.map("".join))
def test_redline_reconstructs_wordy_texts(old, new):
    assert sides(redline(old, new)) == (old, new)
