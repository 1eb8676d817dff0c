"""The API's session authentication, refusing a staff session without its second factor."""

from rest_framework.authentication import SessionAuthentication

from accounts.two_factor import two_factor_pending


class VerifiedSessionAuthentication(SessionAuthentication):
    def authenticate(self, request):
        found = super().authenticate(request)
        if found is not None and two_factor_pending(request._request.user):
            return None  # as if not signed in: a password alone opens nothing for staff
        return found
