"""SMS encoding and segment arithmetic, and shortening replies to a segment budget.

An SMS is sent GSM-7 when every character is in the GSM 03.38 default alphabet (basic table,
or the extension table at two septets each: an escape plus the character), otherwise UCS-2
(UTF-16 code units; a character outside the BMP such as an emoji takes two). A single segment
holds 160 GSM-7 septets or 70 UCS-2 units. A longer message is sent as a concatenated SMS whose
parts each carry a 6-octet user data header, leaving 153 septets or 67 units per part; a
character is never split across two parts.

For Spanish: é, ñ, Ñ, ü, Ü, ¿ and ¡ are in the basic table, but á, í, ó, ú (and Á, Í, Ó, Ú) are
not, so one "más" turns a whole reply into UCS-2 and cuts its per-segment room by more than half.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

Encoding = Literal["GSM-7", "UCS-2"]

# 3GPP TS 23.038 (GSM 03.38) default alphabet, rows 0x00-0x7F, without 0x1B (the escape).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
# Extension table: each is sent as ESC + code, so it costs two septets.
GSM7_EXTENSION = frozenset("\f^{}\\[]~|€")

GSM7_SINGLE = 160
GSM7_PER_PART = 153
UCS2_SINGLE = 70
UCS2_PER_PART = 67

ELLIPSIS_UCS2 = "…"
# "…" is not GSM-7: appending it to a GSM-7 reply would make the whole reply UCS-2.
ELLIPSIS_GSM7 = "..."

_URL = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)
_URL_TRAILING = ".,;:!?)]}'\""
_SENTENCE_END = re.compile(r"[.!?…](?=\s)")


# Typographic characters outside GSM-7 and their plain equivalents, as Twilio's "Smart
# Encoding" replaces them (TwilioDevEd/message-segment-calculator, SmartEncodingMap.ts).
# One bullet or curly quote would otherwise make a whole English reply UCS-2.
_SMART = str.maketrans(
    {
        **dict.fromkeys("“”„‟«»＂", '"'),
        **dict.fromkeys("‘’‚‛´`ʹʼ′", "'"),
        **dict.fromkeys("‐‑‒–—―−•·‣⁃", "-"),
        **dict.fromkeys(
            "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
            "\u200a\u202f\u205f\u3000\t",
            " ",
        ),
        **dict.fromkeys("\u200b\u200c\u200d\u2060\ufeff", ""),
        "…": "...",
    }
)


def smart_encode(text: str) -> str:
    """Replace typographic quotes, dashes, bullets, ellipses and odd spaces with GSM-7 ones.

    Only when that makes the whole reply GSM-7. A reply whose letters need UCS-2 anyway
    ("월·수·금", "¿Dónde está? — …") is left as written: replacing would save nothing ("…" is
    one UCS-2 unit, "..." three) and can change the meaning ("월-금" reads Monday to Friday).

    Args:
        text: a reply.

    Returns:
        The reply with those characters replaced, or as it was.
    """
    replaced = text.translate(_SMART)
    return replaced if is_gsm7(replaced) else text


@dataclass(frozen=True)
class SegmentInfo:
    """How a text would travel as SMS.

    Attributes:
        encoding: "GSM-7" or "UCS-2".
        units: septets (GSM-7) or UTF-16 code units (UCS-2) of the whole text.
        segments: number of SMS segments billed (0 for an empty text).
    """

    encoding: Encoding
    units: int
    segments: int


def is_gsm7(text: str) -> bool:
    """Whether every character of ``text`` is in the GSM-7 basic or extension table.

    Args:
        text: the message text.

    Returns:
        True when the text can be sent GSM-7.
    """
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def encoding_of(text: str) -> Encoding:
    """The encoding a text needs: "GSM-7" when possible, else "UCS-2".

    Args:
        text: the message text.

    Returns:
        "GSM-7" or "UCS-2".
    """
    return "GSM-7" if is_gsm7(text) else "UCS-2"


def _char_cost(ch: str, encoding: Encoding) -> int:
    if encoding == "GSM-7":
        return 2 if ch in GSM7_EXTENSION else 1
    return 2 if ord(ch) > 0xFFFF else 1


def analyze(text: str) -> SegmentInfo:
    """Encoding, size and segment count of a text.

    Args:
        text: the message text.

    Returns:
        A :class:`SegmentInfo`.
    """
    encoding = encoding_of(text)
    costs = [_char_cost(ch, encoding) for ch in text]
    units = sum(costs)
    single, per_part = (
        (GSM7_SINGLE, GSM7_PER_PART) if encoding == "GSM-7" else (UCS2_SINGLE, UCS2_PER_PART)
    )
    if units == 0:
        return SegmentInfo(encoding, 0, 0)
    if units <= single:
        return SegmentInfo(encoding, units, 1)
    parts, used = 1, 0
    for cost in costs:  # characters are never split across parts
        if used + cost > per_part:
            parts, used = parts + 1, 0
        used += cost
    return SegmentInfo(encoding, units, parts)


def count_segments(text: str) -> int:
    """Number of SMS segments a text is billed as (0 for an empty text).

    Args:
        text: the message text.

    Returns:
        The segment count.
    """
    return analyze(text).segments


def fits(text: str, max_segments: int) -> bool:
    """Whether a text travels in at most ``max_segments`` segments.

    Args:
        text: the message text.
        max_segments: the budget.

    Returns:
        True when it fits.
    """
    return count_segments(text) <= max_segments


def url_spans(text: str) -> list[tuple[int, int]]:
    """Start and end offsets of every http(s) URL, without trailing sentence punctuation.

    Args:
        text: the message text.

    Returns:
        Sorted (start, end) pairs.
    """
    spans = []
    for match in _URL.finditer(text):
        url = match.group().rstrip(_URL_TRAILING)
        spans.append((match.start(), match.start() + len(url)))
    return spans


def _inside_url(pos: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(start < pos < end for start, end in spans)


def _ellipsis_for(*parts: str) -> str:
    return ELLIPSIS_GSM7 if is_gsm7("".join(parts)) else ELLIPSIS_UCS2


def _cut(text: str, pos: int, ellipsis: str) -> str:
    """``text[:pos]`` marked as shortened."""
    head = text[:pos].rstrip()
    if not head:
        return ""
    last_word = head.rsplit(None, 1)[-1]
    if head[-1] in ".!?…" or _URL.match(last_word):
        # After a URL the mark must stand apart, or phones make it part of the link.
        return f"{head} {ellipsis}"
    return head.rstrip(",;:-–—") + ellipsis


def _longest_head(
    text: str, budget_ok: Callable[[str], bool], spans: Sequence[tuple[int, int]], ellipsis: str
) -> tuple[int, str]:
    """The longest shortened head of ``text`` accepted by ``budget_ok`` and its cut position.

    Returns (0, "") when not even one word fits.
    """
    sentence_cuts = [m.end() for m in _SENTENCE_END.finditer(text)]
    word_cuts = [m.start() for m in re.finditer(r"\s", text)]
    sentence_cuts = [p for p in sentence_cuts if not _inside_url(p, spans)]
    word_cuts = [p for p in word_cuts if not _inside_url(p, spans)]

    def best(cuts: list[int]) -> tuple[int, str]:
        # budget_ok is monotonic in the head's length: binary search the cut positions.
        lo, hi, found = 0, len(cuts) - 1, (0, "")
        while lo <= hi:
            mid = (lo + hi) // 2
            candidate = _cut(text, cuts[mid], ellipsis)
            if budget_ok(candidate):
                found, lo = (cuts[mid], candidate), mid + 1
            else:
                hi = mid - 1
        return found

    sentence_pos, sentence_head = best(sentence_cuts)
    word_pos, word_head = best(word_cuts)
    # A sentence end reads better, unless it throws away more than half of what fits.
    if sentence_head and sentence_pos * 2 >= word_pos:
        return sentence_pos, sentence_head
    if word_head:
        return word_pos, word_head
    # One endless word: cut between characters, still never inside a URL.
    char_cuts = [p for p in range(1, len(text)) if not _inside_url(p, spans)]
    return best(char_cuts)


def fit_sms(text: str, max_segments: int = 3, *, suffix: str = "") -> str:
    """Shorten a reply so that it travels in at most ``max_segments`` segments.

    The text is cut at a sentence end (or, failing that, a word boundary) and marked with an
    ellipsis ("..." while the reply is GSM-7, "…" when it is UCS-2 anyway). A cut never falls
    inside an http(s) URL: when keeping the text in front of a URL would push the URL out, that
    text is shortened instead and the URL is kept whole (unless the URL alone is over budget).

    Args:
        text: the reply.
        max_segments: the segment budget for the whole SMS, suffix included.
        suffix: text that must survive whole after the reply (e.g. numbered options),
            appended after a newline.

    Returns:
        The reply, shortened when needed, with the suffix appended.
    """
    text = text.strip()
    joiner = "\n" if text and suffix else ""

    def assemble(body: str) -> str:
        return f"{body}{joiner if body else ''}{suffix}"

    def ok(body: str) -> bool:
        return fits(assemble(body), max_segments)

    if ok(text):
        return assemble(text)

    ellipsis = _ellipsis_for(text, suffix)
    spans = url_spans(text)
    cut, head = _longest_head(text, ok, spans, ellipsis)
    lost = [span for span in spans if span[1] > cut]
    if not lost:
        return assemble(head)

    # The cut would drop a URL: keep it (and, if possible, what follows it) and shorten
    # the text before it instead.
    start, end = lost[0]
    before, url, after = text[:start].rstrip(), text[start:end], text[end:].rstrip()
    for tail in (url + after, url):
        if not ok(tail):
            continue
        if ok(f"{before} {tail}".strip()):
            return assemble(f"{before} {tail}".strip())
        return assemble(f"{_lead_for(before, tail, ok, ellipsis)} {tail}".strip())
    return assemble(head)


def _lead_for(before: str, tail: str, ok: Callable[[str], bool], ellipsis: str) -> str:
    """The longest shortened head of ``before`` that still fits in front of ``tail``."""
    return _longest_head(
        before, lambda head: ok(f"{head} {tail}".strip()), url_spans(before), ellipsis
    )[1]


def split_for_sms(messages: Iterable[str], max_segments: int = 3) -> list[str]:
    """Turn a turn's bot messages into the SMS bodies to send, in order.

    Each body travels in at most ``max_segments`` segments. Consecutive messages share one SMS
    (separated by a blank line) while they fit, because separate SMS can reach the phone out of
    order; a message that alone is over budget is shortened with :func:`fit_sms`. Empty
    messages are dropped.

    Args:
        messages: the bot's texts, in order.
        max_segments: the segment budget of each SMS.

    Returns:
        The SMS bodies.
    """
    bodies: list[str] = []
    for message in messages:
        message = message.strip()
        if not message:
            continue
        message = fit_sms(message, max_segments)
        if bodies and fits(f"{bodies[-1]}\n\n{message}", max_segments):
            bodies[-1] = f"{bodies[-1]}\n\n{message}"
        else:
            bodies.append(message)
    return bodies
