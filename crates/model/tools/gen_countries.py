#!/usr/bin/env python3
"""Generate crates/model/data/countries.csv from pycountry (ISO 3166-1).

Run once when ISO 3166-1 changes:

    pip install pycountry
    python3 crates/model/tools/gen_countries.py > crates/model/data/countries.csv

Columns: alpha2, alpha3, numeric, name_ar, name_fr, name_en, other_names.
`name_*` are the short display names (pycountry `common_name` when it has one,
else `name`); `other_names` holds the ISO `name` and `official_name` in the
three languages, `|`-separated, so they are matched too. The four ICAO Doc 9303
codes for stateless persons, refugees and unspecified nationality are appended
by hand (they have no alpha-2 or numeric code).
"""
import csv
import gettext
import os
import sys

import pycountry

LOCALES = os.path.join(os.path.dirname(pycountry.__file__), "locales")
TR = {
    lang: gettext.translation("iso3166-1", LOCALES, languages=[lang])
    for lang in ("ar", "fr")
}

ICAO = [
    ("XXA", "عديم الجنسية", "Apatride", "Stateless person",
     ["Stateless", "Apatride", "عديم الجنسية", "بدون جنسية", "بدون"]),
    ("XXB", "لاجئ (اتفاقية 1951)", "Réfugié (Convention de 1951)",
     "Refugee (1951 Convention)", ["Refugee", "Réfugié", "لاجئ"]),
    ("XXC", "لاجئ (غير اتفاقية 1951)", "Réfugié (autre que la Convention de 1951)",
     "Refugee (other than 1951 Convention)", []),
    ("XXX", "جنسية غير محددة", "Nationalité non précisée", "Unspecified nationality",
     ["Unspecified", "Non précisée", "غير محدد", "غير محددة"]),
]


def tr(lang, text):
    if lang == "en":
        return text
    return TR[lang].gettext(text)


def main():
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["alpha2", "alpha3", "numeric", "name_ar", "name_fr", "name_en", "other_names"])
    for c in sorted(pycountry.countries, key=lambda c: c.alpha_3):
        display = getattr(c, "common_name", None) or c.name
        names = {lang: tr(lang, display) for lang in ("ar", "fr", "en")}
        # A missing translation comes back as the English msgid; fall back to the ISO name's.
        for lang in ("ar", "fr"):
            if names[lang] == display and display != c.name:
                names[lang] = tr(lang, c.name)
        others = []
        for attr in ("name", "official_name", "common_name"):
            value = getattr(c, attr, None)
            if not value:
                continue
            for lang in ("ar", "fr", "en"):
                t = tr(lang, value)
                if t not in others and t not in names.values():
                    others.append(t)
        out.writerow([c.alpha_2, c.alpha_3, c.numeric, names["ar"], names["fr"], names["en"], "|".join(others)])
    for code, ar, fr, en, others in ICAO:
        out.writerow(["", code, "", ar, fr, en, "|".join(o for o in others if o not in (ar, fr, en))])


if __name__ == "__main__":
    main()
