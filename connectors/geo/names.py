"""Words of addresses in English and Spanish, and names of places outside Los Angeles.

Small, hand-written tables (street suffixes, directions, ordinals, US states, big cities
residents name); everything that comes from the City's and County's data lives in
``connectors/geo/data`` instead.
"""

from __future__ import annotations

import re
from typing import Literal

from bot.text import fold as fold_accents

_NON_WORD = re.compile(r"[^a-z0-9&/@#,½\- ]+")


def fold(text: str) -> str:
    """Lower case, accents removed, punctuation turned into spaces (``,&/@#-`` are kept)."""
    plain = fold_accents(text, compatibility=True)
    plain = plain.replace("’", "'").replace("'", "")
    plain = re.sub(r"(?<=\d)\.(?=\d)", "", plain)  # "1.200" thousands separator
    return " ".join(_NON_WORD.sub(" ", plain).split())


# Street suffixes as typed → USPS abbreviation used by the City's data.
SUFFIXES: dict[str, str] = {
    "st": "ST", "str": "ST", "street": "ST", "ave": "AVE", "av": "AVE", "avenue": "AVE",
    "avn": "AVE", "blvd": "BLVD", "bl": "BLVD", "blv": "BLVD", "boulevard": "BLVD",
    "boulvard": "BLVD", "bulevar": "BLVD", "dr": "DR", "drive": "DR", "pl": "PL",
    "place": "PL", "rd": "RD", "road": "RD", "ln": "LN", "lane": "LN", "ct": "CT",
    "court": "CT", "way": "WAY", "ter": "TER", "terrace": "TER", "cir": "CIR",
    "circle": "CIR", "pkwy": "PKWY", "parkway": "PKWY", "hwy": "HWY", "highway": "HWY",
    "trl": "TRL", "trail": "TRL", "walk": "WALK", "aly": "ALY", "alley": "ALY",
    "mall": "MALL", "sq": "SQ", "square": "SQ",
}
# Spanish (and English) street types written before the name: "calle Soto", "avenida Cesar Chavez".
PREFIX_TYPES: dict[str, str] = {
    "calle": "ST", "avenida": "AVE", "av": "AVE", "ave": "AVE", "bulevar": "BLVD",
    "boulevard": "BLVD", "blvd": "BLVD",
}
DIRECTIONS: dict[str, str] = {
    "n": "N", "s": "S", "e": "E", "w": "W", "north": "N", "south": "S", "east": "E",
    "west": "W", "norte": "N", "sur": "S", "este": "E", "oeste": "W",
}
ORDINAL_WORDS: dict[str, int] = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12,
    "primera": 1, "segunda": 2, "tercera": 3, "cuarta": 4, "quinta": 5, "sexta": 6,
    "septima": 7, "octava": 8, "novena": 9, "decima": 10,
}
ORDINAL_RE = re.compile(r"^(\d{1,3})(st|nd|rd|th|ra|ro|da|do|ta|to|va|vo|na|no|er)$")
# Suffixes the City's records use (upper case), to split "FOUNTAIN AVE" into name and suffix.
CITY_SUFFIXES = frozenset(
    "AVE ST DR PL BLVD RD WAY LN CT TER CIR HWY WALK CL MALL TRL CK GRN PKWY".split()
)


def split_suffix(street: str) -> tuple[str, str]:
    """``"FOUNTAIN AVE"`` → ``("FOUNTAIN", "AVE")``; no known suffix → ``(street, "")``."""
    words = street.upper().split()
    if len(words) > 1 and words[-1] in CITY_SUFFIXES:
        return " ".join(words[:-1]), words[-1]
    return " ".join(words), ""


def ordinal(number: int) -> str:
    """``6`` → ``"6TH"``, ``41`` → ``"41ST"``, ``112`` → ``"112TH"``."""
    if 11 <= number % 100 <= 13:
        return f"{number}TH"
    return f"{number}{ {1: 'ST', 2: 'ND', 3: 'RD'}.get(number % 10, 'TH')}"
JOINERS = frozenset({"and", "&", "y", "at", "/", "@", "con", "with"})
UNIT_WORDS = frozenset(
    "apt apartment unit suite ste # depto departamento dept apto apartamento int interior "
    "bldg building space spc lot".split()
)
# Words that never start or end a street name: what residents put around a location.
LEAD_WORDS = frozenset(
    """
    its it is the a an at on in of near by to from next behind across outside inside
    corner corners intersection intersections cross crossing street streets between address
    location located live lives my our your his her their this that there here right just
    please pls its im i we he she they you is are was were be been near nearby around about
    close closest off along half block blocks side starting going heading
    esta es en el los las un una unos unas de del cerca frente a al lado junto esquina
    esquinas cruce calles entre direccion ubicacion queda mi mis su sus nuestra nuestro
    vivo vive aqui alli ahi por favor hay justo
    """.split()
)
# Words of a street name that may also be Spanish articles or prepositions ("La Brea", "De Soto").
NAME_PARTICLES = frozenset({"la", "el", "los", "las", "de", "del", "san", "santa", "st", "mt"})

STATE_ABBREVIATIONS: dict[str, str] = {
    "al": "Alabama", "ak": "Alaska", "az": "Arizona", "ar": "Arkansas", "ca": "California",
    "co": "Colorado", "ct": "Connecticut", "de": "Delaware", "dc": "District of Columbia",
    "fl": "Florida", "ga": "Georgia", "hi": "Hawaii", "id": "Idaho", "il": "Illinois",
    "in": "Indiana", "ia": "Iowa", "ks": "Kansas", "ky": "Kentucky", "la": "Louisiana",
    "me": "Maine", "md": "Maryland", "ma": "Massachusetts", "mi": "Michigan", "mn": "Minnesota",
    "ms": "Mississippi", "mo": "Missouri", "mt": "Montana", "ne": "Nebraska", "nv": "Nevada",
    "nh": "New Hampshire", "nj": "New Jersey", "nm": "New Mexico", "ny": "New York",
    "nc": "North Carolina", "nd": "North Dakota", "oh": "Ohio", "ok": "Oklahoma",
    "or": "Oregon", "pa": "Pennsylvania", "ri": "Rhode Island", "sc": "South Carolina",
    "sd": "South Dakota", "tn": "Tennessee", "tx": "Texas", "ut": "Utah", "vt": "Vermont",
    "va": "Virginia", "wa": "Washington", "wv": "West Virginia", "wi": "Wisconsin",
    "wy": "Wyoming", "pr": "Puerto Rico",
}
STATE_NAMES: dict[str, str] = {
    **{fold(name): name for name in STATE_ABBREVIATIONS.values()},
    "calif": "California", "cali": "California", "nueva york": "New York",
    "texas": "Texas", "nuevo mexico": "New Mexico", "arizona": "Arizona",
}
# Country names residents add after a US address: dropped.
COUNTRY_WORDS = frozenset({"usa", "us", "united states", "estados unidos", "eeuu", "ee uu"})

# ZIP code prefixes (first three digits) of each state, from USPS's allocation.
_ZIP3: list[tuple[int, int, str]] = [
    (5, 5, "New York"), (6, 9, "Puerto Rico"), (10, 27, "Massachusetts"),
    (28, 29, "Rhode Island"), (30, 38, "New Hampshire"), (39, 49, "Maine"), (50, 59, "Vermont"),
    (60, 69, "Connecticut"), (70, 89, "New Jersey"), (100, 149, "New York"),
    (150, 196, "Pennsylvania"), (197, 199, "Delaware"), (200, 205, "District of Columbia"),
    (206, 219, "Maryland"), (220, 246, "Virginia"), (247, 268, "West Virginia"),
    (270, 289, "North Carolina"), (290, 299, "South Carolina"), (300, 319, "Georgia"),
    (320, 349, "Florida"), (350, 369, "Alabama"), (370, 385, "Tennessee"),
    (386, 397, "Mississippi"), (398, 399, "Georgia"), (400, 427, "Kentucky"),
    (430, 459, "Ohio"), (460, 479, "Indiana"), (480, 499, "Michigan"), (500, 528, "Iowa"),
    (530, 549, "Wisconsin"), (550, 567, "Minnesota"), (569, 569, "District of Columbia"),
    (570, 577, "South Dakota"), (580, 588, "North Dakota"), (590, 599, "Montana"),
    (600, 629, "Illinois"), (630, 658, "Missouri"), (660, 679, "Kansas"),
    (680, 693, "Nebraska"), (700, 714, "Louisiana"), (716, 729, "Arkansas"),
    (730, 749, "Oklahoma"), (750, 799, "Texas"), (800, 816, "Colorado"), (820, 831, "Wyoming"),
    (832, 838, "Idaho"), (840, 847, "Utah"), (850, 865, "Arizona"), (870, 884, "New Mexico"),
    (885, 885, "Texas"), (889, 898, "Nevada"), (900, 961, "California"), (967, 968, "Hawaii"),
    (970, 979, "Oregon"), (980, 994, "Washington"), (995, 999, "Alaska"),
]


def zip_state(zip_code: str) -> str | None:
    """The state of a US ZIP code from its first three digits."""
    if not re.fullmatch(r"\d{5}(-\d{4})?", zip_code):
        return None
    prefix = int(zip_code[:3])
    for low, high, state in _ZIP3:
        if low <= prefix <= high:
            return state
    return None


# Names residents use for communities of the City that the County's data spells differently.
CITY_ALIASES: dict[str, str] = {
    "dtla": "Downtown", "downtown la": "Downtown", "downtown los angeles": "Downtown",
    "el centro de los angeles": "Downtown", "noho": "North Hollywood",
    "n hollywood": "North Hollywood", "ktown": "Koreatown", "k town": "Koreatown",
    "south la": "South Los Angeles", "south los angeles": "South Los Angeles",
    "south central": "South Los Angeles", "sur de los angeles": "South Los Angeles",
    "silver lake": "Silver Lake", "mount washington": "Mt. Washington",
    "mt washington": "Mt. Washington", "sunland tujunga": "Sunland-Tujunga",
    "sawtelle": "Sawtelle", "skid row": "Downtown", "arts district": "Downtown",
    "venice beach": "Venice", "the palisades": "Pacific Palisades", "cypress park": "Cypress Park",
    "atwater": "Atwater Village", "west la": "West Los Angeles", "wla": "West Los Angeles",
    "van nuys": "Van Nuys", "san pedro": "San Pedro", "boyle heights": "Boyle Heights",
    "watts": "Watts", "hollywood": "Hollywood", "east hollywood": "East Hollywood",
    "highland park": "Highland Park", "eagle rock": "Eagle Rock", "sherman oaks": "Sherman Oaks",
    "north hills": "North Hills", "harbor city": "Harbor City", "wilmington": "Wilmington",
    "playa del rey": "Playa Del Rey", "little tokyo": "Little Tokyo", "chinatown": "Chinatown",
    "mid city": "Mid-city", "westchester": "Westchester", "koreatown": "Koreatown",
    "lake balboa": "Lake Balboa", "sun valley": "Sun Valley", "sepulveda": "North Hills",
    "harbor gateway": "Harbor Gateway", "del rey": "Del Rey",
}
# Other names of places outside the City: alias → (name, class of :class:`areas.TypedPlace`).
OTHER_PLACE_ALIASES: dict[
    str, tuple[str, Literal["other_city", "unincorporated", "outside_county", "other_state"]]
] = {
    "weho": ("West Hollywood", "other_city"), "w hollywood": ("West Hollywood", "other_city"),
    "east la": ("East Los Angeles", "unincorporated"),
    "east los angeles": ("East Los Angeles", "unincorporated"),
    "este de los angeles": ("East Los Angeles", "unincorporated"),
    "este de la": ("East Los Angeles", "unincorporated"),
    "e los angeles": ("East Los Angeles", "unincorporated"),
    "la canada": ("La Cañada Flintridge", "other_city"),
    "la canada flintridge": ("La Cañada Flintridge", "other_city"),
    "industry": ("Industry", "other_city"), "city of industry": ("Industry", "other_city"),
    "rpv": ("Rancho Palos Verdes", "other_city"), "bev hills": ("Beverly Hills", "other_city"),
    "marina del rey": ("Marina del Rey", "unincorporated"),
    "universal city": ("Universal City", "unincorporated"),
    "altadena": ("Altadena", "unincorporated"), "florence": ("Florence-Firestone",
                                                             "unincorporated"),
    "florence firestone": ("Florence-Firestone", "unincorporated"),
    "firestone park": ("Florence-Firestone", "unincorporated"),
    "willowbrook": ("Willowbrook", "unincorporated"), "lennox": ("Lennox", "unincorporated"),
    "topanga": ("Topanga", "unincorporated"), "la crescenta": ("La Crescenta-Montrose",
                                                               "unincorporated"),
    "view park": ("View Park-Windsor Hills", "unincorporated"),
    "windsor hills": ("View Park-Windsor Hills", "unincorporated"),
    "ladera heights": ("Ladera Heights", "unincorporated"),
    "hacienda heights": ("Hacienda Heights", "unincorporated"),
    "rowland heights": ("Rowland Heights", "unincorporated"),
    "stevenson ranch": ("Stevenson Ranch", "unincorporated"),
    "valencia": ("Santa Clarita", "other_city"), "newhall": ("Santa Clarita", "other_city"),
    "saugus": ("Santa Clarita", "other_city"), "canyon country": ("Santa Clarita", "other_city"),
    "catalina": ("Avalon", "other_city"), "catalina island": ("Avalon", "other_city"),
    "orange county": ("Orange County", "outside_county"),
    "ventura county": ("Ventura County", "outside_county"),
    "riverside county": ("Riverside County", "outside_county"),
    "san bernardino county": ("San Bernardino County", "outside_county"),
    "oc": ("Orange County", "outside_county"),
    "tijuana": ("Mexico", "other_state"), "mexicali": ("Mexico", "other_state"),
    "guadalajara": ("Mexico", "other_state"), "ciudad de mexico": ("Mexico", "other_state"),
    "mexico": ("Mexico", "other_state"), "canada": ("Canada", "other_state"),
}
CA_CITIES_OUTSIDE_COUNTY: tuple[str, ...] = (
    "San Diego", "San Francisco", "San Jose", "Sacramento", "Fresno", "Oakland", "Berkeley",
    "Anaheim", "Irvine", "Santa Ana", "Riverside", "San Bernardino", "Ventura", "Oxnard",
    "Thousand Oaks", "Simi Valley", "Huntington Beach", "Costa Mesa", "Fullerton",
    "Buena Park", "Orange", "Garden Grove", "Newport Beach", "Ontario", "Rancho Cucamonga",
    "Upland", "Chino", "Chino Hills", "Corona", "Moreno Valley", "Palm Springs", "Bakersfield",
    "Santa Barbara", "Camarillo", "Moorpark", "Westminster", "Cypress", "La Habra", "Brea",
    "Yorba Linda", "Tustin", "Laguna Beach", "Mission Viejo", "Seal Beach", "Los Alamitos",
    "Temecula", "Victorville", "Fontana", "Stockton", "Modesto", "Long Beach Island",
    "Oak Park", "Westlake", "Montclair", "La Palma", "Fountain Valley", "Santa Clara",
    "Palo Alto", "Santa Cruz", "Malibu Lake", "Big Bear", "Big Bear Lake", "Carlsbad",
    "Oceanside", "Escondido", "Chula Vista", "Ojai", "Santa Paula", "Fillmore", "Rosamond",
)
# Large cities in other states residents may name without a state.
US_CITIES: dict[str, str] = {
    "las vegas": "Nevada", "henderson": "Nevada", "reno": "Nevada", "phoenix": "Arizona",
    "tucson": "Arizona", "scottsdale": "Arizona", "new york": "New York",
    "brooklyn": "New York", "manhattan": "New York", "chicago": "Illinois",
    "houston": "Texas", "dallas": "Texas", "austin": "Texas", "san antonio": "Texas",
    "el paso": "Texas", "seattle": "Washington", "portland": "Oregon", "denver": "Colorado",
    "salt lake city": "Utah", "miami": "Florida", "orlando": "Florida", "atlanta": "Georgia",
    "boston": "Massachusetts", "philadelphia": "Pennsylvania",
    "washington dc": "District of Columbia", "new orleans": "Louisiana",
    "baton rouge": "Louisiana", "albuquerque": "New Mexico", "honolulu": "Hawaii",
    "nashville": "Tennessee", "detroit": "Michigan", "minneapolis": "Minnesota",
}
