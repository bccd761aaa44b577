"""Users and API tokens: passwords kept as argon2 hashes, tokens shown once and kept as SHA-256 digests."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from warmline.errors import InvalidInputError
from warmline.store import ConflictError, NotFoundError, Store, UserRole
from warmline.store.tables import ApiTokenRow, UserRow


@pytest.mark.slow  # argon2 is slow by design: four hashes and checks
def test_users_password_round_trip(store: Store) -> None:
    added = store.add_user("dana", "correct horse", "supervisor", teams=["support", "billing"])
    assert (added.username, added.role, added.teams, added.agent_id) == (
        "dana",
        UserRole.SUPERVISOR,
        ("billing", "support"),
        None,
    )
    assert store.verify_password("dana", "correct horse") == added
    assert store.verify_password("dana", "wrong horse") is None
    assert store.verify_password("nobody", "correct horse") is None
    assert store.get_user("dana") == added


def test_users_passwords_are_stored_as_argon2_hashes(store: Store) -> None:
    store.add_user("dana", "correct horse", "admin")
    with store.engine.connect() as conn:
        stored = conn.execute(select(UserRow.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$")
    assert "correct horse" not in stored


def test_users_agent_user_is_linked_to_their_agent_id(store: Store) -> None:
    user = store.add_user("ana", "s3cret-pass", UserRole.AGENT, agent_id="agent-ana")
    assert user.agent_id == "agent-ana"
    assert store.get_user("ana").agent_id == "agent-ana"


def test_users_bad_input_and_duplicates_are_refused(store: Store) -> None:
    store.add_user("dana", "correct horse", "admin")
    with pytest.raises(ConflictError, match="'dana' already exists"):
        store.add_user("dana", "another pass", "agent")
    with pytest.raises(InvalidInputError, match="at least 8"):
        store.add_user("eve", "short", "agent")
    with pytest.raises(InvalidInputError, match="not one of agent, supervisor, admin"):
        store.add_user("eve", "long enough", "boss")
    with pytest.raises(InvalidInputError, match="not a username"):
        store.add_user("eve smith", "long enough", "agent")
    with pytest.raises(NotFoundError):
        store.get_user("eve")


def test_users_token_round_trip_and_only_its_hash_is_stored(store: Store) -> None:
    dana = store.add_user("dana", "correct horse", "admin")
    token = store.create_token(dana, "ci")
    assert token.startswith("wlt_") and len(token) > 40
    with store.engine.connect() as conn:
        rows = conn.execute(select(ApiTokenRow.token_hash, ApiTokenRow.name)).all()
    assert [tuple(r) for r in rows] == [(hashlib.sha256(token.encode()).hexdigest(), "ci")]
    assert store.tokens_for("dana")[0].last_used_at is None
    assert store.user_for_token(token) == dana
    assert store.tokens_for("dana")[0].last_used_at is not None
    assert store.user_for_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert store.user_for_token("not-a-token") is None


def test_users_revoked_token_stops_working(store: Store) -> None:
    store.add_user("dana", "correct horse", "admin")
    keep, drop = store.create_token("dana", "laptop"), store.create_token("dana", "old script")
    (_, old) = store.tokens_for("dana")
    store.revoke_token(old.id)
    assert store.user_for_token(drop) is None
    assert store.user_for_token(keep) is not None
    assert store.tokens_for("dana")[1].revoked_at is not None
    with pytest.raises(NotFoundError):
        store.revoke_token(9999)
    with pytest.raises(NotFoundError):
        store.create_token("nobody", "x")
