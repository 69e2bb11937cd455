"""Authors as data: parsing the forms curators paste, and writing them back out.

A study's authors are an ordered list of people, each a dict in the shape
CSL-JSON uses: `{"family": "Younger", "given": "J. W."}` for a person (given
names in full, or initials written "J. W."), `{"literal": "LDN Trial Group"}`
for a collective author. A list cut short by its source ("Younger J, et al.")
keeps that fact apart, as the study's `authors_et_al` flag.

`parse_authors()` reads the forms seen in reference lists and exports:

- Vancouver / PubMed: "Younger J, Mackey S" or "Younger JW, Mackey SC, et al."
- "Family, Given" pairs: "Younger, J.; Mackey, S." or "Younger, Jarred"
- Natural order: "Jarred Younger and Sean Mackey", "J. W. Younger"
- One author per line, as the admin form offers it.

Particles stay with the family name ("van der Berg"), diacritics are kept
("Småbrekke"). Nothing here touches the database.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TypedDict

from django.core.exceptions import ValidationError


class Author(TypedDict, total=False):
    family: str
    given: str
    literal: str


ET_AL = re.compile(r"^(?:et\.?\s*al\.?|and\s+others|others|\.\.\.|…)$", re.IGNORECASE)
# Words that mark a collective author rather than a person.
COLLECTIVE_WORDS = frozenset(
    """group groups consortium collaboration collaborative collaborators
    investigators committee society association network team study trial
    trialists institute foundation council organisation organization board
    working panel centre center program programme initiative alliance
    department university hospital""".split()
)
# Lower-case words that begin a family name in natural order ("Jan van der Berg").
PARTICLES = frozenset(
    "van von der den de del della di da dos das du la le ten ter bin ibn al el "
    "st st. mac y".split()
)
SUFFIXES = frozenset("jr jr. sr sr. ii iii iv 2nd 3rd".split())

_SPACE = re.compile(r"\s+")
_INITIAL_TOKEN = re.compile(r"^(?:[^\W\d_]\.?-?)+$")
_AND = re.compile(r"\s+(?:and|&)\s+|\s*&\s*", re.IGNORECASE)
_SPLIT_INITIALS = re.compile(r"([^\W\d_])\.?(-?)")


def _clean(text: str) -> str:
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text or "")).strip(" \t,;")


def is_initials(token: str) -> bool:
    """ "J", "JW", "J.", "J.W.", "J.-P." are initials; "Jo" and "Younger" are not."""
    token = token.strip()
    if not token or not _INITIAL_TOKEN.match(token):
        return False
    letters = [ch for ch in token if ch.isalpha()]
    if "." in token:
        # "J." or "J.W." — every letter stands alone before a full stop.
        return all(len(part.strip("-")) <= 1 for part in token.split(".") if part)
    return len(letters) <= 3 and all(ch.isupper() for ch in letters)


def format_initials(given: str) -> str:
    """ "JW" → "J. W."; "J.W." → "J. W."; "Jarred W" → "Jarred W."; "J.-P." kept."""
    out = []
    for word in _clean(given).split(" "):
        if not word or not is_initials(word):
            out.append(word)
            continue
        letters = [f"{a.upper()}.{b}" for a, b in _SPLIT_INITIALS.findall(word)]
        out.append(" ".join(letters).replace("- ", "-"))
    return " ".join(w for w in out if w)


def initials_of(given: str) -> str:
    """ "Jarred W." → "JW"; "J.-P." → "J-P": the Vancouver form of the given names."""
    out = []
    for word in _clean(given).replace(".", ". ").split():
        parts = word.split("-")
        out.append("-".join(p[0].upper() for p in parts if p and p[0].isalpha()))
    return "".join(out)


def _is_collective(text: str) -> bool:
    words = {w.strip(".,()").lower() for w in text.split()}
    return bool(words & COLLECTIVE_WORDS)


def parse_name(text: str) -> Author:
    """One author, in any of the forms above, as a person or a collective."""
    text = _clean(text)
    if not text:
        raise ValidationError("An author's name is empty.")
    if text.startswith("{") and text.endswith("}"):
        return {"literal": _clean(text[1:-1])}
    if _is_collective(text):
        return {"literal": text}
    if "," in text:
        family, _, given = text.partition(",")
        family, given = _clean(family), _clean(given)
        if given.lower() in SUFFIXES:
            given = ""
        if family and given:
            return {"family": family, "given": format_initials(given)}
        text = family or given
    tokens = text.split(" ")
    tokens = [t for t in tokens if t.lower() not in SUFFIXES] or tokens
    if len(tokens) == 1:
        return {"family": tokens[0]}
    # Vancouver: "Younger JW", "van der Berg A".
    if is_initials(tokens[-1]) and not is_initials(tokens[0]):
        return {"family": " ".join(tokens[:-1]), "given": format_initials(tokens[-1])}
    # Natural order: given names, then particles and family name.
    start = len(tokens) - 1
    for i in range(1, len(tokens) - 1):
        if tokens[i].lower() in PARTICLES:
            start = i
            break
    given, family = " ".join(tokens[:start]), " ".join(tokens[start:])
    return {"family": family, "given": format_initials(given)}


def _split_comma_list(text: str) -> list[str]:
    """Split on commas, pairing "Family, Given" halves back together."""
    parts = [p for p in (_clean(p) for p in text.split(",")) if p]
    # "Younger, J., Mackey, S." or "Younger, Jarred": a part that is only a given
    # name (initials, or a single word after a single-word family) joins the one
    # before it. Vancouver lists ("Younger J, Mackey S") never have such parts.
    if any(is_initials(p.replace(" ", "")) for p in parts[1:]):
        joined: list[str] = []
        for part in parts:
            if joined and is_initials(part.replace(" ", "")) and "," not in joined[-1]:
                joined[-1] = f"{joined[-1]}, {part}"
            else:
                joined.append(part)
        return joined
    if len(parts) == 2 and _is_bare_family(parts[0]):
        return [f"{parts[0]}, {parts[1]}"]
    return parts


def _is_bare_family(text: str) -> bool:
    """ "Younger" or "de la Cruz": a family name alone, with no given name."""
    *particles, last = text.split(" ")
    return not is_initials(last) and all(p.lower() in PARTICLES for p in particles)


def _is_one_name(chunk: str) -> bool:
    """In a ";" list: "{Smith & Nephew}" or "Ruiz Mendoza, Ana María" is one name.

    A chunk with one comma is "Family, Given" unless it is a Vancouver list
    ("Younger J, Parkitny L": the part before the comma ends in initials).
    """
    if chunk.startswith("{") and chunk.endswith("}"):
        return True
    if chunk.count(",") != 1:
        return False
    before = chunk.partition(",")[0].split(" ")
    return not (len(before) > 1 and is_initials(before[-1]))


def split_author_text(text: str) -> list[str]:
    """The names in a pasted list, in order (an "et al." marker kept as is)."""
    text = unicodedata.normalize("NFC", text or "").strip()
    if not text:
        return []
    if "\n" in text:
        return [line for line in (_clean(x) for x in text.splitlines()) if line]
    semicolons = ";" in text
    if semicolons:
        chunks = [c for c in (_clean(c) for c in text.split(";")) if c]
    else:
        chunks = [text]
    names: list[str] = []
    for chunk in chunks:
        if semicolons and _is_one_name(chunk):
            names.append(chunk)
            continue
        pieces = [p for p in (_clean(p) for p in _AND.split(chunk)) if p]
        for piece in pieces:
            names.extend(_split_comma_list(piece))
    return names


def parse_authors(text: str) -> tuple[list[Author], bool]:
    """A pasted author list → (people in order, whether it ended with "et al.")."""
    people: list[Author] = []
    et_al = False
    for name in split_author_text(text):
        # "Younger J et al." or "et al." alone.
        match = re.search(r"(?:^|\s)(et\.?\s*al\.?|and others)$", name, re.IGNORECASE)
        if match:
            et_al = True
            name = _clean(name[: match.start()])
            if not name:
                continue
        if ET_AL.match(name):
            et_al = True
            continue
        people.append(parse_name(name))
    return people, et_al


def validate_authors(value: object) -> None:
    """The stored shape: a list of {family, given} or {literal} dicts of text."""
    if not isinstance(value, list):
        raise ValidationError("Authors must be a list.")
    for position, person in enumerate(value, start=1):
        where = f"Author {position}"
        if not isinstance(person, dict) or not person:
            raise ValidationError(f"{where} must be an object with a name.")
        unknown = set(person) - {"family", "given", "literal"}
        if unknown:
            raise ValidationError(
                f"{where} has unknown key(s): {', '.join(sorted(unknown))}."
            )
        if any(not isinstance(v, str) for v in person.values()):
            raise ValidationError(f"{where}: names are text.")
        if "literal" in person:
            if set(person) != {"literal"} or not person["literal"].strip():
                raise ValidationError(
                    f"{where}: a collective author has only a non-empty “literal”."
                )
        elif not person.get("family", "").strip():
            raise ValidationError(f"{where} needs a family name.")
        if any(len(v) > 200 for v in person.values()):
            raise ValidationError(f"{where}: a name is longer than 200 characters.")


def normalise_author(person: Author) -> Author:
    """Trimmed text, initials written "J. W.", empty keys dropped."""
    if person.get("literal"):
        return {"literal": _clean(person["literal"])}
    out: Author = {"family": _clean(person.get("family", ""))}
    given = format_initials(person.get("given", ""))
    if given:
        out["given"] = given
    return out


def vancouver_name(person: Author) -> str:
    """ "Younger J" / "Younger JW" / "LDN Trial Group"."""
    if "literal" in person:
        return person["literal"]
    initials = initials_of(person.get("given", ""))
    return f"{person['family']} {initials}".strip()


def inverted_name(person: Author) -> str:
    """ "Younger, J. W." — the form BibTeX and RIS read back unambiguously."""
    if "literal" in person:
        return person["literal"]
    given = person.get("given", "")
    return f"{person['family']}, {given}" if given else person["family"]


def natural_name(person: Author) -> str:
    """ "J. W. Younger" / "LDN Trial Group": the name as a reader says it."""
    if "literal" in person:
        return person["literal"]
    return f"{person.get('given', '')} {person['family']}".strip()


def authors_line(people: list[Author], et_al: bool = False) -> str:
    """ "Younger J, Mackey S, et al." — one line for lists, search and feeds."""
    names = [vancouver_name(p) for p in people]
    if et_al and names:
        names.append("et al.")
    return ", ".join(names)


def authors_as_lines(people: list[Author], et_al: bool = False) -> str:
    """One author per line ("Younger, J."), "et al." last: the admin's text."""
    lines = [inverted_name(p) for p in people]
    if et_al:
        lines.append("et al.")
    return "\n".join(lines)


def first_author_family(people: list[Author]) -> str:
    """The first author's family name (or collective name), for matching."""
    if not people:
        return ""
    first = people[0]
    return first.get("family") or first.get("literal", "")
