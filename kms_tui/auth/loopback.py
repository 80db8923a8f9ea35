"""The loopback redirect listener: 127.0.0.1 only, one callback, then closed."""

from __future__ import annotations

import asyncio
import errno
import html

from aiohttp import web

from kms_tui.auth.errors import LoginCancelled, LoginTimeout, PortBusy

REDIRECT_PATH = "/authorization"
_DONE = "<html><body><h3>{title}</h3><p>{text}</p></body></html>"


class LoopbackListener:
    """Receive the IdP's redirect on http://127.0.0.1:PORT/authorization exactly once."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._result: asyncio.Future[dict[str, str]] | None = None
        self._runner: web.AppRunner | None = None

    async def __aenter__(self) -> LoopbackListener:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self) -> None:
        """Bind 127.0.0.1:port; a busy port is reported as such."""
        self._result = asyncio.get_running_loop().create_future()
        app = web.Application()
        app.router.add_get(REDIRECT_PATH, self._callback)
        self._runner = web.AppRunner(app, access_log=None)  # the query holds the code: never logged
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=False)
        try:
            await site.start()
        except OSError as exc:
            await self._runner.cleanup()
            self._runner = None
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                raise PortBusy(
                    f"Port {self.port} on 127.0.0.1 is already in use, so the sign-in redirect cannot be received.",
                    "Close the program using it, or set OAUTH2_REDIRECT_URL_PORT to a port your IdP accepts, "
                    "or sign in with `kms-tui login --paste`.",
                ) from None
            raise
        if self.port == 0:  # tests bind a free port
            self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]  # started

    async def _callback(self, request: web.Request) -> web.Response:
        assert self._result is not None
        if self._result.done():
            return web.Response(status=410, text="This sign-in link was already used.")
        params = dict(request.query)
        self._result.set_result(params)
        if "error" in params:
            title, text = "Sign-in refused", f"The identity provider said: {params['error']}. Return to the terminal."
        else:
            title, text = "Signed in", "You can close this window and return to the terminal."
        body = _DONE.format(title=html.escape(title), text=html.escape(text))
        return web.Response(text=body, content_type="text/html")

    async def wait(self, timeout: float) -> dict[str, str]:
        """The callback's query parameters; closes the listener whatever happens."""
        assert self._result is not None
        try:
            return await asyncio.wait_for(asyncio.shield(self._result), timeout)
        except TimeoutError:
            raise LoginTimeout(
                f"Nobody completed the sign-in in the browser within {int(timeout)} s.",
                "Run the login again; over SSH use `kms-tui login --device` or `--paste`.",
            ) from None
        finally:
            await self.close()

    def cancel(self) -> None:
        """Stop waiting (the user pressed Cancel)."""
        if self._result is not None and not self._result.done():
            self._result.set_exception(LoginCancelled("Sign-in cancelled."))

    async def close(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()
