"""Certificates of attendance: the PDF a person downloads or prints, its QR code and its
verification code, and bulk generation."""

import io
import re

import pypdf
import pytest
import segno
from django.core.exceptions import ImproperlyConfigured

from amity.core.pdf import configured_cjk_font, register_fonts
from amity.registrations.certificates import (
    ALPHABET,
    CertificateData,
    certificate_filename,
    is_verification_code,
    normalise_code,
    qr_modules,
    render_certificate,
    render_many,
    verification_code,
)

URL = "https://amity.zch.example.cn/certificates/7K3M9XQ2PF/"


def _data(**changes) -> CertificateData:
    fields = {
        "code": "7K3M9XQ2PF",
        "name": "Fu Junfen",
        "name_local": "傅君芬",
        "title": "Remote International Classroom: Paediatric Endocrinology",
        "title_local": "远程国际课堂：儿科内分泌学",
        "dates": "17 April 2027 · 2027年4月17日",
        "minutes": 85,
        "issuer": "Children's Hospital, Zhejiang University School of Medicine",
        "issuer_local": "浙江大学医学院附属儿童医院",
        "verification_url": URL,
    }
    fields.update(changes)
    return CertificateData(**fields)


def _pdf(content: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(content))


def _text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in _pdf(content).pages)


def test_the_certificate_is_one_a4_landscape_page_with_both_names_and_the_code():
    content = render_certificate(_data())

    reader = _pdf(content)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)  # A4 landscape
    text = _text(content)
    for expected in (
        "Certificate of Attendance",
        "参会证明",
        "Fu Junfen",
        "傅君芬",
        "Remote International Classroom: Paediatric Endocrinology",
        "远程国际课堂：儿科内分泌学",
        "Children's Hospital, Zhejiang University School of Medicine",
        "浙江大学医学院附属儿童医院",
        "Time attended: 85 minutes (1 h 25 min)",
        "参会时长：",
        "7K3M9XQ2PF",
        URL,
    ):
        assert expected in text, expected
    assert reader.metadata.subject == "7K3M9XQ2PF"


def test_a_latin_name_alone_and_a_short_attendance():
    content = render_certificate(
        _data(name="Maria Gonzalez", name_local="", title_local="", minutes=1)
    )

    text = _text(content)
    assert "Maria Gonzalez" in text
    assert "傅君芬" not in text
    assert "Time attended: 1 minute" in text
    assert "(0 h" not in text


def test_letters_helvetica_lacks_print_as_the_nearest_letter_never_as_a_blank_box():
    content = render_certificate(_data(name="Łukasz Nguyễn Şahin Иван", name_local=""))

    words = _text(content).split()
    # Cyrillic from the CJK font (Adobe-GB1 has it); the others with the accent Helvetica
    # has, which beats a blank box on a certificate.
    for expected in ("Lukasz", "Nguyên", "Sahin", "Иван"):
        assert expected in words


def test_a_long_title_wraps_instead_of_running_off_the_page():
    title = (
        "Multicentre Paediatric Cardiac Intensive Care Response to COVID-19: Weekly Case "
        "Conference with Partners in North America, Europe and Asia"
    )
    content = render_certificate(_data(title=title))

    text = _text(content)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    first = next(i for i, line in enumerate(lines) if line.startswith("Multicentre"))
    # Two lines, each a part of the title, together all of it.
    assert " ".join(lines[first : first + 2]) == title


def test_the_same_certificate_makes_the_same_bytes():
    assert render_certificate(_data()) == render_certificate(_data())


def test_the_qr_code_carries_the_verification_url_with_medium_error_correction():
    """The symbol encodes exactly the URL at level M (a smudged print still scans): the
    modules drawn are those of the standard symbol for that URL and level, no Micro QR."""
    expected = segno.make_qr(URL, error="m", boost_error=False)

    modules = qr_modules(URL)

    assert expected.error == "M"
    assert len(modules) == expected.symbol_size(border=0)[0] == 17 + 4 * expected.version
    assert modules == [[bool(m) for m in row] for row in expected.matrix]


def test_the_page_draws_every_dark_module_of_the_urls_qr_code():
    content = render_certificate(_data())

    page = _pdf(content).pages[0]
    stream = page.get_contents().get_data().decode("latin-1")
    drawn = set(re.findall(r"^(\d+ \d+ \d+ 1) re$", stream, re.MULTILINE))
    modules = qr_modules(URL)
    size = len(modules)
    expected = set()
    for row_index, row in enumerate(modules):
        start = None
        for column, dark in enumerate([*row, False]):
            if dark and start is None:
                start = column
            elif not dark and start is not None:
                expected.add(f"{start} {size - 1 - row_index} {column - start} 1")
                start = None
    assert drawn == expected


def test_verification_codes_are_short_unambiguous_and_checked():
    codes = {verification_code() for _ in range(2000)}

    assert len(codes) == 2000
    for code in codes:
        assert len(code) == 10
        assert set(code) <= set(ALPHABET)
        assert not set(code) & set("ILOU")
        assert is_verification_code(code)


def test_a_typo_in_a_code_is_recognised_without_looking_it_up():
    code = "7K3M9XQ2PF"
    assert is_verification_code(code)

    for position in range(10):
        for symbol in ALPHABET:
            if symbol != code[position]:
                typo = code[:position] + symbol + code[position + 1 :]
                # One symbol wrong: caught, except 0 for Z and back (their values differ
                # by the check's modulus, 31).
                caught = not is_verification_code(typo)
                assert caught or {symbol, code[position]} == {"0", "Z"}, typo
    for position in range(9):
        swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
        assert not is_verification_code(swapped), swapped
    assert not is_verification_code(code[:-1])
    assert not is_verification_code(code + "0")
    assert not is_verification_code("")


def test_codes_are_read_the_way_people_type_them():
    assert normalise_code(" 7k3m9-xq2pf ") == "7K3M9XQ2PF"
    assert normalise_code("OIL") == "011"
    code = verification_code()
    typed = f"{code[:5].lower()} – {code[5:]}".replace("0", "o").replace("1", "l")
    assert is_verification_code(typed)


def test_render_many_writes_one_file_per_certificate_with_two_processes(tmp_path):
    items = [
        _data(code=verification_code(), name=f"Attendee {n}", name_local=local)
        for n, local in enumerate(["傅君芬", "", "王晓明", "李娜", "", "陈静", "张伟"])
    ]

    paths = render_many(items, tmp_path / "certificates", processes=2, chunksize=2)

    assert [p.name for p in paths] == [certificate_filename(d) for d in items]
    assert sorted(p.name for p in (tmp_path / "certificates").iterdir()) == sorted(
        f"certificate-{d.code}.pdf" for d in items
    )
    for path, data in zip(paths, items, strict=True):
        text = _text(path.read_bytes())
        assert data.name in text
        assert data.code in text
        if data.name_local:
            assert data.name_local in text


def test_render_many_again_replaces_the_files_and_leaves_no_temporary_ones(tmp_path):
    item = _data()
    render_many([item], tmp_path, processes=1)

    paths = render_many([item], tmp_path, processes=1)

    assert [p.name for p in tmp_path.iterdir()] == ["certificate-7K3M9XQ2PF.pdf"]
    assert paths[0].read_bytes() == render_certificate(item)


def test_a_font_reportlab_cannot_embed_is_refused_with_what_to_use_instead(tmp_path):
    not_truetype = tmp_path / "NotoSansCJK-Regular.otf"
    not_truetype.write_bytes(b"OTTO" + b"\x00" * 200)

    with pytest.raises(ImproperlyConfigured, match="WenQuanYi Zen Hei"):
        register_fonts(str(not_truetype))


def test_the_cjk_font_comes_from_the_setting_else_the_environment(settings, monkeypatch):
    monkeypatch.setenv("AMITY_PDF_CJK_FONT", "/fonts/from-environment.ttc")
    assert configured_cjk_font() == "/fonts/from-environment.ttc"

    settings.AMITY_PDF_CJK_FONT = "/fonts/from-settings.ttf"
    assert configured_cjk_font() == "/fonts/from-settings.ttf"
