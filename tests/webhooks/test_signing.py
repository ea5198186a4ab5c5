"""Signatures as Standard Webhooks has them: the specification's example vector, and our
signatures checked by a verifier written from the specification."""

import time

from switchboard.webhooks import signing
from tests.webhooks.support import verify

# The example in the specification (and in every official library's tests).
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TIMESTAMP = 1614265330
SPEC_BODY = '{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_the_specification_example_is_signed_as_published():
    assert signing.signature(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY) == SPEC_SIGNATURE
    headers = {
        "webhook-id": SPEC_ID,
        "webhook-timestamp": str(SPEC_TIMESTAMP),
        "webhook-signature": SPEC_SIGNATURE,
    }
    assert verify(SPEC_SECRET, headers, SPEC_BODY.encode(), now=SPEC_TIMESTAMP)


def test_our_headers_pass_an_independent_verifier_and_a_change_fails_it():
    secret = signing.secret_new()
    assert secret.startswith("whsec_")
    body = '{"type":"booking-updated","data":{"booking_id":7}}'
    at = int(time.time())
    headers = signing.headers(secret, signing.message_id(), at, body)
    assert verify(secret, headers, body.encode(), now=at)
    assert not verify(secret, headers, body.replace("7", "8").encode(), now=at)
    assert not verify(signing.secret_new(), headers, body.encode(), now=at)
    assert not verify(secret, headers, body.encode(), now=at + 3600)  # replayed late
