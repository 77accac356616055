"""WCAG 2.1 AA checks of the page and the widget in a real browser."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from bot.languages import load_packs
from tests.conftest import Service
from tests.webchat.conftest import base_url
from tests.webchat.widget import Widget

pytestmark = [pytest.mark.integration, pytest.mark.browser, pytest.mark.slow]

# Names no surface, so the surface step shows its buttons.
GRAFFITI = "there is graffiti at 200 N Spring St"
SURFACES = ["Wall", "Fence", "Sign", "Sidewalk", "Pole", "Other"]

CONTRAST_JS = """
(selectors) => {
  const parse = (value) => {
    const m = value.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  };
  const over = (top, bottom) => ({
    r: top.r * top.a + bottom.r * (1 - top.a), g: top.g * top.a + bottom.g * (1 - top.a),
    b: top.b * top.a + bottom.b * (1 - top.a), a: 1});
  const background = (el) => {
    const layers = [];
    for (let n = el; n; n = n.parentElement) {
      const c = parse(getComputedStyle(n).backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    return layers.reverse().reduce((under, layer) => over(layer, under),
                                   {r: 255, g: 255, b: 255, a: 1});
  };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const ratio = (el) => {
    const bg = background(el);
    const fg = over(parse(getComputedStyle(el).color), bg);
    const [hi, lo] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    return Math.round(((hi + 0.05) / (lo + 0.05)) * 100) / 100;
  };
  const named = selectors.map((s) => {
    const el = document.querySelector(s);
    return [s, el ? ratio(el) : null];
  });
  // Every visible element that holds text of its own.
  const all = [];
  for (const el of document.body.querySelectorAll('*')) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length || el.closest('.visually-hidden')) continue;
    if (getComputedStyle(el).visibility === 'hidden') continue;
    all.push([el.tagName.toLowerCase() + '.' + el.className + ' "' +
              el.textContent.trim().slice(0, 30) + '"', ratio(el)]);
  }
  return {named, all};
}
"""


def opened_with_quick_replies(new_widget: Any, url: str, **options: Any) -> Widget:
    """A conversation whose last reply offers buttons, reloaded so focus starts at the top."""
    widget: Widget = new_widget(url, **options)
    widget.page.focus("#webchat-input")
    widget.say(GRAFFITI)
    assert widget.quick_replies() == SURFACES
    widget.reload()
    return widget


def test_focus_order_is_sensible_and_every_stop_shows_a_focus_indicator(
    webchat: Service, new_widget: Any
) -> None:
    widget = opened_with_quick_replies(new_widget, base_url(webchat))
    menu = [pack.name for pack in load_packs()]  # the language menu: every pack, in order
    stops = []
    for _ in range(13 + len(menu)):
        widget.tab()
        stops.append(
            widget.page.evaluate(
                """() => { const el = document.activeElement, s = getComputedStyle(el);
                    return {name: el.id || el.textContent.trim(), outline: s.outlineStyle,
                            width: parseFloat(s.outlineWidth), cls: el.className}; }"""
            )
        )
    names = [stop["name"] for stop in stops]
    assert names[0] == "Skip to the chat"
    assert names[1:3] == ["webchat-input", "webchat-send"]
    assert names[3:9] == SURFACES
    assert names[9] == "webchat-locate"  # "Use my location"
    end = 10 + len(menu)
    assert names[10:end] == menu
    assert menu[:2] == ["English", "Español"]
    assert names[end:end + 3] == ["911", "3-1-1", "(213) 473-3231"]
    for stop in stops:
        assert stop["outline"] != "none" and stop["width"] >= 2, stop


def test_controls_are_named_in_the_current_language_and_replies_go_to_a_live_log(
    webchat: Service, new_widget: Any
) -> None:
    widget: Widget = new_widget(base_url(webchat))
    page = widget.page
    log = page.get_by_role("log", name="Conversation")
    assert log.get_attribute("aria-live") == "polite"
    assert page.get_by_role("status").count() == 1
    assert page.get_by_role("textbox", name="Your message").is_visible()
    assert page.get_by_role("button", name="Send").is_visible()
    assert page.get_by_role("link", name="Skip to the chat").count() == 1

    page.focus("#webchat-input")
    widget.say("hola")
    widget.say("hay grafiti en 200 N Spring St")
    # The newest reply is inside the live log, which announces additions politely.
    spanish_log = page.get_by_role("log", name="Conversación")
    assert "¿Dónde está pintado el grafiti?" in spanish_log.inner_text()
    assert spanish_log.get_attribute("aria-relevant") == "additions"
    assert page.get_by_role("textbox", name="Su mensaje").is_visible()
    assert page.get_by_role("button", name="Enviar").is_visible()
    quick = page.get_by_role("group", name="Respuestas sugeridas")
    assert quick.get_by_role("button", name="Pared").is_visible()
    assert page.get_by_role("group", name="Idioma del chat").is_visible()

    # Nothing interactive is left without an accessible name.
    tree = page.locator("body").aria_snapshot()
    controls = re.compile(r"^\s*- (button|link|textbox|group|log|region|combobox)\b")
    lines = [line for line in tree.splitlines() if controls.match(line)]
    unnamed = [line for line in lines if not re.match(r'^\s*- \w+ "[^"]+"', line)]
    assert len(lines) >= 12, tree
    assert unnamed == [], tree


def test_phone_width_has_no_horizontal_scroll_even_with_long_words(
    webchat: Service, new_widget: Any, screenshots: Path
) -> None:
    widget: Widget = new_widget(
        base_url(webchat), viewport={"width": 360, "height": 740}, is_mobile=True,
        has_touch=True, device_scale_factor=2,
    )
    page = widget.page
    page.focus("#webchat-input")
    widget.say("graffiti at 200 N Spring St " + "x" * 150)
    for width in (360, 320):
        page.set_viewport_size({"width": width, "height": 740})
        assert page.evaluate(
            "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        ), f"horizontal scroll at {width} px"
        for selector in ("#webchat-input", "#webchat-send", '[data-lang="es"]'):
            box = page.locator(selector).bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, selector


def test_200_percent_zoom_keeps_every_control_usable_by_keyboard(
    webchat: Service, new_widget: Any, screenshots: Path
) -> None:
    # A 1280 x 900 window at 200 % zoom lays the page out in 640 x 450 CSS pixels.
    widget = opened_with_quick_replies(
        new_widget, base_url(webchat), viewport={"width": 640, "height": 450},
        device_scale_factor=2,
    )
    page = widget.page
    assert page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    font_px = page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)")
    assert font_px >= 16
    for control in ["#webchat-input", "#webchat-send", "#webchat-quick button",
                    '[data-lang="en"]', '[data-lang="es"]']:
        for box in [b.bounding_box() for b in page.locator(control).all()]:
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= 640, control
            assert box["height"] >= 24, control
    widget.tab(2)
    assert widget.focused()["id"] == "webchat-input"
    widget.choose("Fence")
    assert widget.texts("user")[-1] == "Fence"
    page.screenshot(path=str(screenshots / "webchat-en-zoom200.png"))


def test_text_contrast_is_at_least_4_5_to_1(webchat: Service, new_widget: Any) -> None:
    widget = opened_with_quick_replies(new_widget, base_url(webchat))
    result = widget.page.evaluate(
        CONTRAST_JS,
        [
            "body", "h1", ".intro", ".site-title", ".chat__title", ".chat__label",
            ".chat__hint", ".privacy", ".site-footer__note", ".site-footer a",
            ".msg--bot .msg__text", ".msg--bot .msg__who", ".msg--user .msg__text",
            ".msg--user .msg__who", "#webchat-send", "#webchat-quick button",
            '[data-lang="en"]', '[data-lang="es"]', "#webchat-input",
        ],
    )
    missing = [selector for selector, ratio in result["named"] if ratio is None]
    assert missing == []
    low = [(where, ratio) for where, ratio in result["named"] + result["all"] if ratio < 4.5]
    assert low == [], low
    assert len(result["all"]) > 20


def test_reduced_motion_turns_the_typing_animation_off(
    webchat: Service, new_widget: Any
) -> None:
    moving: Widget = new_widget(base_url(webchat))
    still: Widget = new_widget(base_url(webchat), reduced_motion="reduce")
    script = "() => getComputedStyle(document.querySelector('.chat__dots span')).animationName"
    assert moving.page.evaluate(script) == "chat-dot"
    assert still.page.evaluate(script) == "none"
