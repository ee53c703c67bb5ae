"""``flask_pat.editing.edit`` from Python: what the API's PATCH does, for host code."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_pat import editing, service
from flask_pat.errors import PatError


def test_edit_changes_what_it_is_given_and_records_a_rename(
    app: Flask, user: Any, make_token: Any
) -> None:
    token_id, _ = make_token(user, "first")
    with app.app_context():
        token = service.get(user, token_id)
        editing.edit(user, token, description="What it is for", actor="owner")
        token = service.get(user, token_id)
        assert (token.name, token.description, token.description_key) == (
            "first",
            "What it is for",
            "what it is for",
        )
        editing.edit(user, token, name="Second", actor="owner")
        token = service.get(user, token_id)
        assert (token.name, token.name_key, token.description) == (
            "Second",
            "second",
            "What it is for",
        )
        Event = app.extensions["pat"].Event
        events = (
            app.extensions["sqlalchemy"]
            .session.scalars(
                sa.select(Event.event).where(Event.token_id == token_id).order_by(Event.id)
            )
            .all()
        )
        assert events == ["created", "renamed"]


def test_edit_refuses_nothing_to_change_and_a_taken_name(
    app: Flask, user: Any, make_token: Any
) -> None:
    make_token(user, "taken")
    token_id, _ = make_token(user, "mine")
    with app.app_context():
        token = service.get(user, token_id)
        with pytest.raises(PatError) as nothing:
            editing.edit(user, token, actor="owner")
        assert nothing.value.code == "invalid"
        with pytest.raises(PatError) as taken:
            editing.edit(user, token, name="TAKEN", description="lost", actor="owner")
        assert taken.value.code == "conflict"
    with app.app_context():
        token = service.get(user, token_id)
        assert (token.name, token.description) == ("mine", "")
