#!/usr/bin/env python3
"""Checks an orders API's answers before bench/run puts load on it.

usage: check_api.py BASE_URL TOKEN CUSTOMERS PER [SOURCE_JSON]

For a sample of customers (first, last, 42 and a seeded random set) and each request variant the
load uses (email+phone, email only, phone only) it asks BASE_URL/api/v1.0/orders and checks:
status 200, a JSON content type, {"orders": [...]}, exactly the customer's order ids (gen_orders.py
numbers customer c's orders c*PER+1 .. c*PER+PER), newest first. With SOURCE_JSON (the file the
database was imported from) it also compares every field to the source, numbers as numbers and
timestamps as instants. It also asks with a wrong token (must not be 2xx) and for an unknown
customer (must be an empty list).
Prints one line `CHECK_RESULT ok=N bad=N notes=N` after any problems; exits 1 when bad > 0.
"""
import json, random, sys, urllib.error, urllib.parse, urllib.request
from datetime import datetime

base, token, customers, per = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
source = sys.argv[5] if len(sys.argv) > 5 else None

truth = None
if source:
    with open(source, encoding="utf-8") as f:
        truth = {o["id"]: o for o in json.load(f)["orders"]}

bad, ok, notes = [], 0, set()


def get(params):
    url = base + "/api/v1.0/orders?" + urllib.parse.urlencode(params, quote_via=urllib.parse.quote, safe="")
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


def instant(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def same_value(key, want, got):
    if isinstance(want, (int, float)) and not isinstance(want, bool):
        return isinstance(got, (int, float)) and abs(want - got) < 1e-9
    if key in ("date", "createdAt", "updatedAt"):
        try:
            if got != want:
                notes.add(f"timestamp text differs from source (e.g. {want!r} -> {got!r}); same instant")
            return instant(got) == instant(want)
        except (TypeError, ValueError):
            return False
    if key == "products":
        return (isinstance(got, list) and len(got) == len(want)
                and all(set(g) >= set(w) and all(same_value(k, w[k], g[k]) for k in w) for w, g in zip(want, got)))
    return want == got


def check(c, params, what):
    global ok
    status, ctype, body = get(params)
    where = f"customer{c} {what}"
    if status != 200:
        bad.append(f"{where}: status {status}: {body[:200]!r}"); return
    if not ctype.startswith("application/json"):
        bad.append(f"{where}: content-type {ctype!r}"); return
    try:
        orders = json.loads(body)["orders"]
    except (ValueError, KeyError, TypeError):
        bad.append(f"{where}: not {{\"orders\": [...]}}: {body[:200]!r}"); return
    want_ids = {str(c * per + k + 1) for k in range(per)}
    got_ids = [o.get("id") for o in orders]
    if set(got_ids) != want_ids or len(got_ids) != len(want_ids):
        bad.append(f"{where}: ids {got_ids}, want {sorted(want_ids, key=int)}"); return
    try:
        created = [instant(o["createdAt"]) for o in orders]
    except (KeyError, TypeError, ValueError):
        bad.append(f"{where}: createdAt missing or unreadable"); return
    if created != sorted(created, reverse=True):
        bad.append(f"{where}: not newest first: {[o['createdAt'] for o in orders]}"); return
    if truth is not None:
        for o in orders:
            src = truth[o["id"]]
            for k, v in src.items():
                if k in ("email", "phoneNumber") and k not in o:
                    continue  # optional in Belco's format
                if k not in o:
                    bad.append(f"{where}: order {o['id']} lacks {k}"); return
                if not same_value(k, v, o[k]):
                    bad.append(f"{where}: order {o['id']} {k} = {o[k]!r}, source {v!r}"); return
    ok += 1


rnd = random.Random(42)
sample = sorted({0, 1, min(42, customers - 1), customers - 1, *(rnd.randrange(customers) for _ in range(40))})
for c in sample:
    email, phone = f"customer{c}@example.com", f"+3161{c:07d}"
    check(c, {"token": token, "email": email, "phoneNumber": phone}, "email+phone")
    check(c, {"token": token, "email": email, "phoneNumber": ""}, "email only")
    check(c, {"token": token, "email": "", "phoneNumber": phone}, "phone only")

status, _, body = get({"token": token[:-1] + ("x" if token[-1] != "x" else "y"), "email": "customer1@example.com", "phoneNumber": ""})
if 200 <= status < 300:
    bad.append(f"wrong token answered {status}: {body[:200]!r}")
else:
    ok += 1
status, _, body = get({"token": token, "email": f"customer{customers + 7}@example.com", "phoneNumber": ""})
try:
    if status == 200 and json.loads(body)["orders"] == []:
        ok += 1
    else:
        bad.append(f"unknown customer: status {status}: {body[:200]!r}")
except (ValueError, KeyError, TypeError):
    bad.append(f"unknown customer: status {status}: {body[:200]!r}")

for b in bad[:15]:
    print("BAD  " + b)
if len(bad) > 15:
    print(f"BAD  ... and {len(bad) - 15} more")
for n in sorted(notes):
    print("NOTE " + n)
print(f"CHECK_RESULT ok={ok} bad={len(bad)} notes={len(notes)}")
sys.exit(1 if bad else 0)
