import pytest

from lms import MissingSecretKey, create_app
from lms.core.rate_limits import RedisCounters


def test_missing_secret_key_refuses_to_start(monkeypatch, tmp_path):
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("LMS_SECRET_KEY", raising=False)
    with pytest.raises(MissingSecretKey, match="lms init"):
        create_app()


def test_settings_order_defaults_instance_file_environment_then_argument(monkeypatch, tmp_path):
    (tmp_path / "config.py").write_text(
        "SECRET_KEY = 'from-file'\nPUBLIC_URL = 'https://file.example'\nMAIL_SENDER = 'file@example.test'\n"
    )
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("LMS_PUBLIC_URL", "https://env.example")
    monkeypatch.setenv("LMS_DATABASE_URL", "postgresql://u@db.example/lms")
    app = create_app({"MAIL_SENDER": "arg@example.test"})
    assert app.instance_path == str(tmp_path)
    assert app.config["SECRET_KEY"] == "from-file"
    assert app.config["PUBLIC_URL"] == "https://env.example"
    assert app.config["MAIL_SENDER"] == "arg@example.test"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/lms"
    assert app.config["BABEL_DEFAULT_LOCALE"] == "id"


def test_sqlite_default_in_instance_folder_with_wal_and_foreign_keys(monkeypatch, tmp_path):
    from sqlalchemy import text

    from lms.extensions import db

    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("LMS_DATABASE_URL", raising=False)
    app = create_app({"SECRET_KEY": "x"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/lms.sqlite"
    with app.app_context(), db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        db.engine.dispose()


def test_redis_url_moves_rate_limit_counters(monkeypatch, tmp_path):
    monkeypatch.setenv("LMS_INSTANCE_PATH", str(tmp_path))
    app = create_app({"SECRET_KEY": "x", "REDIS_URL": "redis://127.0.0.1:6379/0"})
    assert isinstance(app.extensions["rate_limits"], RedisCounters)
