"""X-Twilio-Signature and the generic HMAC-SHA256 signature."""

from __future__ import annotations

import pytest

from connectors.sms.signature import (
    compute_hmac_sha256_hex,
    compute_twilio_signature,
    validate_hmac_sha256_hex,
    validate_twilio_signature,
)

# Twilio's published example, from twilio/twilio-python tests/unit/test_request_validator.py
# (ValidationTest.setUp):
#     token = "12345"
#     self.uri = "https://mycompany.com/myapp.php?foo=1&bar=2"
#     self.params = {
#         "CallSid": "CA1234567890ABCDE",
#         "Digits": "1234",
#         "From": "+14158675309",
#         "To": "+18005551212",
#         "Caller": "+14158675309",
#     }
#     self.expected = "RSOYDt4T1cUTdK1PDd93/VVr8B8="
#     self.duplicate_expected = 'IK+Dwps556ElfBT0I3Rgjkr1wJU='
# and test_validation_adds_port_on_https: expected = "kvajT1Ptam85bY51eRf/AJRuM3w="
# ("hash of uri with port 443").
TOKEN = "12345"
URI = "https://mycompany.com/myapp.php?foo=1&bar=2"
PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
    "Caller": "+14158675309",
}
EXPECTED = "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_published_example_signature() -> None:
    assert compute_twilio_signature(URI, PARAMS, TOKEN) == EXPECTED
    assert validate_twilio_signature(URI, PARAMS, EXPECTED, TOKEN)


def test_published_example_with_repeated_parameter() -> None:
    # test_compute_signature_duplicate_multi_dict: Sid=CA123, SidAccount=AC123, Digits=5678,
    # Digits=1234 -> 'IK+Dwps556ElfBT0I3Rgjkr1wJU='
    pairs = [("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678"), ("Digits", "1234")]
    assert compute_twilio_signature(URI, pairs, TOKEN) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="


def test_published_example_port_variants() -> None:
    # test_validation_removes_port_on_https and test_validation_adds_port_on_https
    assert validate_twilio_signature(URI.replace(".com", ".com:1234"), PARAMS, EXPECTED, TOKEN)
    assert validate_twilio_signature(URI, PARAMS, "kvajT1Ptam85bY51eRf/AJRuM3w=", TOKEN)


@pytest.mark.parametrize(
    ("url", "params", "token"),
    [
        (URI, {**PARAMS, "Digits": "9999"}, TOKEN),  # a parameter changed
        (URI, {**PARAMS, "Body": "STOP"}, TOKEN),  # a parameter added
        (URI.replace("foo=1", "foo=2"), PARAMS, TOKEN),  # the query string changed
        ("https://attacker.example/myapp.php?foo=1&bar=2", PARAMS, TOKEN),  # another host
        (URI, PARAMS, "54321"),  # another account's token
    ],
)
def test_forged_request_is_rejected(url: str, params: dict[str, str], token: str) -> None:
    assert not validate_twilio_signature(url, params, EXPECTED, token)


@pytest.mark.parametrize("signature", [None, "", "   ", "RSOYDt4T1cUTdK1PDd93/VVr8B8", "ñ" * 28])
def test_missing_or_malformed_signature_is_rejected(signature: str | None) -> None:
    assert not validate_twilio_signature(URI, PARAMS, signature, TOKEN)


def test_empty_auth_token_never_validates() -> None:
    signature = compute_twilio_signature(URI, PARAMS, "")
    assert not validate_twilio_signature(URI, PARAMS, signature, "")


def test_spanish_body_is_signed_as_utf8() -> None:
    params = {"Body": "¿Dónde está mi solicitud? Señora Muñoz", "From": "+12135550123"}
    signature = compute_twilio_signature(URI, params, TOKEN)
    assert validate_twilio_signature(URI, params, signature, TOKEN)
    assert not validate_twilio_signature(URI, {**params, "Body": "Donde esta"}, signature, TOKEN)


def test_hmac_sha256_published_vector() -> None:
    # The HMAC-SHA256 example value given on Wikipedia's "HMAC" article:
    # HMAC_SHA256("key", "The quick brown fox jumps over the lazy dog")
    #   = f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8
    body = b"The quick brown fox jumps over the lazy dog"
    expected = "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
    assert compute_hmac_sha256_hex(body, "key") == expected
    assert validate_hmac_sha256_hex(body, expected.upper(), "key")
    assert not validate_hmac_sha256_hex(body + b" ", expected, "key")
    assert not validate_hmac_sha256_hex(body, None, "key")
