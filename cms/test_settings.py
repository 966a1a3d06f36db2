"""Settings for the test suite: the real settings with a throwaway secret and a fast hasher."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-not-secret")
# The suite sends hundreds of requests a minute from one address; throttling tests set low rates.
os.environ.setdefault("API_THROTTLE_ANON", "100000/minute")
os.environ.setdefault("API_THROTTLE_USER", "100000/minute")

from cms.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Webhook deliveries are sent by the tests themselves (deliver_due), not by background threads.
WEBHOOKS_DELIVER_IMMEDIATELY = False
