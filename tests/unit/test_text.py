"""Customer text as typed on a phone becomes text the model was trained on."""

import pytest

from bot.nlu.text import Corrections, has_chinese, latin_words, normalize

CORRECTIONS = Corrections({"彩玲": "彩铃", "流两": "流量", "花费余额": "话费余额", "gprs": "GPRS"})


@pytest.mark.parametrize(
    ("typed", "understood"),
    [
        ("彩鈴怎麼收費", "彩铃怎么收费"),  # traditional characters
        ("流量費用太高了吧", "流量费用太高了吧"),
        ("１３８００１３８０００", "13800138000"),  # full-width digits
        ("ＧＰＲＳ是什么", "GPRS是什么"),  # full-width Latin
        ("  彩铃\t\t多少钱 \n", "彩铃 多少钱"),  # stray whitespace
        ("彩铃\x00多少\u200b钱", "彩铃 多少 钱"),  # control and zero-width characters
        ("五十八一个月的套餐", "58一个月的套餐"),  # prices in Chinese numerals
        ("一百二十八块的套餐", "128块的套餐"),
        ("存三百送三百", "存300送300"),
        ("十月份的账单", "10月份的账单"),
        ("一百零八", "108"),
        ("二百五十分钟", "250分钟"),
        ("十分感谢", "十分感谢"),  # 十分 means "very"
        ("两个月", "两个月"),  # single digits are words, left alone
    ],
)
def test_normalize_makes_text_uniform(typed: str, understood: str) -> None:
    assert normalize(typed) == understood


def test_typos_are_corrected_and_latin_matches_any_case() -> None:
    assert normalize("彩玲怎么收费", CORRECTIONS) == "彩铃怎么收费"
    assert normalize("gprs费咋算", CORRECTIONS) == "GPRS费咋算"
    assert normalize("Gprs流两", CORRECTIONS) == "GPRS流量"


def test_longest_correction_wins() -> None:
    corrections = Corrections({"花费": "话费", "花费余额": "话费余额"})
    assert normalize("查花费余额", corrections) == "查话费余额"


def test_correct_text_is_left_alone() -> None:
    assert normalize("彩铃怎么收费", CORRECTIONS) == "彩铃怎么收费"


def test_script_and_word_detection() -> None:
    assert has_chinese("hi 你好")
    assert not has_chinese("hello 5G!")
    assert latin_words("Hi, GPRS and 5G") == {"hi", "gprs", "and", "g"}
