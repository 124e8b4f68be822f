"""The question without the words that point at the documents rather than at what they are about.

"According to the global security article, what did NATO's invocation of Article 5 lead to?" asks
what NATO's invocation led to; "What do the articles say are the benefits of enlargement?" asks
what the benefits are. The framing words harm both stages that read the question: "articles"
matches every "Article 5" in a NATO corpus for BM25, and the answer scorer, trained on SQuAD
questions that never speak of their paragraph, rates every sentence lower when the question does
(the best sentence of the first question: 0.19 with the framing, 0.80 without). So retrieval and
scoring read the question without it; the user still sees the question as asked.
"""

from __future__ import annotations

import re

# Not "reports" or "papers": "the Harmel Report" is what a question asks about, not where it looks.
_DOCUMENT = r"(?:articles?|documents?|sources?|texts?|passages?|corpus)(?!\s*\d|\s+of\b)"
_THE = r"(?:the|this|these|those|both|all|your|my|our|each|every)\s+(?:[\w’'-]+\s+){0,3}?"
_VERB = r"(?:say|says|said|state|states|claim|claims|mention|mentions|suggest|suggests|report|reports|tell us|tell me|argue|argues|note|notes)"

_RULES = [
    # "According to the articles, …", "…, as the documents describe it", "…, across the articles?"
    (re.compile(rf",?\s*\b(?:according to|as (?:described|stated|said|explained|reported) in|as (?:{_THE})?{_DOCUMENT} (?:describe|say|put) it|in|across|from|throughout)\s+{_THE}{_DOCUMENT}\b,?", re.I), " "),
    # "What do the articles say are the benefits…" -> "What are the benefits…"; "…say about X" -> "…about X";
    # "Does the article say whether…" -> "whether…"
    (re.compile(rf"\b(?:do|does|did)\s+{_THE}{_DOCUMENT}\s+{_VERB}(?:\s+that)?\s+", re.I), ""),
]
# What the documents do to a topic, as its participle: "What examples do the articles give?" asks
# which examples are given; "How do the articles portray Russia?", how Russia is portrayed.
_PARTICIPLES = {
    "give": "given", "identify": "identified", "anticipate": "anticipated", "describe": "described", "portray": "portrayed",
    "characterize": "characterized", "characterise": "characterised", "list": "listed", "discuss": "discussed", "offer": "offered",
    "provide": "provided", "present": "presented", "cite": "cited", "highlight": "highlighted", "propose": "proposed",
    "predict": "predicted", "expect": "expected", "see": "seen", "show": "shown", "outline": "outlined", "name": "named",
    "explain": "explained", "define": "defined", "depict": "depicted", "frame": "framed", "treat": "treated", "view": "viewed",
    "emphasize": "emphasized", "emphasise": "emphasised", "stress": "stressed", "recommend": "recommended", "compare": "compared",
}
_DOES_TO = re.compile(rf"\b(?:do|does|did)\s+{_THE}{_DOCUMENT}\s+({'|'.join(_PARTICIPLES)})\b", re.I)
_HOW = re.compile(r"^(how|in what way|in which way)\s*$", re.I)


def about_content(question: str) -> str:
    """`question` without the words that refer to the documents themselves; unchanged when none do,
    or when nothing would be left of it.

    >>> about_content("According to the global security article, what did NATO's invocation of Article 5 lead to?")
    "what did NATO's invocation of Article 5 lead to?"
    >>> about_content("What do the articles say are the benefits and drawbacks of NATO's enlargement?")
    "What are the benefits and drawbacks of NATO's enlargement?"
    >>> about_content("In which year, according to the articles, did Moscow seize the peninsula?")
    'In which year did Moscow seize the peninsula?'
    >>> about_content("How is the Cyber Defence Centre described across the articles?")
    'How is the Cyber Defence Centre described?'
    >>> about_content("What internal obstacles do the articles identify within NATO?")
    'What internal obstacles are identified within NATO?'
    >>> about_content("How do the articles portray Russia as a challenge?")
    'How is Russia as a challenge portrayed?'
    >>> about_content("What does Article 5 of the NATO treaty stipulate?")
    'What does Article 5 of the NATO treaty stipulate?'
    >>> about_content("What do the articles say?")
    'What do the articles say?'
    """
    text = question
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    done_to = _DOES_TO.search(text)
    if done_to:
        participle = _PARTICIPLES[done_to.group(1).lower()]
        before, after = text[: done_to.start()].rstrip(), text[done_to.end() :].strip()
        if _HOW.match(before):  # "How do the articles portray Russia?" -> "How is Russia portrayed?"
            text = f"{before} is {after.rstrip('?').rstrip()} {participle}?"
        else:  # "What examples do the articles give of X?" -> "What examples are given of X?"
            text = f"{before} are {participle} {after}"
    text = re.sub(r"\s+([?,.!])", r"\1", re.sub(r"\s{2,}", " ", text)).strip(" ,")
    return text if re.search(r"\w{3,}", text.rstrip("?")) and len(text.split()) >= 3 else question
