"""Give up on a request body that stops arriving: 408 instead of holding a worker slot forever."""

import asyncio

from litestar.exceptions import HTTPException
from litestar.status_codes import HTTP_408_REQUEST_TIMEOUT
from litestar.types import ASGIApp, Message, Receive, Scope, Send


class BodyTimedOut(HTTPException):
    """The client sent part of a body and then nothing for longer than the body timeout."""

    status_code = HTTP_408_REQUEST_TIMEOUT


def body_timeout_middleware(app: ASGIApp, seconds: float) -> ASGIApp:
    """Wrap `receive` so each wait for the next body chunk lasts at most `seconds`."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        body_done = False

        async def receive_in_time() -> Message:
            nonlocal body_done
            if body_done:  # later calls wait for a disconnect (streaming responses): no limit
                return await receive()
            try:
                async with asyncio.timeout(seconds):
                    message = await receive()
            except TimeoutError:
                body_done = True
                raise BodyTimedOut(
                    detail=f"the request body stopped arriving for {seconds:g} s",
                    headers={"Connection": "close"},
                ) from None
            body_done = message["type"] != "http.request" or not message.get("more_body", False)
            return message

        await app(scope, receive_in_time, send)

    return middleware
