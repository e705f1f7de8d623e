"""ISBNs as typed, printed or scanned become their 13 digits, with the check digit checked; copy codes
are read off a label, typed on a phone or scanned (the QR code's address), and a typo is refused."""

import pytest
from django.core.exceptions import ValidationError

from books import rules
from books.demo import BOOKS


@pytest.mark.parametrize(
    ("typed", "isbn13"),
    [
        ("9787506365437", "9787506365437"),  # 活着, as on the barcode
        ("978-7-5063-6543-7", "9787506365437"),  # hyphenated, as printed
        ("ISBN 978-7-5063-6543-7", "9787506365437"),
        ("ISBN-13: 978 7 5063 6543 7", "9787506365437"),
        ("ISBN：９７８７５０６３６５４３７", "9787506365437"),  # full-width, from a Chinese keyboard
        ("7-5063-6543-X", "9787506365437"),  # ISBN-10 of the same book (check digit X), converted
        ("0-306-40615-2", "9780306406157"),  # the standard's worked example
        ("0-8044-2957-X", "9780804429573"),  # ISBN-10 whose check digit is X
        ("0-8044-2957-x", "9780804429573"),  # lower-case x
        ("979-10-90636-07-1", "9791090636071"),  # 979 prefix
        ("", ""),  # none: old and locally printed books have none
        ("   ", ""),
    ],
)
def test_valid_isbns_are_normalised_to_13_digits(typed, isbn13):
    assert rules.normalise_isbn(typed) == isbn13


@pytest.mark.parametrize(
    "typed",
    [
        "9787506365438",  # check digit off by one
        "9787506365473",  # two digits swapped
        "7-5063-6543-6",  # ISBN-10 with a wrong check digit
        "0-8044-2957-1",  # should be X
        "9771234567003",  # an ISSN barcode (977), not a book
        "1234567890123",  # 13 digits, no ISBN prefix
        "978750636543",  # 12 digits
        "97875063654370",  # 14 digits
        "X-8044-2957-0",  # X only as the last character of an ISBN-10
        "978-7-5063-654A-7",
        "活着",
    ],
)
def test_invalid_isbns_are_refused_with_a_message_on_the_isbn_field(typed):
    with pytest.raises(ValidationError) as caught:
        rules.normalise_isbn(typed)
    assert list(caught.value.message_dict) == ["isbn"]


def test_looks_like_isbn_answers_empty_instead_of_raising():
    assert rules.looks_like_isbn("978-7-5063-6543-7") == "9787506365437"
    assert rules.looks_like_isbn("三体") == ""
    assert rules.looks_like_isbn("9787506365438") == ""


def test_every_demo_isbn_is_valid_and_unique():
    isbns = [row[0] for row in BOOKS]
    assert len(BOOKS) == 40
    assert all(rules.normalise_isbn(i) == i for i in isbns)
    assert len(set(isbns)) == len(isbns)
    assert len({row[1] for row in BOOKS}) == len(BOOKS)


def test_copy_codes_use_unambiguous_characters_and_carry_a_check_character():
    codes = {rules.new_copy_code() for _ in range(500)}
    assert len(codes) == 500
    for code in codes:
        assert len(code) == rules.CODE_LENGTH
        assert not set(code) & set("01OIL")
        assert rules.normalise_code(code) == code


def test_a_code_is_found_however_it_is_typed_or_scanned():
    code = rules.new_copy_code()
    assert rules.normalise_code(code.lower()) == code
    assert rules.normalise_code(f" {code[:3]}-{code[3:]} ") == code
    assert rules.normalise_code(f"http://127.0.0.1:8000/books/c/{code}/") == code
    assert rules.normalise_code(f"https://linli.example/books/c/{code}") == code


def test_every_single_typo_and_every_swap_of_two_characters_is_refused():
    code = "K7M2QX"
    code = code[:-1] + rules.code_check_character(code[:-1])
    assert rules.normalise_code(code) == code
    for i in range(len(code)):
        for ch in rules.CODE_ALPHABET:
            if ch != code[i]:
                assert rules.normalise_code(code[:i] + ch + code[i + 1 :]) == "", (i, ch)
    for i in range(len(code)):
        for j in range(i + 1, len(code)):
            if code[i] != code[j]:
                swapped = list(code)
                swapped[i], swapped[j] = code[j], code[i]
                assert rules.normalise_code("".join(swapped)) == "", (i, j)


@pytest.mark.parametrize("typed", ["", "ABC", "ABCDEFG", "AB0DEF", "ABIDEF", "书书书书书书", "/", "///"])
def test_things_that_cannot_be_a_code_are_refused(typed):
    assert rules.normalise_code(typed) == ""
