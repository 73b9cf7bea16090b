"""Text people read as someone's identity (emails, full names): normalised, and refused when it
could pass for someone else's.

Normalisation is Unicode NFKC: compatibility forms become the plain characters they stand for
(fullwidth letters become plain ones, the "fi" ligature two letters, a no-break space a space),
so such a look-alike is the same text as the original (and an email a duplicate of it). What
NFKC cannot make plain is refused:

- invisible characters: format characters (zero-width space and joiners, bidi controls, soft
  hyphen, ...), controls, private-use and unassigned code points, line and paragraph
  separators, spaces other than the ASCII space, and letters that render as nothing (Hangul
  fillers);
- mixed scripts in one word (an email's local part and each domain label count as words):
  a Cyrillic "a" (U+0430) among Latin letters, a Greek omicron in a Latin name. A word's
  letters must come from one script, or from one of the combinations writing systems really
  use (Unicode UTS #39 "highly restrictive": Latin with Han and Hiragana/Katakana, with Han and
  Bopomofo, or with Han and Hangul). Digits, punctuation and marks have no script of their own.

A letter's script is read from its Unicode name ("CYRILLIC SMALL LETTER A"), which the standard
library has; for letters it approximates the Script property closely, without a dependency.
What remains possible is a whole word in another script that looks Latin (an all-Cyrillic
word such as U+0430 U+0440 U+0435, which reads "ape"): docs/SECURITY.md lists it.
"""

import unicodedata

# Letters that take no space and show nothing, although their category is Lo.
INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cn", "Cs", "Zl", "Zp"})
# Writing systems that mix scripts in one word (UTS #39, highly restrictive), besides one script alone.
ALLOWED_MIXES = (
    frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "HAN", "BOPOMOFO"}),
    frozenset({"LATIN", "HAN", "HANGUL"}),
)
# First words of letter names that name no script (modifier letters are shared by scripts).
NO_SCRIPT = frozenset({"MODIFIER"})
SCRIPT_ALIASES = {"CJK": "HAN", "IDEOGRAPHIC": "HAN", "HALFWIDTH": None, "FULLWIDTH": None}


def normalise(text):
    return unicodedata.normalize("NFKC", text)


def script_of(character):
    """The script of a letter (or of a non-ASCII digit), else None."""
    category = unicodedata.category(character)
    if not (category.startswith("L") or (category == "Nd" and not character.isascii())):
        return None
    name = unicodedata.name(character, "")
    first = name.split(" ", 1)[0]
    if not first or first in NO_SCRIPT:
        return None
    if first == "KATAKANA-HIRAGANA":  # the prolonged sound mark and friends: both kana
        return "KATAKANA"
    return SCRIPT_ALIASES.get(first, first)


def invisible_characters(text):
    """The characters of text a reader would not see (or would see as a plain space)."""
    return [
        character
        for character in text
        if unicodedata.category(character) in INVISIBLE_CATEGORIES
        or character in INVISIBLE_LETTERS
        or (unicodedata.category(character) == "Zs" and character != " ")
    ]


def is_single_script(word):
    scripts = {script for script in map(script_of, word) if script is not None}
    return len(scripts) <= 1 or any(scripts <= mix for mix in ALLOWED_MIXES)


def problem(text, words):
    """Why text could pass for other text (None when it cannot); `words` are its parts to check."""
    if text.isascii():
        hidden = [c for c in text if unicodedata.category(c) == "Cc"]
        return f"Must not contain invisible characters (found U+{ord(hidden[0]):04X})." if hidden else None
    hidden = invisible_characters(text)
    if hidden:
        return f"Must not contain invisible characters (found U+{ord(hidden[0]):04X})."
    mixed = next((word for word in words if not is_single_script(word)), None)
    if mixed is not None:
        return "Must not mix letters of different scripts in one word (look-alike letters)."
    return None


def email_words(email):
    local, _, domain = email.rpartition("@")
    return [local, *domain.split(".")]
