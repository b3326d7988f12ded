"""Customer text as typed on a phone becomes text the model was trained on."""

from pathlib import Path

import pytest
import yaml

from bot.nlu.text import Corrections, has_chinese, latin_words, normalize, without_punctuation

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


# --- The project's own lexicon (data/lexicon/corrections.yml), read like TextNormalizer does.

ROOT = Path(__file__).resolve().parents[2]


def _corrections_file() -> dict[object, object]:
    content = yaml.safe_load((ROOT / "data/lexicon/corrections.yml").read_text(encoding="utf-8"))
    return content["corrections"]


LEXICON = Corrections({str(k): str(v) for k, v in _corrections_file().items()})


def test_every_correction_is_text() -> None:
    """YAML reads an unquoted no, on or y as a boolean: such a key would silently be "False"."""
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in _corrections_file().items())


@pytest.mark.parametrize(
    ("typed", "understood"),
    [
        ("<p>彩铃怎么收费</p>", "彩铃怎么收费"),
        ('<div class="question">流量超了<br/>怎么收费</div>', "流量超了 怎么收费"),
        ("<b>彩</b>铃怎么收费", "彩铃怎么收费"),  # inline tags leave no space inside a word
        ('<script>alert("彩铃")</script>彩铃怎么收费', "彩铃怎么收费"),  # script content dropped
        ("<style>p {color: red}</style><p>过户要带什么</p>", "过户要带什么"),
        ("<!-- 客服 -->套餐怎么改", "套餐怎么改"),
        ("彩铃&nbsp;怎么收费", "彩铃 怎么收费"),
        ("&lt;p&gt;彩铃怎么收费&lt;/p&gt;", "彩铃怎么收费"),  # escaped HTML
        ("&#24425;&#38083;怎么收费&#65311;", "彩铃怎么收费?"),
        ("流量&amp;话费", "流量&话费"),
        ("```\n彩铃怎么收费\n```", "彩铃怎么收费"),
        ('```python\nprint("流量超了怎么收费")\n```', "流量超了怎么收费"),
        ("`彩铃`怎么收费", "彩铃怎么收费"),
        ('{"question": "彩铃怎么收费"}', "彩铃怎么收费"),
        ('{"question": "彩铃怎么收费", "lang": "zh"}', "彩铃怎么收费"),
        ('print("流量超了怎么收费")', "流量超了怎么收费"),
        ("console.log('过户要带什么');", "过户要带什么"),
        ('{"q": "\\u5f69\\u94c3\\u600e\\u4e48\\u6536\\u8d39"}', "彩铃怎么收费"),  # JSON escapes
        ("{“question”：“彩铃怎么收费”}", "彩铃怎么收费"),  # typed with a Chinese keyboard
        ("**彩铃**怎么收费", "彩铃怎么收费"),  # markdown bold
    ],
)
def test_markup_and_code_around_a_question_are_dropped(typed: str, understood: str) -> None:
    assert normalize(typed) == understood


@pytest.mark.parametrize(
    ("typed", "understood"),
    [
        ("<script>彩铃怎么收费</script>", "彩铃怎么收费"),  # all the question there is
        ('他说"彩铃"怎么收费', '他说"彩铃"怎么收费'),  # a sentence, not code
        ("<彩铃>怎么收费", "<彩铃>怎么收费"),  # not a tag
        ("```cl咋收费```", "cl咋收费"),  # not a fence's language name
        ("HTML是什么意思", "HTML是什么意思"),
        ("AT&T的卡能用吗", "AT&T的卡能用吗"),  # not an entity
        ("拨打**21*13800138000#设置呼叫转移", "拨打**21*13800138000#设置呼叫转移"),  # USSD
    ],
)
def test_the_question_itself_is_never_dropped(typed: str, understood: str) -> None:
    assert normalize(typed) == understood


@pytest.mark.parametrize(
    ("typed", "understood"),
    [
        ("彩铃怎么收费😡😡😡", "彩铃怎么收费"),
        ("谢谢🙏👍❤️", "谢谢"),  # ❤️ is ❤ and a variation selector
        ("👨‍👩‍👧全家的套餐", "全家的套餐"),  # joined by zero-width joiners
        ("👍🏻好的", "好的"),  # skin tone
        ("★★流量包★★", "流量包"),
        ("流量超了~~~", "流量超了~"),
        ("怎么收费！！！", "怎么收费!"),
        ("怎么收费？？？", "怎么收费?"),
        ("这是什么？！？！", "这是什么?"),  # a question stays a question
        ("彩铃。。。", "彩铃。"),
        ("彩铃，，，多少钱", "彩铃,多少钱"),
        ("彩铃 、、 套餐", "彩铃 、 套餐"),
        ("流量超了😡~~~！！！？？？", "流量超了?"),
        ("彩铃   \u3000多少钱", "彩铃 多少钱"),
    ],
)
def test_emoji_and_decoration_are_removed_or_collapsed(typed: str, understood: str) -> None:
    assert normalize(typed) == understood


@pytest.mark.parametrize(
    ("typed", "understood"),
    [
        ("7×24小时都能打吗", "7×24小时都能打吗"),
        ("营业时间是9:00-18:00吗", "营业时间是9:00-18:00吗"),
        ("【彩铃】怎么收费？", "【彩铃】怎么收费?"),  # full-width to half-width, as before
        ("存300送300，好吗？", "存300送300,好吗?"),
        ("0.29元/MB对吗", "0.29元/MB对吗"),
        ("https://www.10086.cn/a?b=1", "https://www.10086.cn/a?b=1"),
        ("30℃", "30°C"),
        ("“彩铃”和『炫铃』", "“彩铃”和『炫铃』"),
        ("呃 嗯嗯 那个那个 就是说 彩铃怎么收费", "呃 嗯嗯 那个那个 就是说 彩铃怎么收费"),  # fillers
    ],
)
def test_ordinary_punctuation_and_words_are_kept(typed: str, understood: str) -> None:
    assert normalize(typed) == understood


@pytest.mark.parametrize(
    ("typed", "kept"), [("🙂🙂", "🙂🙂"), ("😡！！！", "😡!"), ("<br/>", "<br/>"), ("？？？", "?")]
)
def test_nothing_but_emoji_or_markup_is_left_for_the_noise_guard(typed: str, kept: str) -> None:
    assert normalize(typed, LEXICON) == kept


@pytest.mark.parametrize(
    "intent_message", ["/affirm", '/inform{"plan": "全球通畅享五十八元套餐"}', "/check_usage"]
)
def test_a_message_naming_an_intent_is_left_for_rasa(intent_message: str) -> None:
    assert normalize(intent_message, LEXICON) == intent_message


@pytest.mark.parametrize(
    ("typed", "understood"),
    [
        ("cl咋收费", "彩铃咋收费"),  # a Latin word ends where Chinese begins
        ("ll超了咋算", "流量超了咋算"),
        ("LL超了咋算", "流量超了咋算"),
        ("Tc怎么改", "套餐怎么改"),
        ("查下hf", "查下话费"),
        ("gh要带啥", "过户要带啥"),
        ("yyt几点关门", "营业厅几点关门"),
        ("ldxs收费吗", "来电显示收费吗"),
        ("58的tc", "58的套餐"),
        ("tc58包含什么", "套餐58包含什么"),  # digits end a Latin word too
        ("`cl`咋收费", "彩铃咋收费"),
        ("cai ling duo shao qian", "彩铃多少钱"),
        ("Cai  Ling怎么收费", "彩铃怎么收费"),
        ("cailingzenmeshoufei", "彩铃怎么收费"),  # pinyin typed in one go
        ("liuliang chao le zen me ban", "流量 chao le 怎么办"),  # no guessing at other pinyin
        ("tao can zen me gai", "套餐怎么 gai"),
        ("guo hu yao shen me", "过户 yao shen me"),
        ("hua fei yu e", "话费 yu e"),  # yu e is left: yue is also 月
        ("zhuan ren gong", "转人工"),
        ("kuan dai", "宽带"),
        ("5G gprs流量", "5G GPRS流量"),  # Latin words keep the space between them
    ],
)
def test_letter_abbreviations_and_pinyin_become_chinese(typed: str, understood: str) -> None:
    assert normalize(typed, LEXICON) == understood


@pytest.mark.parametrize(
    "typed",
    [
        "yyds是什么意思",  # a longer Latin word
        "hello",
        "上个月的bill",
        "I'll call tomorrow",  # English contractions
        "kd到了吗",  # kd is 快递 as often as 宽带: no key
        "www.tc.com",
        "cailing-fee",
        "faq/gprs_what",
        "fuji",
    ],
)
def test_latin_words_that_only_contain_an_abbreviation_are_left(typed: str) -> None:
    assert normalize(typed, LEXICON) == typed


def _sms_codes() -> list[str]:
    phrasebook = yaml.safe_load((ROOT / "data/channels/sms.yml").read_text(encoding="utf-8"))
    keywords = [str(word) for words in phrasebook["keywords"].values() for word in words]
    # The short codes of docs/knowledge_base.md (A5, B7, C3), with the bridge's own.
    return sorted({*keywords, *map(str, phrasebook["short_codes"]), "KTCL", "QXCL", "QXGPRS"})


@pytest.mark.parametrize("code", _sms_codes())
def test_sms_codes_stay_as_they_are(code: str) -> None:
    for typed in (code, code.lower(), f"发送{code}到10086", f"发{code.lower()}到10086"):
        assert normalize(typed, LEXICON) == typed


@pytest.mark.parametrize(
    ("typed", "understood"),
    [
        ("彩灵怎么收费", "彩铃怎么收费"),
        ("踩铃多少钱", "彩铃多少钱"),
        ("溜量超了", "流量超了"),
        ("我的套蚕是啥", "我的套餐是啥"),
        ("锅户要带啥", "过户要带啥"),
        ("话肥还剩多少", "话费还剩多少"),
        ("查余鹅", "查余额"),
        ("欠废了会停机吗", "欠费了会停机吗"),
        ("怎么冲值", "怎么充值"),
        ("为啥停鸡了", "为啥停机了"),
        ("复鸡要多久", "复机要多久"),
        ("营业庭几点开门", "营业厅几点开门"),
        ("来电显式收费吗", "来电显示收费吗"),
        ("流量节转到下个月吗", "流量结转到下个月吗"),
        ("帮我退定彩铃", "帮我退订彩铃"),
        ("退定cl", "退订彩铃"),  # the abbreviation first, then the typo around it
        ("短讯查流量", "短信查流量"),
    ],
)
def test_domain_typos_are_corrected(typed: str, understood: str) -> None:
    assert normalize(typed, LEXICON) == understood


@pytest.mark.parametrize(
    "correct",
    ["通过互联网办理", "停留两天", "变化费用", "高于额度", "接转人工", "退定金", "春节转账"],
)
def test_typo_keys_are_not_parts_of_correct_phrases(correct: str) -> None:
    assert normalize(correct, LEXICON) == correct


def test_the_lexicon_never_rewrites_the_knowledge_base() -> None:
    """The operator's FAQ is correct text: a key that changes it is a key that means more."""
    knowledge = (ROOT / "docs/knowledge_base.md").read_text(encoding="utf-8")
    assert LEXICON.apply(knowledge) == knowledge


def test_latin_keys_that_read_alike_must_agree() -> None:
    with pytest.raises(ValueError, match="cailing"):
        Corrections({"cai ling": "彩铃", "cailing": "菜铃"})


def test_a_phrase_is_split_where_the_longest_key_first_would_fail() -> None:
    corrections = Corrections({"ab": "1", "abc": "2", "cd": "3"})
    assert corrections.apply("abcd") == "13"
    assert corrections.apply("abc") == "2"
    assert corrections.apply("abcdx") == "abcdx"


@pytest.mark.parametrize(
    "hostile",
    ["cl" * 3000, "cl " * 3000, "cl" * 3000 + "x", "<a " * 3000, '"' * 5000 + "{", "&#" * 5000,
     "**" * 5000 + "a", "<script>" * 2000, "\\u" * 5000, "!?" * 5000, "彩铃" * 5000],
)  # fmt: skip
def test_long_hostile_messages_are_normalised(hostile: str) -> None:
    """Patterns that could backtrack on such input; `make bench` measures the speed."""
    assert isinstance(normalize(hostile, LEXICON), str)


@pytest.mark.parametrize(
    ("text", "particles", "left"),
    [("好的！！", "", "好的"), ("不用了，谢谢 🙂", "", "不用了谢谢"), ("ok_好-的", "", "ok好的"),
     ("吗？呢", "", "吗呢"), ("吗？呢", "吗呢", ""), ("彩铃吗 ？", "吗呢", "彩铃"),
     ("5G呀", "呀", "5G")],
)  # fmt: skip
def test_what_says_nothing_is_stripped(text: str, particles: str, left: str) -> None:
    assert without_punctuation(text, particles) == left
