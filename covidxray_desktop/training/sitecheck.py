"""A clinic's check of the model on its own films: the numbers, and what they mean, in words."""
from covidxray_desktop.model import figures

# Below this many judged films of either class the intervals are too wide to say anything:
# "nothing says it works worse" on three films would be read as a pass.
MIN_PER_CLASS = 10


def _compare(name: str, value, interval, card_value, films: str, card_interval=None) -> tuple[str, bool]:
    """(sentence, alarming) for one metric against the model card's; `films`: whose films it is
    measured on ("40 COVID-19 films": sensitivity is measured on the COVID-19 films only);
    `card_interval`: the card's own, where it has one (an adapted model's figure comes from a check
    part of a few dozen films: 1.00 on 15 of them is no yardstick)."""
    shown = f"{name} {value:.2f} {figures.bounds(interval)}"
    if card_value is None:
        return f"On your {films}: {shown}.", False
    # "below" as the reader sees it: the interval's printed top (rounded outwards) under the card's
    # figure, and under the bottom of the card's own interval where it has one
    floor = figures.outward(card_interval)[0] if card_interval else round(card_value, 2)
    top = figures.outward(interval)[1]
    if top < floor:
        return (f"On your {films}: {shown}, below the {card_value:.2f} the model card reports.", True)
    if value < card_value and round(card_value, 2) <= top:
        return (f"On your {films}: {shown}; the model card reports {card_value:.2f}, which is within "
                f"this interval: more films would tell.", False)
    if value < card_value:  # above this interval, but the card's own few films leave it unsure too
        return (f"On your {films}: {shown}; the model card reports {card_value:.2f} "
                f"{figures.bounds(card_interval)} from its own few check films, and the two intervals "
                f"overlap: more films would tell.", False)
    return f"On your {films}: {shown}, in line with the {card_value:.2f} the model card reports.", False


WINDOW_ADAPT = "Tools ▸ Train or adapt a model"
BY_HAND = ("The model card has no figures at a threshold set by hand: check the model at one of its operating "
           "points (Balanced or Screening) to judge it.")


def verdict(report: dict, card: dict, point: str | None = None, adapt: str = WINDOW_ADAPT) -> dict:
    """{"sentences": [...], "rely": bool}: plain-language reading of a site check made at the
    operating point `point` (None: the card's default), against the model's own figures at that
    point (an adapted model's: its site check's); a threshold set by hand has none to compare with.
    `adapt`: how the user adapts a model where they are (the window's menu, or the command)."""
    own = figures.own(card, point)
    test = own if point in (None, own["point"]) else {}
    sentences, alarm = [], False
    n = report.get("n", 0)
    if not n:
        found = sum((report.get("rejected") or {}).values()) + report.get("errors", 0)
        return {"sentences": ["None of your films could be judged (all were refused or unreadable)." if found else
                              "No films were found in those folders."], "rely": False, "judged": False}
    covid, normal = report.get("n_covid", 0), report.get("n_normal", 0)
    if min(covid, normal) < MIN_PER_CLASS:
        return {"sentences": [f"Too few films to judge: {covid} COVID-19 and {normal} normal films could be judged; "
                              f"a verdict needs at least {MIN_PER_CLASS} of each."], "rely": False, "judged": False}
    for key, name in (("sensitivity", "sensitivity"), ("specificity", "specificity")):
        if report.get(key) is None or not report.get(f"{key}_ci95"):
            continue
        films = (f"{report['n_covid']} COVID-19 films" if key == "sensitivity" else
                 f"{report['n_normal']} Normal films")
        # An adapted model's figures come from a check part of a few dozen films: weighed with their
        # interval. A trained model's test figures are the yardstick as they are.
        own_interval = test.get(f"{key}_ci95") if test.get("where") == "site_check" else None
        sentence, bad = _compare(name, report[key], report[f"{key}_ci95"], test.get(key), films, own_interval)
        sentences.append(sentence)
        alarm |= bad
    refused = report.get("rejected_fraction") or 0.0
    if refused > 0.05:
        sentences.append(f"The model refused {refused:.0%} of your films as unlike what it can judge.")
        alarm = True
    if not test:  # a threshold set by hand: no figure of the card's to weigh the site's against
        sentences.append(BY_HAND)
        return {"sentences": sentences, "rely": False, "judged": True}
    if alarm:
        sentences.append(f"Do not rely on this model here without adapting it to your films ({adapt}).")
    else:
        sentences.append("Nothing here says the model works worse on your films than on its own test films.")
    return {"sentences": sentences, "rely": not alarm, "judged": True}
