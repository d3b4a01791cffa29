"""Account administration for admins: add, disable, enable, change role, reset password.

The rules live in review_queue.users (at least one active admin remains; disabling a user or
resetting their password ends their sessions); this page only collects and reports.
"""
from __future__ import annotations

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from review_queue import sessions, users
from review_queue.web.auth import admin, hash_limiter, page_form
from review_queue.web.base import Reviewer, flash, pop_flash, render, workspace
from review_queue.web.review import moved_on
from terms.messages import message

router = APIRouter(prefix="/admin")


@router.get("/users")
def admin_users(request: Request, who: Reviewer = Depends(admin)):
    ws = workspace(request)
    with ws.factory() as s:
        rows = [(u, sessions.count_for(s, u.username)) for u in users.list_users(s)]
    moved_on(ws, who)
    return render(request, "users.html", who, users=rows, roles=users.ROLES, flash=pop_flash(request))


@router.post("/users")
async def admin_users_post(request: Request, form: dict = Depends(page_form), who: Reviewer = Depends(admin)):
    """One action per form: add (username, password, role), or disable / enable / role / password
    naming the user in the field of that name."""
    ws = workspace(request)
    name = str(form.get("username", ""))[:64]

    def act() -> str:
        with ws.factory() as s, s.begin():
            if form.get("disable"):
                u = users.disable_user(s, str(form["disable"]), actor=who.username)
                return message("review.admin.disabled", name=u.username)
            if form.get("enable"):
                u = users.enable_user(s, str(form["enable"]), actor=who.username)
                return message("review.admin.enabled", name=u.username)
            if form.get("role_for"):
                u = users.set_role(s, str(form["role_for"]), str(form.get("role", "")), actor=who.username)
                return message("review.admin.role_set", name=u.username, role=message(f"review.role.{u.role}"))
            if form.get("password_for"):
                u = users.set_password(s, str(form["password_for"]), str(form.get("password", "")), actor=who.username)
                return message("review.admin.password_set", name=u.username)
            u = users.add_user(s, name, str(form.get("password", "")), str(form.get("role", "reviewer")),
                               actor=who.username)
            return message("review.admin.added", name=u.username)
    try:
        # Hashing a new password takes tens of ms of CPU: off the event loop, two at a time.
        text = await anyio.to_thread.run_sync(act, limiter=hash_limiter())
        flash(request, text)
    except users.UserError as exc:
        flash(request, str(exc), "error")
    return RedirectResponse("/admin/users", status_code=303)
