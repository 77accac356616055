"""Staff accounts, managed by admins (reviewers get 403). Every change is audited."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from eval.review.api.deps import (
    AdminUser,
    AuthDep,
    ClientIP,
    CsrfChecked,
    SessionDep,
    TemplatesDep,
)
from eval.review.audit import record
from eval.review.auth import create_user, set_password
from eval.review.models import AuthSession, Role, User

pages = APIRouter(tags=["users"])
api = APIRouter(tags=["users"])


def _users(db: Session) -> list[dict[str, Any]]:
    return [
        {
            "id": u.id,
            "username": u.username,
            "role": u.role,
            "active": u.active,
            "created_at": u.created_at.isoformat(timespec="seconds"),
            "last_login_at": u.last_login_at.isoformat(timespec="seconds")
            if u.last_login_at else None,
        }
        for u in db.scalars(select(User).order_by(User.username))
    ]


def _target(db: Session, user_id: int) -> User:
    user = db.get(User, user_id)
    if user is None:
        raise HTTPException(status_code=404, detail="No such user.")
    return user


def _keeps_an_admin(db: Session, user: User, role: str, active: bool) -> None:
    """Refuses a change that would leave no active admin."""
    if user.role == Role.ADMIN and user.active and (role != Role.ADMIN or not active):
        admins = db.scalar(
            select(func.count()).where(User.role == Role.ADMIN, User.active.is_(True))
        )
        if (admins or 0) <= 1:
            raise HTTPException(status_code=400, detail="At least one active admin must remain.")


def _create(db: Session, actor: User, username: str, password: str, role: str, ip: str) -> User:
    try:
        user = create_user(db, username, password, role, actor=actor, ip=ip)
    except ValueError as error:
        db.rollback()
        raise HTTPException(status_code=400, detail=str(error)) from error
    db.commit()
    return user


def _update(
    db: Session, actor: User, user: User, role: str | None, active: bool | None, ip: str
) -> None:
    new_role = role if role is not None else user.role
    new_active = active if active is not None else user.active
    if new_role not in Role.ALL:
        raise HTTPException(status_code=400, detail="Unknown role.")
    _keeps_an_admin(db, user, new_role, new_active)
    if new_role != user.role:
        record(db, actor, "user.role", target=user.username, ip=ip, role=new_role,
               previous=user.role)
        user.role = new_role
    if new_active != user.active:
        record(db, actor, "user.enable" if new_active else "user.disable", target=user.username,
               ip=ip)
        user.active = new_active
        if not new_active:
            db.execute(delete(AuthSession).where(AuthSession.user_id == user.id))
    db.commit()


def _password(db: Session, actor: User, user: User, password: str, ip: str) -> None:
    try:
        set_password(db, user, password, actor, ip)
    except ValueError as error:
        db.rollback()
        raise HTTPException(status_code=400, detail=str(error)) from error
    db.commit()


@pages.get("/users")
def users_page(
    request: Request, user: AdminUser, auth: AuthDep, db: SessionDep, templates: TemplatesDep
) -> Response:
    """Accounts and the form to add one."""
    return templates.TemplateResponse(
        request, "users.html",
        {"user": user, "auth": auth, "users": _users(db), "roles": Role.ALL},
    )


@pages.post("/users")
def create_user_page(
    user: AdminUser,
    _csrf: CsrfChecked,
    db: SessionDep,
    ip: ClientIP,
    username: Annotated[str, Form(max_length=80)],
    password: Annotated[str, Form(max_length=1000)],
    role: Annotated[str, Form()] = Role.REVIEWER,
) -> Response:
    """Adds an account."""
    _create(db, user, username, password, role, ip)
    return RedirectResponse("/users", status_code=303)


@pages.post("/users/{user_id}")
def update_user_page(
    user_id: int,
    user: AdminUser,
    _csrf: CsrfChecked,
    db: SessionDep,
    ip: ClientIP,
    role: Annotated[str | None, Form()] = None,
    active: Annotated[str | None, Form(pattern="^[01]$")] = None,
) -> Response:
    """Changes an account's role or disables/enables it."""
    target = _target(db, user_id)
    _update(db, user, target, role, None if active is None else active == "1", ip)
    return RedirectResponse("/users", status_code=303)


@pages.post("/users/{user_id}/password")
def password_page(
    user_id: int,
    user: AdminUser,
    _csrf: CsrfChecked,
    db: SessionDep,
    ip: ClientIP,
    password: Annotated[str, Form(max_length=1000)],
) -> Response:
    """Sets a new password (the user is signed out everywhere)."""
    _password(db, user, _target(db, user_id), password, ip)
    return RedirectResponse("/users", status_code=303)


class UserIn(BaseModel):
    """A new account."""

    username: str = Field(max_length=80)
    password: str = Field(max_length=1000)
    role: str = Role.REVIEWER


class UserUpdate(BaseModel):
    """Changes to an account."""

    role: str | None = None
    active: bool | None = None
    password: str | None = Field(default=None, max_length=1000)


@api.get("/users")
def users_api(user: AdminUser, db: SessionDep) -> list[dict[str, Any]]:
    """Accounts."""
    return _users(db)


@api.post("/users", status_code=201)
def create_user_api(
    body: UserIn, user: AdminUser, _csrf: CsrfChecked, db: SessionDep, ip: ClientIP
) -> dict[str, Any]:
    """Adds an account."""
    created = _create(db, user, body.username, body.password, body.role, ip)
    return {"id": created.id, "username": created.username, "role": created.role}


@api.patch("/users/{user_id}", status_code=204)
def update_user_api(
    user_id: int,
    body: UserUpdate,
    user: AdminUser,
    _csrf: CsrfChecked,
    db: SessionDep,
    ip: ClientIP,
) -> Response:
    """Changes an account's role, status or password."""
    target = _target(db, user_id)
    _update(db, user, target, body.role, body.active, ip)
    if body.password is not None:
        _password(db, user, target, body.password, ip)
    return Response(status_code=204)
