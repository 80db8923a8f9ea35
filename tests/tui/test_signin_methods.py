"""The sign-in setup form, one test per method, against real HTTPS sandboxes and a real IdP."""

from __future__ import annotations

import httpx
from textual.widgets import Input, Select, TextArea

from kms_tui.config import ProfileStore
from kms_tui.tui.screens.profiles import ProfilesScreen
from kms_tui.tui.screens.signin_form import SignInFormScreen
from tests.tui.helpers import text_of, wait_until, whoami_value

EMAIL = "alice@example.com"  # what the mock IdP puts in its tokens


async def open_form(pilot) -> SignInFormScreen:
    app = pilot.app
    await pilot.pause()
    await pilot.press("escape", "4", "a")  # leave onboarding, Profiles, Add
    await pilot.pause()
    assert isinstance(app.screen, SignInFormScreen)
    return app.screen


async def fill(pilot, form: SignInFormScreen, method: str, **fields: str) -> None:
    """Choose ``method`` and fill fields by their TOML key; ``verified_cert`` goes in the text area."""
    form.query_one("#f-method", Select).value = method
    for key, value in fields.items():
        if key == "verified_cert":
            form.query_one("#f-verified-cert", TextArea).load_text(value)
        else:
            form.query_one("#f-" + key.replace(".", "-").replace("_", "-"), Input).value = value
    await pilot.pause(0.6)  # the inline checks run after a short pause in typing


async def save_and_use(pilot, name: str) -> None:
    app = pilot.app
    await pilot.press("ctrl+s")
    await pilot.pause()
    assert isinstance(app.screen, ProfilesScreen), text_of(app, "#form-problems")
    assert app.switch_profile(name)
    await pilot.press("1")
    await wait_until(pilot, lambda: app.whoami_data is not None and app.services.profile_name == name, what="whoami")


async def test_pem_client_certificate(console_factory, start_tls_sandbox, pki):
    sb = start_tls_sandbox(client_ca=True)
    cert, key = pki.write(pki.alice, "alice")
    app = console_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(pilot)
        await fill(
            pilot,
            form,
            "pem",
            name="mtls",
            server_url=sb.url,
            verified_cert=str(pki.ca_file),
            tls_client_pem_cert_path=str(cert),
            tls_client_pem_key_path=str(key),
        )
        await wait_until(pilot, lambda: "CN=alice expires on" in text_of(app, "#form-problems"), what="checks")
        assert text_of(app, "#form-problems").startswith("warning")  # expiry: shown, not blocking
        await save_and_use(pilot, "mtls")
        assert whoami_value(app, "Effective user") == "alice"
        assert "CN=alice" in (whoami_value(app, "Subject") or "")
    stored = ProfileStore().load("mtls").http_config
    assert stored["verified_cert"].startswith("-----BEGIN CERTIFICATE")  # the path became PEM text, as ckms wants


async def test_pem_key_that_does_not_match_is_shown_before_saving(console_factory, pki):
    cert, _ = pki.write(pki.alice, "alice")
    _, bob_key = pki.write(pki.bob, "bob")
    app = console_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(pilot)
        await fill(
            pilot,
            form,
            "pem",
            name="mismatch",
            server_url="https://127.0.0.1:9",
            tls_client_pem_cert_path=str(cert),
            tls_client_pem_key_path=str(bob_key),
        )
        await wait_until(pilot, lambda: "match" in text_of(app, "#form-problems"), what="key check")
        assert "Client key (PEM file): " in text_of(app, "#form-problems")  # the field, not a TOML line
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, SignInFormScreen)  # refused: nothing written
    assert not ProfileStore().exists("mismatch")


async def test_pkcs12_with_its_password(console_factory, start_tls_sandbox, pki, tmp_path):
    sb = start_tls_sandbox(client_ca=True)
    p12 = pki.alice.write_p12(tmp_path / "alice.p12", "p12-Pa55", ca=pki.ca)
    app = console_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(pilot)
        await fill(
            pilot,
            form,
            "pkcs12",
            name="p12",
            server_url=sb.url,
            verified_cert=pki.ca.cert_pem.decode(),
            tls_client_pkcs12_path=str(p12),
            tls_client_pkcs12_password="wrong",
        )
        await wait_until(pilot, lambda: "password" in text_of(app, "#form-problems"), what="p12 check")
        assert "wrong" not in text_of(app, "#form-problems")  # never echo a secret
        await fill(pilot, form, "pkcs12", tls_client_pkcs12_password="p12-Pa55")
        await save_and_use(pilot, "p12")
        assert whoami_value(app, "Effective user") == "alice"
    path = ProfileStore().path_of("p12")
    assert path.stat().st_mode & 0o777 == 0o600  # holds a password


async def test_a_missing_certificate_file_is_named(console_factory, tmp_path):
    app = console_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(pilot)
        await fill(
            pilot,
            form,
            "pkcs12",
            name="nofile",
            server_url="https://127.0.0.1:9",
            tls_client_pkcs12_path=str(tmp_path / "nope.p12"),
        )
        await wait_until(pilot, lambda: "does not exist" in text_of(app, "#form-problems"), what="file check")


def jwt_sandbox_toml(idp) -> str:
    # the sandbox, like Cosmian, names the user after the token's `email` claim
    return f'[idp_auth]\njwt_auth_provider = ["{idp.issuer},{idp.discovery["jwks_uri"]}"]\n'


async def test_oauth_client_credentials_signs_in_and_whoami_follows(console_factory, strict_idp, tmp_path):
    from tests.support.sandbox import start_sandbox

    with start_sandbox(tmp_path / "jwt-sandbox", config_toml=jwt_sandbox_toml(strict_idp)) as sb:
        app = console_factory()
        async with app.run_test(size=(120, 40)) as pilot:
            form = await open_form(pilot)
            await fill(
                pilot,
                form,
                "oauth_client_credentials",
                name="svc",
                server_url=sb.url,
                **{
                    "oauth2_conf.client_id": "svc",
                    "oauth2_conf.client_secret": "svc-secret",
                    "oauth2_conf.token_url": strict_idp.discovery["token_endpoint"],
                    "oauth2_conf.authorize_url": strict_idp.discovery["authorization_endpoint"],
                },
            )
            assert form.query_one("#f-oauth2-conf-client-secret", Input).password  # masked
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert app.switch_profile("svc", then_sign_in=True)
            await wait_until(pilot, lambda: app.identity.expires_at is not None, what="signed in")
            await pilot.press("1")
            await wait_until(pilot, lambda: whoami_value(app, "Method") == "client credentials", what="sign-in")
            assert whoami_value(app, "State") == "signed in"
            assert whoami_value(app, "Subject") == "svc"  # the token's claims, decoded locally
            assert "left" in whoami_value(app, "Token expires")
            assert text_of(app, "#header-token").startswith("token ")  # time left in the header
            # a machine token has no `email`: the server (like Cosmian) does not map it to a user
            assert "not authenticated" in whoami_value(app, "Effective user")
        assert ProfileStore().profile_settings("svc").oauth.flow == "client_credentials"


async def test_bearer_token(console_factory, mock_idp, tmp_path):
    """A token pasted into the form (here one the mock IdP issues for alice)."""
    from tests.support.sandbox import start_sandbox

    token = httpx.post(
        mock_idp.discovery["token_endpoint"],
        data={"grant_type": "password", "username": "alice", "password": "x", "client_id": "c"},
    ).json()["access_token"]
    with start_sandbox(tmp_path / "jwt-sandbox", config_toml=jwt_sandbox_toml(mock_idp)) as sb:
        app = console_factory()
        async with app.run_test(size=(120, 40)) as pilot:
            form = await open_form(pilot)
            await fill(pilot, form, "bearer", name="tok", server_url=sb.url, access_token=token)
            assert form.query_one("#f-access-token", Input).password  # shown masked
            await save_and_use(pilot, "tok")
            assert whoami_value(app, "Effective user") == EMAIL


async def test_oauth_device_code_shows_the_code_and_signs_in(console_factory, strict_idp, tmp_path):
    """The sign-in modal shows the code to type on another device; approving it signs in."""
    import asyncio
    import re

    from kms_tui.tui.modals.sign_in import SignInModal
    from tests.support.idp import strict_idp_browser
    from tests.support.sandbox import start_sandbox

    with start_sandbox(tmp_path / "jwt-sandbox", config_toml=jwt_sandbox_toml(strict_idp)) as sb:
        app = console_factory()
        async with app.run_test(size=(120, 40)) as pilot:
            form = await open_form(pilot)
            await fill(
                pilot,
                form,
                "oauth_device",
                name="dev",
                server_url=sb.url,
                device_authorization_url=strict_idp.discovery["device_authorization_endpoint"],
                **{
                    "oauth2_conf.client_id": "kms-device",
                    "oauth2_conf.scopes": "openid, email",
                    "oauth2_conf.token_url": strict_idp.discovery["token_endpoint"],
                    "oauth2_conf.authorize_url": strict_idp.discovery["authorization_endpoint"],
                },
            )
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert app.switch_profile("dev", then_sign_in=True)
            await wait_until(
                pilot,
                lambda: isinstance(app.screen, SignInModal) and "enter the code" in text_of(app, "#sign-in-log"),
                what="device code",
            )
            shown = text_of(app, "#sign-in-log")
            code = re.search(r"enter the code:\s+(\S+)", shown).group(1)
            uri = re.search(r"open (\S+)", shown).group(1)
            await asyncio.to_thread(strict_idp_browser, f"{uri}?user_code={code}", login="carol@example.com")
            await wait_until(pilot, lambda: not isinstance(app.screen, SignInModal), timeout=60, what="approval")
            await pilot.press("1")
            await wait_until(pilot, lambda: whoami_value(app, "Method") == "device code", what="whoami")
            assert whoami_value(app, "State") == "signed in"
        assert ProfileStore().profile_settings("dev").oauth.flow == "device"


async def test_proxy_and_custom_headers_from_the_form(console_factory, sandbox, forward_proxy):
    app = console_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        form = await open_form(pilot)
        await fill(
            pilot,
            form,
            "none",
            name="proxied",
            server_url=sandbox.url,
            **{
                "proxy.url": forward_proxy.url,
                "proxy.basic_auth_username": "user",
                "proxy.basic_auth_password": "pass",
            },
        )
        form.query_one("#f-custom-headers", TextArea).load_text("X-Team: ops\nX-Ticket: 42")
        assert form.query_one("#f-proxy-basic-auth-password", Input).password
        await save_and_use(pilot, "proxied")
        assert whoami_value(app, "Effective user") == "admin"
    assert "/me" in forward_proxy.access_log("/me")  # the requests went through the proxy
    http = ProfileStore().load("proxied").http_config
    assert http["custom_headers"] == ["X-Team: ops", "X-Ticket: 42"]
    assert http["proxy_params"]["exclusion_list"] == []  # ckms requires the key


async def test_sign_out_forgets_the_token(console_factory, mock_idp, tmp_path):
    from tests.support.sandbox import start_sandbox

    token = httpx.post(
        mock_idp.discovery["token_endpoint"],
        data={"grant_type": "password", "username": "alice", "password": "x", "client_id": "c"},
    ).json()["access_token"]
    with start_sandbox(tmp_path / "jwt-sandbox", config_toml=jwt_sandbox_toml(mock_idp)) as sb:
        store = ProfileStore()
        store.create("tok", sb.url)
        document = store.load("tok")
        document.set("http_config.access_token", token)
        store.save("tok", document)
        store.set_active("tok")
        app = console_factory()
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: whoami_value(app, "Effective user") == EMAIL, what="signed in")
            await pilot.press("4", "o")
            await wait_until(pilot, lambda: "access_token" not in store.load("tok").http_config, what="sign out")
            await pilot.press("1")
            await wait_until(
                pilot,
                lambda: "not authenticated" in (whoami_value(app, "Effective user") or ""),
                what="refused after sign out",
            )


async def test_header_counts_down_and_flags_an_expired_session(console_factory, mock_idp, tmp_path):
    from kms_tui.tui.services import utc_now

    mock_idp.command("ttl", seconds=4)
    token = httpx.post(
        mock_idp.discovery["token_endpoint"],
        data={"grant_type": "password", "username": "alice", "password": "x", "client_id": "c"},
    ).json()["access_token"]
    conf = tmp_path / "short.toml"
    conf.write_text(f'[http_config]\nserver_url = "http://127.0.0.1:9"\naccess_token = "{token}"\n')
    app = console_factory(conf=conf, clock=utc_now)  # the real clock: the token really expires
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: text_of(app, "#header-token").startswith("token 0m"), what="countdown")
        await wait_until(
            pilot, lambda: "SESSION EXPIRED" in text_of(app, "#header-badges"), timeout=15, what="expired badge"
        )
        assert token not in text_of(app, "#header-identity") + text_of(app, "#header-token")
