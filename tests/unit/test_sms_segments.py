"""Replies split for phones: what a customer's phone shows as one message or as parts."""

from hypothesis import given
from hypothesis import strategies as st

from bot.channels.sms.segments import PART_LIMIT, SINGLE_LIMIT, split, units

# Chinese, ASCII, punctuation we break at, line breaks and emoji outside the BMP.
REPLY_CHARACTERS = st.one_of(
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    st.sampled_from(list("。，；！？\n 0123456789元MBGB/")),
    st.characters(min_codepoint=0x1F600, max_codepoint=0x1F64F),
    st.characters(codec="utf-8"),
)


@given(st.text(REPLY_CHARACTERS, max_size=800))
def test_parts_join_to_the_original_and_fit_a_phone(text: str) -> None:
    parts = split(text)
    assert "".join(parts) == text
    if units(text) <= SINGLE_LIMIT:
        assert parts == ([text] if text else [])
    else:
        assert len(parts) >= 2
        assert all(0 < units(part) <= PART_LIMIT for part in parts)


def test_seventy_chinese_characters_are_one_message() -> None:
    text = "流" * 70
    assert split(text) == [text]


def test_seventy_one_are_two_parts_of_at_most_67() -> None:
    parts = split("流" * 71)
    assert [len(part) for part in parts] == [67, 4]


def test_an_emoji_counts_two_and_is_never_cut_in_half() -> None:
    text = "好" * 66 + "😀" + "好" * 10
    parts = split(text)
    assert "".join(parts) == text
    assert parts[0] == "好" * 66  # the emoji would make 68 units
    assert parts[1].startswith("😀")


def test_parts_end_at_a_sentence_when_one_is_near() -> None:
    sentence = "超出套餐的流量按0.29元/MB计费，每日封顶3元。"
    parts = split(sentence * 5)
    assert all(part.endswith(("。", "，")) for part in parts[:-1])
