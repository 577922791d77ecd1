#!/usr/bin/env python3
"""Writes a canonical person CSV of N rows (default 1,000,000) for the ingest benchmark.

Deterministic (seeded); names in Arabic and Latin script; every row valid, so the benchmark
measures the accepted path. Usage: gen_persons.py OUT.csv [N]
"""
import csv
import random
import sys

out = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
rng = random.Random(2024)
given_lat = ["Mohamed", "Ahmed", "Ali", "Youssef", "Fatma", "Amira", "Salah", "Khaled", "Nour", "Leila",
             "Sami", "Hedi", "Mariem", "Ines", "Omar", "Rania", "Karim", "Sonia", "Walid", "Hela"]
given_ar = ["محمد", "أحمد", "علي", "يوسف", "فاطمة", "أميرة", "صالح", "خالد", "نور", "ليلى"]
family_lat = ["Trabelsi", "Ben Ali", "Gharbi", "Jebali", "Hammami", "Bouazizi", "Mejri", "Ayari",
              "Dridi", "Sassi", "Chebbi", "Khelifi", "Ferchichi", "Baccouche", "Zouari"]
family_ar = ["الطرابلسي", "بن علي", "الغربي", "الجبالي", "الحمامي", "البوعزيزي", "المجري", "العياري"]
nat = ["TUN", "TUN", "TUN", "LBY", "DZA", "MAR", "EGY", "SYR", "CIV", "SEN", "FRA", "ITA"]
with open(out, "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["source", "record_id", "given_name", "family_name", "father_name", "mother_name", "sex",
                "birth_date", "birth_place", "nationality", "document_type", "document_number", "phone",
                "address", "locality", "postcode"])
    for i in range(n):
        arabic = rng.random() < 0.4
        g = rng.choice(given_ar if arabic else given_lat)
        fam = rng.choice(family_ar if arabic else family_lat)
        father = rng.choice(given_ar if arabic else given_lat)
        y, m, d = rng.randint(1940, 2010), rng.randint(1, 12), rng.randint(1, 28)
        w.writerow(["bench", f"P{i:08d}", g, fam, father, "", rng.choice("MF"), f"{y:04d}-{m:02d}-{d:02d}",
                    "Tunis", rng.choice(nat), "passport", f"X{rng.randint(0, 99999999):08d}",
                    f"+216{rng.randint(20000000, 99999999)}", f"{rng.randint(1, 200)} rue de la Liberté",
                    "Tunis", f"{rng.randint(1000, 9999)}"])
