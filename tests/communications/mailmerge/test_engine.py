import hashlib
import os
import pickle
import shutil
import subprocess

import pytest

from communications.mailmerge.engine import (
    LetterRecipient,
    MailMergeError,
    VariantSource,
    generate_chunk,
    letter_sha256,
    prepare_variant,
    single_letter_pdf,
)

STYLE = (
    "@page{size:letter;margin:0.75in} body{font-family:serif;font-size:11pt}"
    ".window{height:2.6in} #beacon-salutation{height:14pt;margin:0}"
)


def variant_html(marker: str, pages: int, salutation: bool = True) -> str:
    slot = '<p id="beacon-salutation"></p>' if salutation else ""
    extra = "".join(
        f'<p style="page-break-before:always">{marker} page {n}</p>' for n in range(2, pages + 1)
    )
    return (
        f"<html><head><style>{STYLE}</style></head><body><h1>General Hospital</h1>"
        f'<div class="window"></div>{slot}<p>Notice text {marker} about your records.</p>'
        f"{extra}</body></html>"
    )


def letter_variant(key: str, marker: str, pages: int, salutation: bool = True) -> VariantSource:
    html = variant_html(marker, pages, salutation)
    return VariantSource(key, html, hashlib.sha256(html.encode()).hexdigest())


@pytest.fixture(scope="module")
def variants():
    prepared = [
        prepare_variant(letter_variant("two", "VARIANTTWO", 2)),
        prepare_variant(letter_variant("three", "VARIANTTHREE", 3)),
        prepare_variant(letter_variant("plain", "VARIANTPLAIN", 1, salutation=False)),
    ]
    return {variant.key: variant for variant in prepared}


def recipient(index: int, variant_key: str, name: str | None = None) -> LetterRecipient:
    name = name or f"Person{index:04d} Tester"
    return LetterRecipient(
        reference=f"REF{index:04d}",
        variant_key=variant_key,
        address_lines=(name, f"{index:04d} Elm Street", f"Town{index:04d}, IL 62701"),
        salutation_name=name,
    )


@pytest.fixture(scope="module")
def recipients():
    keys = ["two", "three", "plain"]
    people = [recipient(index, keys[index % 3]) for index in range(60)]
    people[7] = recipient(7, "three", name="Nguyễn Văn An")  # outside WinAnsi: slow path
    people[8] = recipient(8, "two", name="José Müller-Øster")  # WinAnsi: fast path
    return people


def poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        message = f"{tool} is missing: apt-get install poppler-utils"
        if os.environ.get("BEACON_REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return path


def page_text(path, first: int, last: int) -> str:
    command = [poppler("pdftotext"), "-f", str(first), "-l", str(last), str(path), "-"]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def page_count(path) -> int:
    result = subprocess.run([poppler("pdfinfo"), str(path)], capture_output=True, text=True)
    assert result.returncode == 0 and "Error" not in result.stderr, result.stderr
    return int(next(line for line in result.stdout.splitlines() if line.startswith("Pages:"))[6:])


@pytest.fixture(scope="module")
def chunk(tmp_path_factory, variants, recipients):
    out_dir = tmp_path_factory.mktemp("letters")
    return generate_chunk(3, recipients, variants, out_dir, letters_per_file=60)


def test_manifest_page_ranges_tile_the_file(chunk, recipients):
    assert chunk.path.name == "letters-00003.pdf"
    assert chunk.letters == len(chunk.manifest) == len(recipients)
    assert [row.reference for row in chunk.manifest] == [r.reference for r in recipients]
    expected_first = 1
    for row in chunk.manifest:
        assert row.first_page == expected_first
        expected_first = row.last_page + 1
    assert page_count(chunk.path) == chunk.pages == chunk.manifest[-1].last_page


def test_every_letter_starts_on_an_odd_page(chunk):
    assert all(row.first_page % 2 == 1 for row in chunk.manifest)
    assert all((row.last_page - row.first_page + 1) % 2 == 0 for row in chunk.manifest)


@pytest.mark.parametrize("index", [0, 1, 2, 7, 8, 31, 59])
def test_sampled_letter_has_its_recipient_and_variant_only(chunk, recipients, index):
    row = chunk.manifest[index]
    text = page_text(chunk.path, row.first_page, row.last_page)
    person = recipients[index]
    for line in person.address_lines:
        assert line in text
    markers = {"two": "VARIANTTWO", "three": "VARIANTTHREE", "plain": "VARIANTPLAIN"}
    assert markers[row.variant_key] in text
    assert all(marker not in text for key, marker in markers.items() if key != row.variant_key)
    if row.variant_key == "plain":
        assert "Dear" not in text
    else:
        assert f"Dear {person.salutation_name}," in text
    others = [r for r in recipients if r.reference != person.reference]
    assert not any(other.address_lines[1] in text for other in others)
    assert not any(other.address_lines[0] in text for other in others)


def test_three_page_variant_keeps_all_its_pages(chunk):
    row = next(row for row in chunk.manifest if row.variant_key == "three")
    assert row.last_page - row.first_page + 1 == 4  # three pages and a blank
    text = page_text(chunk.path, row.first_page + 2, row.first_page + 2)
    assert "VARIANTTHREE page 3" in text
    assert page_text(chunk.path, row.last_page, row.last_page).strip() == ""


def test_letter_hash_binds_approved_text_and_recipient_text(chunk, variants, recipients):
    row = chunk.manifest[1]
    variant = variants[row.variant_key]
    person = recipients[1]
    expected = letter_sha256(
        variant.approved_sha256, person.address_lines, f"Dear {person.salutation_name},"
    )
    assert row.letter_sha256 == expected
    assert len({row.letter_sha256 for row in chunk.manifest}) == len(chunk.manifest)


def test_same_chunk_twice_gives_identical_bytes(tmp_path, variants, recipients, chunk):
    again = generate_chunk(3, recipients, variants, tmp_path, letters_per_file=60)
    assert again.path.read_bytes() == chunk.path.read_bytes()
    assert again.manifest == chunk.manifest


def test_variant_laid_out_again_gives_identical_chunk(tmp_path, recipients, chunk, variants):
    # A prepared variant crosses process boundaries (Celery, multiprocessing) pickled.
    fresh = {key: pickle.loads(pickle.dumps(v)) for key, v in variants.items()}  # noqa: S301
    fresh["two"] = prepare_variant(letter_variant("two", "VARIANTTWO", 2))
    again = generate_chunk(3, recipients, fresh, tmp_path, letters_per_file=60)
    assert again.path.read_bytes() == chunk.path.read_bytes()


def test_chunk_never_exceeds_the_letter_limit(tmp_path, variants, recipients):
    with pytest.raises(MailMergeError, match="at most 10 letters"):
        generate_chunk(0, recipients[:11], variants, tmp_path, letters_per_file=10)
    assert list(tmp_path.iterdir()) == []


def test_failed_chunk_leaves_no_file(tmp_path, variants):
    with pytest.raises(MailMergeError, match="unknown variant"):
        generate_chunk(0, [recipient(1, "missing")], variants, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_sign_is_applied_once_to_the_whole_file(tmp_path, variants, recipients):
    calls = []

    def sign(data: bytes) -> bytes:
        calls.append(len(data))
        return data + b"%signed\n"

    result = generate_chunk(0, recipients[:5], variants, tmp_path, sign=sign)
    assert len(calls) == 1 and result.path.read_bytes().endswith(b"%signed\n")


def test_single_letter_pdf_has_no_padding(tmp_path, variants):
    person = recipient(5, "plain")
    path = tmp_path / "one.pdf"
    path.write_bytes(single_letter_pdf(person, variants["plain"]))
    assert page_count(path) == 1
    assert person.address_lines[0] in page_text(path, 1, 1)


def test_address_block_must_fit_the_window(tmp_path, variants):
    crowded = LetterRecipient("R", "two", tuple(f"line {n}" for n in range(7)), "X")
    with pytest.raises(MailMergeError, match="address lines"):
        generate_chunk(0, [crowded], variants, tmp_path)


def test_variant_may_not_fetch_urls():
    html = '<html><body><img src="http://example.invalid/x.png">Hello</body></html>'
    with pytest.raises(BaseException, match="fetch"):
        prepare_variant(VariantSource("x", html, "0" * 64))


def test_output_parses_with_pyhanko(chunk):
    from pyhanko.pdf_utils.reader import PdfFileReader

    with chunk.path.open("rb") as handle:
        reader = PdfFileReader(handle, strict=True)
        assert len(reader.root["/Pages"]["/Kids"]) >= 1
        assert int(reader.root["/Pages"]["/Count"]) == chunk.pages
