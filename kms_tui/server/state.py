"""The sandbox application's shared state, under typed keys (``web.AppKey``, and
``web.RequestKey`` for what a request carries from the middleware to its handler): no string
keys, so aiohttp raises no ``NotAppKeyWarning`` and a misspelt key is a NameError, not a KeyError."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from aiohttp import web

from kms_tui.server.auth import Authenticator
from kms_tui.server.config import ServerConfig
from kms_tui.server.gate import StoreGate
from kms_tui.server.get_cache import GetCache
from kms_tui.server.store import Store

CONFIG = web.AppKey("config", ServerConfig)
STORE = web.AppKey("store", Store)
AUTH = web.AppKey("auth", Authenticator)
GATE = web.AppKey("gate", StoreGate)
GET_CACHE = web.AppKey("get_cache", GetCache)  # answers to repeated Gets, until the store changes
EXECUTOR = web.AppKey("executor", ThreadPoolExecutor)  # CPU-heavy work (key generation, large decodes)
USER = web.RequestKey("user", str)  # the authenticated user, set by the guard middleware (aiohttp >= 3.14)
