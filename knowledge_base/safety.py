"""Spot messages about immediate danger, which must lead with "call 911".

Deliberately simple and explainable: word patterns in English and Spanish for fire, downed power
lines, gas leaks, crimes in progress and people hurt. A false alarm costs one extra sentence; a
miss could cost much more, so the patterns lean towards matching.
"""

from __future__ import annotations

import re

from knowledge_base.text import fold

_DANGER = [
    r"\b(on fire|catch(ing)? fire|caught fire|house fire|brush fire|wildfire|flames?|smoke)\b",
    r"\bfire\b(?! hydrant| department hours| inspection| permit)",
    r"\b(power|electric(al)?|live) (line|lines|wire|wires|cable)s? (is |are )?(down|fell|fallen|"
    r"sparking|on the ground)",
    r"\b(downed|fallen|sparking|live) (power |electric(al)? )?(line|lines|wire|wires)\b",
    r"\b(on|onto|into|touching|hit|hitting) (the |a )?(power|electric(al)?) (line|lines|wires?)\b",
    r"\b(gas leak|smell(s|ing)? (of )?gas|gas smell)\b",
    r"\b(break(ing)?[- ]in|breaking into|robbing|robbery|being robbed|burglar|shooting|"
    r"shots fired|gun ?shots?|someone with a (gun|knife)|stabb(ed|ing)|assault(ed|ing)?|"
    r"kidnap|fight(ing)? (right now|outside)|domestic violence|attacking)\b",
    r"\b(someone|somebody|person|man|woman|child|kid) (is |got )?(hurt|injured|bleeding|"
    r"unconscious|not breathing|drowning|hit by a car)\b",
    r"\b(heart attack|overdos(e|ing)|not breathing|can'?t breathe|car crash|hit and run)\b",
    r"\b(incendio|fuego|se esta quemando|se quema|humo|llamas)\b",
    r"\b(cables?|lineas?|alambres?) (electric[oa]s? |de luz )?(caid[oa]s?|tirad[oa]s?|"
    r"en el suelo|echando chispas|sueltos?)",
    r"\b(sobre|encima de|tocando) (los |el |un )?(cables?|alambres?) (de luz|electric[oa]s?)",
    r"\b(fuga de gas|huele a gas|olor a gas)\b",
    r"\b(robando|robo|asalto|asaltando|disparos|balazos|balacera|pistola|arma|cuchillo|"
    r"apunalad[oa]|pelea|violencia domestica|secuestr\w*|se metieron a (mi|la) casa)\b",
    r"\b(herid[oa]s?|sangrando|inconsciente|no respira|ataque al corazon|sobredosis|"
    r"atropell\w*|choque|accidente de carro|ahogando)\b",
]
_PATTERNS = [re.compile(p, re.IGNORECASE) for p in _DANGER]


def is_emergency(text: str) -> bool:
    """Whether the message describes immediate danger (English or Spanish, accents optional)."""
    folded = fold(text or "")
    return any(p.search(folded) for p in _PATTERNS)
