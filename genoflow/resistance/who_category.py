"""WHO 2021 resistance categories from the per-drug calls.

RR-TB: rifampicin R. MDR-TB: rifampicin R + isoniazid R. pre-XDR-TB: RR/MDR + a fluoroquinolone
(levofloxacin or moxifloxacin) R. XDR-TB: pre-XDR + bedaquiline or linezolid R. Hr-TB: isoniazid R with
rifampicin S. A category is never raised past what the calls prove: a not-determinable (F) call on a drug
that could raise it is named in the category, e.g. "MDR-TB (fluoroquinolones undetermined)". Without a
rifampicin determination (F) the category is "undetermined"; with no resistance found but some drugs F it
names them: "no resistance detected (streptomycin undetermined)".
"""

from __future__ import annotations

from genoflow.report import DrugCall

FLUOROQUINOLONES = ("levofloxacin", "moxifloxacin")
XDR_DRUGS = ("bedaquiline", "linezolid")


def who_category(calls: list[DrugCall]) -> str:
    c = {d.drug: d.call for d in calls}
    rif, inh = c.get("rifampicin", "F"), c.get("isoniazid", "F")
    if rif == "R":
        category = "MDR-TB" if inh == "R" else "RR-TB"
        if any(c.get(d) == "R" for d in FLUOROQUINOLONES):
            if any(c.get(d) == "R" for d in XDR_DRUGS):
                return "XDR-TB"
            if any(c.get(d) == "F" for d in XDR_DRUGS):
                return "pre-XDR-TB (bedaquiline/linezolid undetermined)"
            return "pre-XDR-TB"
        if any(c.get(d) == "F" for d in FLUOROQUINOLONES):
            return f"{category} (fluoroquinolones undetermined)"
        return category
    if rif == "F":
        return "undetermined"
    if inh == "R":
        return "Hr-TB" if rif == "S" else "Hr-TB (rifampicin uncertain)"
    if any(v == "R" for v in c.values()):
        return "other drug resistance"
    undetermined = sorted(d for d, v in c.items() if v == "F")
    if undetermined:
        return f"no resistance detected ({', '.join(undetermined)} undetermined)"
    return "susceptible"
