"""One configuration: every environment variable is declared in bot/settings.py and read
through it, and docs/configuration.md says what the declarations say."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from bot import settings

ROOT = Path(__file__).resolve().parents[2]
CODE = sorted([*(ROOT / "bot").rglob("*.py"), *(ROOT / "actions").rglob("*.py")])
READERS = {"value", "given", "port", "count", "seconds", "path"}
# What Rasa reads from our yml files: `${NAME}`.
RASA_FILES = ("endpoints.yml", "credentials.yml")


def environment_reads(tree: ast.AST) -> list[int]:
    """Lines that touch the environment directly: os.environ, os.getenv, os.putenv."""
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv", "putenv"}
    ]


def setting_names(tree: ast.AST) -> list[tuple[int, str]]:
    """The names passed to settings.value(...) and its kind."""
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in READERS
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in {"settings", "config"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def test_only_the_settings_module_reads_the_environment() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in CODE
        if path != ROOT / "bot" / "settings.py"
        for line in environment_reads(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert offenders == [], "read it through bot.settings (declare it in SETTINGS)"


def test_every_setting_the_code_reads_is_declared() -> None:
    read = {
        (f"{path.relative_to(ROOT)}:{line}", name)
        for path in CODE
        for line, name in setting_names(ast.parse(path.read_text(encoding="utf-8")))
    }
    assert len(read) > 15  # the scan finds the reads (it would find none if it were broken)
    undeclared = sorted(where for where, name in read if name not in settings.DECLARED)
    assert undeclared == [], "declare them in bot/settings.py SETTINGS"


@pytest.mark.parametrize("file", RASA_FILES)
def test_every_variable_rasa_reads_from_our_files_is_declared(file: str) -> None:
    names = re.findall(r"\$\{(\w+)\}", (ROOT / file).read_text(encoding="utf-8"))
    assert names
    assert [name for name in names if name not in settings.DECLARED] == []


def test_the_configuration_page_is_the_declarations() -> None:
    page = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert page == settings.markdown(), (
        "docs/configuration.md is stale: python -m bot.settings > docs/configuration.md"
    )
    for setting in settings.SETTINGS:
        assert f"| `{setting.name}` |" in page


def test_an_undeclared_name_is_refused() -> None:
    with pytest.raises(KeyError, match="not declared"):
        settings.value("ACCOUNT_PORT")


def test_a_default_follows_the_settings_it_names(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ACCOUNTS_URL", "ACCOUNTS_PORT", "SMS_GATEWAY_URL", "SMS_GATEWAY_SEND_URL"):
        monkeypatch.delenv(name, raising=False)
    assert settings.value("ACCOUNTS_URL") == "http://127.0.0.1:8088"
    assert settings.value("SMS_GATEWAY_SEND_URL") == "http://127.0.0.1:8089/api/send"
    monkeypatch.setenv("ACCOUNTS_PORT", "9001")
    monkeypatch.setenv("SMS_GATEWAY_URL", "http://gateway.example")
    assert settings.value("ACCOUNTS_URL") == "http://127.0.0.1:9001"
    assert settings.value("SMS_GATEWAY_SEND_URL") == "http://gateway.example/api/send"
    monkeypatch.setenv("ACCOUNTS_URL", "http://accounts.example")
    assert settings.value("ACCOUNTS_URL") == "http://accounts.example"


def test_every_reference_in_a_default_is_declared() -> None:
    for setting in settings.SETTINGS:
        for name in settings.REFERENCE.findall(setting.default):
            assert name in settings.DECLARED, f"{setting.name} names {name}"


@pytest.mark.parametrize(
    ("reader", "name", "text", "message"),
    [
        (settings.port, "RASA_PORT", "80000", "RASA_PORT must be a port number"),
        (settings.port, "RASA_PORT", "http", "RASA_PORT must be a port number"),
        (settings.count, "RASA_PROCESSES", "0", "at least 1"),
        (settings.seconds, "HANDOFF_CLAIM_TIMEOUT_S", "nan", "positive number of seconds"),
        (settings.seconds, "HANDOFF_CLAIM_TIMEOUT_S", "-1", "positive number of seconds"),
    ],
)
def test_a_malformed_value_is_a_clear_exit(
    monkeypatch: pytest.MonkeyPatch, reader: object, name: str, text: str, message: str
) -> None:
    monkeypatch.setenv(name, text)
    with pytest.raises(SystemExit, match=message):
        reader(name)  # type: ignore[operator]


def test_a_stack_started_by_the_tests_inherits_no_secret_or_address(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ACCOUNTS_TOKEN", "the-parent-shells-token")
    monkeypatch.setenv("ACCOUNTS_URL", "http://127.0.0.1:1")
    monkeypatch.setenv("LANG", "C.UTF-8")
    env = settings.stack_environment(tmp_path, {"RASA_PORT": 5999})
    assert "ACCOUNTS_TOKEN" not in env and "ACCOUNTS_URL" not in env
    assert env["LANG"] == "C.UTF-8" and env["RASA_PORT"] == "5999"
    assert env["ACCOUNTS_DB"] == str(tmp_path / "accounts.sqlite3")
    added = set(env) - set(settings.environment())
    assert added and all(name in settings.DECLARED for name in added)
