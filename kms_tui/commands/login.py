"""`kms-tui login` and `kms-tui logout`: sign in to the profile's identity provider, or forget it."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import threading
from typing import Any, TextIO, TypeVar

from kms_tui import exitcodes
from kms_tui.commands._auth_common import resolve, run_guarded
from kms_tui.commands.output import dumps, safe_lines, say
from kms_tui.safetext import mask_url


def register(subparsers: Any) -> None:
    """Add the `login` and `logout` commands."""
    login = subparsers.add_parser(
        "login",
        help="sign in with the profile's OAuth2/OIDC identity provider",
        description="Sign in (authorization code + PKCE by default; over SSH the device code or "
        "paste flow is proposed). The token is saved where ckms reads it.",
    )
    how = login.add_mutually_exclusive_group()
    how.add_argument("--device", action="store_true", help="sign in with a code on another device (RFC 8628)")
    how.add_argument("--paste", action="store_true", help="paste the address the browser was redirected to")
    how.add_argument("--client-credentials", action="store_true", help="machine sign-in with client_id/secret")
    login.add_argument("--no-browser", action="store_true", help="only print the address; do not open a browser")
    login.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="give up waiting for the browser after this long (default 300)",
    )
    login.set_defaults(func=run, writes=True)  # the token is written to the profile
    logout = subparsers.add_parser("logout", help="forget the profile's tokens and revoke them at the IdP")
    logout.set_defaults(func=run_logout, writes=True)


def _where(session: Any) -> dict[str, str]:
    """The profile and KMS a sign-in belongs to (said by every write)."""
    url = str(session.profile.http_config.get("server_url", "") or "")
    return {"profile": session.profile.name or "", "server_url": mask_url(url)}


def _method(args: argparse.Namespace) -> str:
    if args.device:
        return "device"
    if args.paste:
        return "paste"
    if args.client_credentials:
        return "client_credentials"
    return "auto"


def _show(text: str) -> None:
    print(safe_lines(text), file=sys.stderr, flush=True)  # IdP addresses and codes are outside text


class PastedLines:
    """Lines pasted on `stream` (stdin), read without blocking the loop; a read can be cancelled.

    Where the loop can watch the stream (a terminal, a pipe) the bytes are read as they come, so
    a read cancelled because the browser answered first leaves nothing blocked behind.
    """

    def __init__(self, stream: TextIO | None) -> None:
        self.stream = stream
        self._buffer = b""
        self._eof = False

    async def __call__(self, prompt: str) -> str:
        from kms_tui.auth.errors import LoginCancelled

        _show(prompt)
        line = await self._next_line()
        if not line:
            raise LoginCancelled("Sign-in cancelled: nothing was pasted.")
        return line

    async def _next_line(self) -> str:
        if self.stream is None:
            return ""
        while b"\n" not in self._buffer and not self._eof:
            if not await self._read_when_ready():
                return await _read_in_thread(self.stream)
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode("utf-8", "replace")

    async def _read_when_ready(self) -> bool:
        """Read what the stream holds once it is readable; False if the loop cannot watch it."""
        loop = asyncio.get_running_loop()
        try:
            fd = self.stream.fileno()  # type: ignore[union-attr]  # None: AttributeError below
        except (AttributeError, OSError, ValueError):  # io.StringIO and the like
            return False
        ready: asyncio.Future[None] = loop.create_future()
        try:
            loop.add_reader(fd, _resolve, ready, None)
        except (NotImplementedError, OSError, ValueError):  # a regular file, /dev/null, Windows
            return False
        try:
            await ready
        finally:
            loop.remove_reader(fd)
        chunk = os.read(fd, 65536)
        self._eof = not chunk
        self._buffer += chunk
        return True


T = TypeVar("T")


def _resolve(future: asyncio.Future[T], value: T) -> None:
    """Give ``future`` its result unless it already has one."""
    if not future.done():
        future.set_result(value)


async def _read_in_thread(stream: TextIO) -> str:
    loop = asyncio.get_running_loop()
    future: asyncio.Future[str] = loop.create_future()

    def read() -> None:  # a daemon thread: Ctrl-C must not wait for a blocked readline at exit
        line = stream.readline()
        loop.call_soon_threadsafe(_resolve, future, line)

    threading.Thread(target=read, name="kms-tui-paste", daemon=True).start()
    return await future


def is_terminal(stream: TextIO | None) -> bool:
    """True when a person can type on `stream` (CI runs with no stdin, or a pipe)."""
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):  # closed
        return False


async def sign_in_from_terminal(
    session: Any, method: str, *, stdin: TextIO | None, browser: bool = True, timeout: float = 300.0
) -> Any:
    """`kms-tui login`'s sign-in: the paste flow reads stdin; the browser flow, while its listener
    waits, also takes an address pasted on stdin when stdin is a terminal."""
    from kms_tui.auth.login import sign_in

    return await sign_in(
        session,
        method,
        show=_show,
        read_line=PastedLines(stdin),
        browser=browser,
        timeout=timeout,
        paste_while_waiting=is_terminal(stdin),
    )


def run(args: argparse.Namespace) -> int:
    """Sign in; exit 0 when the token is saved."""
    from kms_tui.auth.session import Session
    from kms_tui.auth.whoami import TokenClaims

    def body() -> int:
        session = Session(resolve(args))
        tokens = asyncio.run(
            sign_in_from_terminal(
                session, _method(args), stdin=sys.stdin, browser=not args.no_browser, timeout=args.timeout
            )
        )
        claims = TokenClaims.of(tokens.bearer)
        who = (claims.email or claims.sub) if claims else None
        where = str(session.profile.path) if session.profile.path else "the profile"
        place = _where(session)
        say(f"on profile {place['profile'] or '-'} at {place['server_url']}")
        if args.json:
            print(
                dumps(
                    {
                        "signed_in": True,
                        "user": who,
                        "method": session.state.method,
                        "expires_at": session.state.expires_at,
                        "credential_cache": session.cache.backend,
                        **place,
                    },
                    indent=None,
                )
            )
        else:
            say(f"Signed in{' as ' + who if who else ''}. The token was saved to {where}.", sys.stdout)
        return exitcodes.OK

    return run_guarded(args, body)


def run_logout(args: argparse.Namespace) -> int:
    """Forget the tokens locally and revoke the refresh token when the IdP allows it."""
    from kms_tui.auth.session import Session

    def body() -> int:
        session = Session(resolve(args))
        result = asyncio.run(session.logout())
        place = _where(session)
        say(f"on profile {place['profile'] or '-'} at {place['server_url']}")
        if args.json:
            print(dumps({"signed_out": True, **result, **place}, indent=None))
        else:
            revoked = (
                "revoked at the identity provider" if result["revoked"] else "not revoked (no revocation endpoint)"
            )
            say(f"Signed out of {session.profile.name or 'the profile'}: local tokens removed, {revoked}.", sys.stdout)
        return exitcodes.OK

    return run_guarded(args, body)
