"""Request rates per client (anonymous: by address; authenticated: by user), from the
`anon` and `user` rates of REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] (API_THROTTLE_* variables).
"""

from rest_framework import throttling
from rest_framework.settings import api_settings


class CurrentRateMixin:
    """Reads the rate from the settings when the throttle is made (each request), not once
    at import as DRF's throttles do, so a changed REST_FRAMEWORK setting takes effect.
    """

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]


class AnonRateThrottle(CurrentRateMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(CurrentRateMixin, throttling.UserRateThrottle):
    pass
