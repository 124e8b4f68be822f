"""What a question means by "the alliance" or "the Union": the name the documents give it.

A question says "How did the alliance respond to Crimea?" where the documents say "NATO
responded…", or asks what "the Union" decided where they write "the EU". Searched as asked,
such a question looks for the words "alliance" and "Union", which occur in passages about every
alliance and union. So the name is put in place of the short form, only when the documents
themselves say which name the short form stands for:

- a definition: "the alliance" is NATO when the documents define NATO as one ("NATO, established
  in 1949, originated as a collective defense alliance", "NATO operates as a military alliance")
  at least twice, and define nothing else so more than half as often;
- the last word of a name, capitalised as in a name: "the Union" is the European Union when most
  of the documents' names ending in "Union" are "European Union" (not the Western European Union
  or the African Union), and "Union" is less often a name of its own there than part of that one
  (the head of "University of Notre Dame" is "University"). "the war" is a common noun,
  not the Cold War; "the Mediterranean" is a name already, not the Eastern Mediterranean.

The name is written as the documents write it most: "the EU" rather than "the European Union"
when they use its initials more often (the keyword search then finds the passages that say so).
A word before a defined short form keeps the name only when the documents use it of that name:
"the transatlantic alliance" (they call NATO "a transatlantic alliance"), "the Atlantic alliance"
("North Atlantic Treaty Organization (NATO)"); "the rival alliance" is left as asked. The table is
read from the documents once per index (`Aliases.of`).

Searched and scored (`Aliases.searched`), the name replaces only the short forms the documents
never write themselves: "the Union" here. "The alliance" they write 38 times, and the passages
that say "the alliance" are found by it; on held-out SQuAD train, replacing such a short form lost
more answers than it won ("the Depression" searched as "the Great Depression" missed the paragraph
that says "the Depression"). What a question is about (`Aliases.named`: its subject, for the
refusal of an unknown one) reads every name: "What did the alliance do under Stoltenberg?" is
about NATO. The user still sees the question as asked, as with `assistant.answer.framing`.

>>> aliases = Aliases.of([
...     "NATO, established in 1949, originated as a collective defense alliance. The North Atlantic Treaty Organization (NATO) grew.",
...     "NATO operates as a military alliance with a mandate. NATO, as a transatlantic alliance, defends its members.",
...     "Ties between NATO and the European Union grew; the European Union and the African Union met. The EU and the EU again.",
...     "Talks with the European Union went on, and the EU hosted the EU summit.",
... ])
>>> aliases.named("How did the alliance respond, and what did the Union decide?")
'How did NATO respond, and what did the EU decide?'
>>> aliases.searched("How did the alliance respond, and what did the Union decide?")  # the documents never write "the alliance"
'How did NATO respond, and what did the EU decide?'
>>> aliases.named("What is the Atlantic alliance's aim?"), aliases.named("Who leads the rival alliance, or the Union Council?")
("What is NATO's aim?", 'Who leads the rival alliance, or the Union Council?')
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

# A name as the documents write it: capitalised words, "of (the)" between them ("University of
# Notre Dame"); no possessive ("NATO’s Relations" is no name).
_WORD = r"[A-Z][\w-]*(?![\w-])"
_NAME = rf"(?:{_WORD}[ \t]+(?:of[ \t]+(?:the[ \t]+)?)?)*{_WORD}"
_NAMED = re.compile(rf"(?<![\w’'-])(?P<the>[Tt]he[ \t]+)?(?P<name>{_NAME})")
_AFTER_THE = re.compile(r"\b[Tt]he[ \t]+([a-z][\w-]*)(?![\w’'-])")
_ACRONYM = re.compile(r"^[A-Z]{2,}$")
_LONG_FORM = re.compile(rf"(?P<long>(?:{_WORD}[ \t]+(?:of[ \t]+(?:the[ \t]+)?)?)+{_WORD})[ \t]*\((?P<short>[A-Z]{{2,}})\)")
# "NAME (…) is / was / remains / operates as / , as  a … NOUN" where the noun ends its phrase.
_DEFINED = re.compile(
    rf"(?<![\w’'-])(?P<name>{_NAME})(?:['’]s[ \t]+(?:role|function|status|identity)|,[^,.;\n]{{1,60}},|[ \t]*\([^)\n]*\))?,?[ \t]+"
    r"(?:is|was|remains|became|serves as|operates as|functions as|originated as|began as|as)[ \t]+(?:a|an)[ \t]+"
    r"(?P<words>(?:[a-z][\w-]*[ \t]+){0,3}?)(?P<noun>[a-z]+)"
    r"(?=[ \t]*(?:[,.;:)]|\b(?:that|which|who|aimed|with|of|for|among|in|to|whose|founded|established|designed|committed|dedicated|based|formed|created|"
    r"comprising|consisting|between|and|where|focused|focusing|centered|headquartered|located)\b))"
)
_SENTENCE_START = frozenset("the this that these those it there a an in on at for from by with as after before during while when".split())
LEAST = 2  # occurrences of a name (or definitions of it) before a short form stands for it
SHARE = 2 / 3  # of all the names with that last word (or defined so), that name's least share


@dataclass(frozen=True)
class Aliases:
    """Short form (lower case) -> the name it stands for, as the documents write it ("NATO", "the
    EU"): `defined` by a definition, `heads` by a name's last word; and the words the documents
    use before each defined short form of its name (`modifiers`)."""

    defined: dict[str, str] = field(default_factory=dict)
    heads: dict[str, str] = field(default_factory=dict)
    modifiers: dict[str, frozenset[str]] = field(default_factory=dict)
    written: frozenset[str] = frozenset()  # short forms the documents write themselves ("the alliance"): searched as asked

    @classmethod
    def of(cls, texts: Iterable[str]) -> Aliases:
        """The short forms the documents `texts` resolve, by the rules of the module docstring."""
        names = _Names()
        for text in texts:
            for line in text.splitlines():
                if line.rstrip().endswith((".", "!", "?", ":", ";", '"', "”")):  # not a heading: its words are all capitalised
                    names.read(line)
        defined, heads, modifiers = {}, {}, {}
        for noun, counts in names.definitions.items():
            name = _dominant(counts)
            if name:
                defined[noun] = names.written(name)
                spelled = f"{name} {names.long_forms.get(name, '')}".lower().split()
                modifiers[noun] = frozenset(names.modifiers[(noun, name)] | set(spelled)) - {"of", "the"}
        for head, counts in names.heads.items():
            name = _dominant(counts)
            if name and head not in defined and names.alone[head.capitalize()] < counts[name]:
                heads[head] = names.written(name)
        written = {s for s in defined if names.after_the[s]} | {s for s in heads if names.alone[s.capitalize()]}
        return cls(defined, heads, modifiers, frozenset(written))

    def named(self, question: str) -> str:
        """`question` with each short form the documents resolve replaced by its name: what it is about."""
        return self._pattern.sub(lambda m: self._resolved(m, self.written), question) if self._pattern else question

    def searched(self, question: str) -> str:
        """`question` as it is searched and scored: only the short forms the documents never write
        themselves are replaced ("the Union"). Those they write ("the alliance", 38 times here) are
        searched as asked, since the passages that say so are found by them."""
        return self._pattern.sub(lambda m: self._resolved(m, self.written, keep=True), question) if self._pattern else question

    @cached_property
    def _pattern(self) -> re.Pattern | None:
        defined = rf"(?:(?P<word>[\w-]+)\s+)?(?i:{'|'.join(map(re.escape, self.defined))})" if self.defined else ""
        heads = "|".join(re.escape(s.capitalize()) for s in self.heads)  # only as a name: "the Union", not "the union"
        either = "|".join(f"(?P<{group}>{pattern})" for group, pattern in (("defined", defined), ("head", heads)) if pattern)
        # No short form where a longer name goes on: "the Union Council", "the President of India", "the
        # Secretariat of state", "the Armée d'Angleterre", "the X-ray", "the Eastern and Western armies".
        return re.compile(rf"\b[Tt]he\s+(?:{either})(?P<owner>['’]s)?(?![\w’'-])(?!\s+(?:[A-Z]|of\b|d['’]|(?:and|or)\s+[A-Z]))") if either else None

    def _resolved(self, m: re.Match, written: frozenset[str], keep: bool = False) -> str:
        found = m.groupdict()  # a table without defined short forms has no "defined" or "word" group
        short = (found.get("defined") or found["head"]).split()[-1].lower()
        if found.get("word") and found["word"].lower() not in self.modifiers[short] or keep and short in written:
            return m.group(0)  # "the rival alliance": another one; or searched as the documents write it
        return (self.defined.get(short) or self.heads[short]) + (m["owner"] or "")


class _Names:
    """What `Aliases.of` counts, line by line."""

    def __init__(self) -> None:
        self.heads: dict[str, Counter] = defaultdict(Counter)  # last word -> names ending in it
        self.definitions: dict[str, Counter] = defaultdict(Counter)  # noun -> names defined as one
        self.modifiers: dict[tuple[str, str], set[str]] = defaultdict(set)  # (noun, name) -> the words before the noun
        self.alone: Counter = Counter()  # a capitalised word that is a name of its own, mid-sentence
        self.after_the: Counter = Counter()  # lower-case words after "the": the short forms the documents write
        self.forms: dict[str, Counter] = defaultdict(Counter)  # name -> how it is written ("the European Union", "the EU")
        self.long_forms: dict[str, str] = {}  # acronym -> its long form, where the documents spell it out

    def read(self, line: str) -> None:
        for m in _NAMED.finditer(line):
            name, start = _without_start(m["name"]), m.start() == 0 or line[: m.start()].rstrip().endswith((".", "!", "?", ":"))
            if not name:
                continue
            with_the = bool(m["the"]) or name != m["name"] and m["name"].split()[0].lower() == "the"
            self.forms[name][f"the {name}" if with_the else name] += 1
            if " " in name:
                self.heads[name.split(" of ")[0].rsplit(" ", 1)[-1].lower()][name] += 1
            elif not start or m["the"]:
                self.alone[name] += 1
        self.after_the.update(w.lower() for w in _AFTER_THE.findall(line))
        for m in _LONG_FORM.finditer(line):
            self.long_forms.setdefault(m["short"], _without_start(m["long"]))
        for m in _DEFINED.finditer(line):
            name = _without_start(m["name"])
            if _ACRONYM.match(name) or " " in name:
                self.definitions[m["noun"]][name] += 1
                self.modifiers[(m["noun"], name)].update(m["words"].lower().split())

    def written(self, name: str) -> str:
        """`name` as the documents write it most often, its initials ("EU") included."""
        initials = "".join(w[0] for w in name.split() if w[0].isupper())
        acronym = len(initials) > 1 and " " in name and not name.startswith(initials)  # not "AI" of "AI-Generated Insight"
        forms = self.forms[name] + (self.forms[initials] if acronym else Counter())
        return forms.most_common(1)[0][0] if forms else name


def _dominant(counts: Counter) -> str | None:
    """The name that at least `LEAST` occurrences and a `SHARE` of them all are of, else None."""
    (name, most), total = counts.most_common(1)[0], sum(counts.values())
    return name if most >= LEAST and most >= SHARE * total else None


def _without_start(name: str) -> str:
    """`name` without a capitalised sentence-start word before it ("The European Union" -> "European
    Union"); "" when it is nothing else ("This")."""
    first, _, rest = name.partition(" ")
    return (rest or "") if first.lower() in _SENTENCE_START else name
