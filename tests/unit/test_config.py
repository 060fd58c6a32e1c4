"""Store URLs: each kind of store becomes the eventsourcing settings that open it."""

from __future__ import annotations

from pathlib import Path

import pytest

from stanceline.config import parse_store_url
from stanceline.errors import StoreConfigError


def test_a_sqlite_url_names_a_file(tmp_path: Path) -> None:
    config = parse_store_url(f"sqlite:///{tmp_path}/s.db")
    assert config.kind == "sqlite"
    assert config.env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite"
    assert config.env["SQLITE_DBNAME"] == f"{tmp_path}/s.db"


def test_a_postgresql_url_gives_the_postgres_settings() -> None:
    config = parse_store_url("postgresql://alice@db.example:6543/facts?schema=t_1")
    assert config.kind == "postgresql"
    env = config.env
    assert env["PERSISTENCE_MODULE"] == "eventsourcing.postgres"
    assert (env["POSTGRES_HOST"], env["POSTGRES_PORT"]) == ("db.example", "6543")
    assert (env["POSTGRES_USER"], env["POSTGRES_DBNAME"]) == ("alice", "facts")
    assert env["POSTGRES_SCHEMA"] == "t_1"
    assert env["ORIGINATOR_ID_TYPE"] == "text"
    assert int(env["POSTGRES_POOL_SIZE"]) >= 1
    assert int(env["POSTGRES_CONNECT_TIMEOUT"]) >= 1


def test_the_port_defaults_and_pool_settings_can_be_given() -> None:
    env = parse_store_url("postgres://bob@localhost/db?pool_size=4&connect_timeout=3").env
    assert env["POSTGRES_PORT"] == "5432"
    assert env["POSTGRES_POOL_SIZE"] == "4"
    assert env["POSTGRES_CONNECT_TIMEOUT"] == "3"


def test_connections_carry_an_application_name_and_are_checked_before_use() -> None:
    assert parse_store_url("postgresql://u@h/db").env["POSTGRES_APPLICATION_NAME"] == "stanceline"
    env = parse_store_url("postgresql://u@h/db?application_name=api%20worker").env
    assert env["POSTGRES_APPLICATION_NAME"] == "api worker"
    assert env["POSTGRES_PRE_PING"] == "y"


def test_the_password_comes_from_the_url_or_pgpassword(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGPASSWORD", "from-env")
    assert parse_store_url("postgresql://u:p%40ss@h/db").env["POSTGRES_PASSWORD"] == "p@ss"
    assert parse_store_url("postgresql://u@h/db").env["POSTGRES_PASSWORD"] == "from-env"


def test_the_description_hides_the_password() -> None:
    config = parse_store_url("postgresql://u:secret@h:5432/db")
    assert "secret" not in config.description
    assert config.description == "postgresql://u:***@h:5432/db"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://u@h/db", "unsupported store"),
        ("postgresql://h/db", "postgresql://USER@HOST:PORT/DB"),
        ("postgresql://u@h", "postgresql://USER@HOST:PORT/DB"),
        ("postgresql://u@/db", "postgresql://USER@HOST:PORT/DB"),
        ("postgresql://u@h:port/db", "port is not a number"),
        ("postgresql://u@h/db?schema=a;drop", "not a plain SQL name"),
        ("postgresql://u@h/db?colour=red", "unknown setting 'colour'"),
        ("postgresql://u@h/db?pool_size=many", "pool_size must be a whole number"),
        ("postgresql://u:secret@h/db?x=1", "unknown setting"),
        ("postgresql://u@h/db?application_name=", "application_name must be"),
        (f"postgresql://u@h/db?application_name={'x' * 64}", "application_name must be"),
    ],
)
def test_a_bad_url_is_one_clear_line(url: str, message: str) -> None:
    with pytest.raises(StoreConfigError, match=message) as caught:
        parse_store_url(url)
    assert "\n" not in str(caught.value)
    assert "secret" not in str(caught.value)
