"""Django's ASGI handler, with the middleware chain and the view in one thread.

Django's own handler loads the middleware for async and crosses between the event loop
and a worker thread at every boundary between sync and async code on the way in: into
the sync middleware, back to the loop for the async end of the chain, into a thread again
for a sync view, and once more for a 4xx answer's log line. Here the chain is loaded as
under WSGI and runs, with the view, in one crossing into the thread asgiref keeps for
the request (``ThreadSensitiveContext``, as before); the ``request_started`` receivers
and the response's close keep theirs. Views stay sync; an async view would still work,
adapted by Django into the event loop.
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.core.handlers import asgi


class ASGIHandler(asgi.ASGIHandler):
    def load_middleware(self, is_async=False):
        super().load_middleware(is_async=False)

    async def get_response_async(self, request):
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)
