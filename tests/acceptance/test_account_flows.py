"""Account self-service through the real servers and the REST channel, as a customer types it."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from bot.accounts.store import AccountStore
from tests.conftest import RunningAssistant, running_assistant, texts

pytestmark = pytest.mark.server

ZHANG_WEI, PASSWORD = "13800138000", "258013"


@pytest.fixture(autouse=True)
def no_locks(assistant: RunningAssistant) -> None:
    assistant.unlock_demo_accounts()


def verify(assistant: RunningAssistant, sender: str, request: str) -> str:
    """Asks something personal and verifies as 张伟; returns what came after the password."""
    assert "手机号码" in texts(assistant.say(sender, request))
    assert "服务密码" in texts(assistant.say(sender, ZHANG_WEI))
    return texts(assistant.say(sender, PASSWORD))


def test_verified_once_for_the_whole_conversation(assistant: RunningAssistant, sender: str) -> None:
    assert "56.80元" in verify(assistant, sender, "话费还剩多少")
    usage = texts(assistant.say(sender, "流量还剩多少"))
    assert "剩余3.8GB" in usage and "密码" not in usage
    assert "全球通畅享58元套餐" in texts(assistant.say(sender, "我现在是啥套餐"))


def test_the_password_is_never_said_back(assistant: RunningAssistant, sender: str) -> None:
    transcript = verify(assistant, sender, "查余额")
    transcript += texts(assistant.say(sender, "我的账单"))
    assert PASSWORD not in transcript and ZHANG_WEI not in transcript
    assert "138****8000" in transcript


def test_a_question_in_the_middle_of_verification(assistant: RunningAssistant, sender: str) -> None:
    assert "手机号码" in texts(assistant.say(sender, "帮我查下余额"))
    faq = texts(assistant.say(sender, "对了彩铃怎么收费"))
    assert "6元/月" in faq and "手机号码" in faq  # answered, then back to the form
    assert "服务密码" in texts(assistant.say(sender, "138 0013 8000"))
    assert "56.80元" in texts(assistant.say(sender, PASSWORD))


def test_giving_up_in_the_middle(assistant: RunningAssistant, sender: str) -> None:
    assistant.say(sender, "查一下上个月账单")
    assert "取消" in texts(assistant.say(sender, "算了不查了"))
    assert "6元" in texts(assistant.say(sender, "彩铃多少钱"))  # the conversation goes on


def test_another_account_question_instead_of_the_number(
    assistant: RunningAssistant, sender: str
) -> None:
    assistant.say(sender, "查余额")
    assert "验证身份后" in texts(assistant.say(sender, "算了我想看看我是什么套餐"))
    assistant.say(sender, ZHANG_WEI)
    assert "全球通畅享58元套餐" in texts(assistant.say(sender, PASSWORD))


def test_lock_out_after_three_wrong_passwords(assistant: RunningAssistant, sender: str) -> None:
    assistant.say(sender, "查余额")
    assistant.say(sender, "13700137000")
    replies = [texts(assistant.say(sender, "000000")) for _ in range(3)]
    assert "剩余尝试次数：2次" in replies[0] and "剩余尝试次数：1次" in replies[1]
    assert "锁定" in replies[2] and "10086" in replies[2] and "120.00" not in "".join(replies)
    assistant.say(sender, "查余额")
    assistant.say(sender, "13700137000")
    assert "锁定" in texts(assistant.say(sender, "147036"))  # even the right password, for now


def test_cancel_cailing_after_asking_its_price(assistant: RunningAssistant, sender: str) -> None:
    store = AccountStore(assistant.accounts_db)
    if "cailing" not in {service["code"] for service in store.services(ZHANG_WEI)["services"]}:
        store.subscribe(ZHANG_WEI, "cailing")  # other cases may have cancelled it already
    assert "6元" in texts(assistant.say(sender, "彩铃一个月多少钱"))
    confirm = verify(assistant, sender, "那帮我退掉吧")
    assert "确认" in confirm and "彩铃" in confirm and "次月起不再收取" in confirm
    done = texts(assistant.say(sender, "确认"))
    assert "已为您退订彩铃" in done
    assert "彩铃" not in texts(assistant.say(sender, "我开通了哪些业务"))


# -- the account service fails -----------------------------------------------------------------


@pytest.fixture(scope="module")
def hanging_service() -> Iterator[str]:
    """A server that accepts connections and never answers."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    server.close()


@pytest.fixture(scope="module")
def assistant_with_hanging_accounts(
    hanging_service: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningAssistant]:
    log = tmp_path_factory.mktemp("hanging") / "run.log"
    with running_assistant(log, accounts_url=hanging_service) as running:
        yield running


def test_a_slow_account_service_gets_an_apology_and_sms_codes(
    assistant_with_hanging_accounts: RunningAssistant, sender: str
) -> None:
    bot = assistant_with_hanging_accounts
    bot.say(sender, "查余额")
    reply = texts(bot.say(sender, ZHANG_WEI))
    assert "响应太慢" in reply and "稍后再试" in reply and "YE" in reply and "CXLL" in reply
    assert "6元" in texts(bot.say(sender, "彩铃怎么收费"))  # the conversation goes on
    assert "手机号码" in texts(bot.say(sender, "查余额"))  # and can try again


def test_nothing_personal_in_the_logs(assistant: RunningAssistant, sender: str) -> None:
    verify(assistant, sender, "查余额")
    log = assistant.log_path.read_text(encoding="utf-8", errors="replace")
    assert ZHANG_WEI not in log and PASSWORD not in log
