"""What a reviewer and an attacker found still wrong after issue 13 (web-probe): each test states
the right behaviour of a whole kind of request, over real HTTP where the kind needs it."""
import asyncio
import base64

import httpx
import pytest
from fastapi.testclient import TestClient

from review_queue.models import LoginFailure
from review_queue.web import create_app
from tests.conftest import _csrf_of


def _basic(name, password):
    return {"Authorization": "Basic " + base64.b64encode(f"{name}:{password}".encode()).decode()}


# ---- throttling holds under a burst of parallel guesses ------------------------------------------


def test_parallel_wrong_logins_cannot_outrun_the_throttle(store, reviewers, live_server):
    """Forty guesses at once for one account (form and Basic): all of them used to pass the
    throttle's first look before any failure was counted, so every one was hashed and answered."""
    _, factory = store
    base = live_server(create_app(factory, {"secret": "s", "login_account_limit": 5, "login_address_limit": 1000}))

    async def burst():
        async with httpx.AsyncClient(base_url=base, timeout=60) as c:
            token = _csrf_of((await c.get("/login")).text)

            async def form(i):
                r = await c.post("/login", data={"username": "anna", "password": f"fout-{i}", "csrf": token})
                return r.status_code

            async def basic(i):
                return (await c.get("/api/queue", headers=_basic("anna", f"fout-b{i}"))).status_code
            return await asyncio.gather(*[form(i) for i in range(20)], *[basic(i) for i in range(20)])
    codes = asyncio.run(burst())
    # The limit is 5; two password checks run at a time, so at most two more can slip past it.
    assert codes.count(401) <= 5 + 2, codes
    assert codes.count(429) >= 40 - 7
    with factory() as s:
        assert s.get(LoginFailure, "user:anna").failures <= 5 + 2
