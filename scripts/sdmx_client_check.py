#!/usr/bin/env python3
"""Reads marsad's SDMX output with a real client (sdmx1) and checks it.

Either a running server:

    sdmx_client_check.py --url http://127.0.0.1:PORT/sdmx/2.1

or the files of `marsad export sdmx` (`structure.xml`, `data/{ID}.ss.xml`, `.generic.xml`,
`.json`, `.csv`):

    sdmx_client_check.py --dir DIR

For every dataflow it reads the structure (dataflow, DSD, codelists), then the data in
SDMX-ML structure-specific, SDMX-ML generic and SDMX-JSON (with sdmx1) and SDMX-CSV (with the
csv module: sdmx1 reads only SDMX-CSV 2), and checks that

- sdmx1 parses every message;
- every code of every series key and observation (and every coded attribute) is in the
  codelist of its component, and every TIME_PERIOD is an SDMX period of the series' FREQ
  (annual 2025, monthly 2025-01);
- a suppressed observation (CONF_STATUS other than F) carries no value;
- the four formats hold the same observations (key, period, value);
- against a server, also the flat messages (dimensionAtObservation=AllDimensions), and what
  sdmx1's own Client gets (it builds the URLs: dataflow, data, availableconstraint).

Exits 1 with one line per problem, 0 when everything is accepted. Needs `pip install sdmx1`
(the venv used by the project: ~/.cache/marsad-sdmx-venv).
"""

import argparse
import csv
import io
import math
import re
import sys
from pathlib import Path

try:
    import sdmx
except ImportError:  # pragma: no cover
    sys.exit("sdmx1 is not installed: pip install sdmx1")

PERIOD = re.compile(r"^\d{4}(-(Q[1-4]|S[12]|(0[1-9]|1[0-2])(-\d{2})?))?$")
TIME = "TIME_PERIOD"
# The period a series of each frequency has: annual 2025, quarterly 2025-Q1, monthly 2025-01.
FREQ_PERIOD = {
    "A": re.compile(r"^\d{4}$"),
    "Q": re.compile(r"^\d{4}-Q[1-4]$"),
    "M": re.compile(r"^\d{4}-(0[1-9]|1[0-2])$"),
}
MEDIA = {
    "ss": "application/vnd.sdmx.structurespecificdata+xml;version=2.1",
    "generic": "application/vnd.sdmx.genericdata+xml;version=2.1",
    "json": "application/vnd.sdmx.data+json;version=1.0.0",
    "csv": "application/vnd.sdmx.data+csv;version=1.0.0",
}
SUFFIX = {"ss": "ss.xml", "generic": "generic.xml", "json": "json", "csv": "csv"}


class Problems:
    def __init__(self):
        self.items = []

    def add(self, where, what):
        line = f"{where}: {what}"
        if line not in self.items:
            self.items.append(line)


class Source:
    """Where messages come from: a directory of exported files or a server."""

    def __init__(self, url=None, directory=None):
        self.url = url.rstrip("/") if url else None
        self.dir = Path(directory) if directory else None

    def describe(self):
        return self.url or str(self.dir)

    def _get(self, path, accept):
        import requests

        r = requests.get(f"{self.url}/{path}", headers={"Accept": accept}, timeout=60)
        if r.status_code != 200:
            raise RuntimeError(f"GET {path} ({accept}) answered {r.status_code}: {r.text[:300]}")
        return r.content

    def structures(self):
        if self.dir:
            return sdmx.read_sdmx(self.dir / "structure.xml")
        # All dataflows with everything they reference (DSDs, codelists, concept schemes).
        accept = "application/vnd.sdmx.structure+xml;version=2.1"
        return sdmx.read_sdmx(io.BytesIO(self._get("dataflow/all/all/latest?references=all", accept)))

    def data(self, flow, fmt, query=""):
        if self.dir:
            return (self.dir / "data" / f"{flow.id}.{SUFFIX[fmt]}").read_bytes()
        ref = f"{flow.maintainer.id},{flow.id},{flow.version}"
        return self._get(f"data/{ref}{query}", MEDIA[fmt])


def check_with_client(problems, url, flows, expected):
    """Queries the server the way an sdmx1 user does: sdmx1 builds the URLs and headers."""
    agency = flows[0].maintainer.id if flows else "MARSAD"
    sdmx.add_source(
        {"id": agency, "url": url, "name": "marsad", "supports": {"availableconstraint": True}},
        override=True,
    )
    client = sdmx.Client(agency)
    where = f"sdmx1 Client({agency})"
    try:
        listed = set(client.dataflow().dataflow)
    except Exception as e:  # noqa: BLE001
        problems.add(where, f"dataflow(): {type(e).__name__}: {str(e)[:500]}")
        return
    if listed != {f.id for f in flows}:
        problems.add(where, f"dataflow() lists {sorted(listed)}, expected {sorted(f.id for f in flows)}")
    for flow in flows:
        try:
            msg = client.data(flow.id)
            n = sum(len(ds.obs) for ds in msg.data)
            if n != len(expected.get(flow.id, ())):
                problems.add(where, f"data({flow.id}) gave {n} observations, expected {len(expected.get(flow.id, ()))}")
            cc = client.availableconstraint(flow.id).constraint
            if not cc:
                problems.add(where, f"availableconstraint({flow.id}) gave no constraint")
        except Exception as e:  # noqa: BLE001
            problems.add(where, f"{flow.id}: {type(e).__name__}: {str(e)[:500]}")


def codes_of(component):
    """The set of code ids of a coded component, or None for a non-coded one."""
    rep = component.local_representation
    enum = getattr(rep, "enumerated", None) if rep is not None else None
    if enum is None:
        return None
    return {c.id for c in enum}


def check_value(problems, where, comp_id, value, lists):
    if comp_id == TIME:
        if not PERIOD.match(value):
            problems.add(where, f"TIME_PERIOD '{value}' is not an SDMX period")
        return
    allowed = lists.get(comp_id)
    if allowed is None:
        return
    if value not in allowed:
        problems.add(where, f"{comp_id}='{value}' is not in its codelist")


def number(v):
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return v
    return None if math.isnan(f) else f


def observations_sdmx1(problems, where, msg, lists):
    """(key tuple, period, value) of every observation, checking codes on the way."""
    out = set()
    if not msg.data:
        problems.add(where, "no data set in the message")
        return out
    for ds in msg.data:
        for obs in ds.obs:
            key = {}
            if obs.series_key is not None:
                for kv in obs.series_key.values.values():
                    key[kv.id] = str(kv.value)
            if obs.dimension is not None:
                for kv in obs.dimension.values.values():
                    key[kv.id] = str(kv.value)
            for comp_id, value in key.items():
                check_value(problems, where, comp_id, value, lists)
            freq, period = key.get("FREQ"), key.get(TIME)
            if freq in FREQ_PERIOD and period is not None and not FREQ_PERIOD[freq].match(period):
                problems.add(where, f"FREQ={freq} but TIME_PERIOD '{period}'")
            attrs = {}
            for source in (obs.attached_attribute or {}, getattr(obs.series_key, "attrib", {}) or {}):
                for a_id, av in source.items():
                    attrs[a_id] = str(getattr(av.value, "id", av.value))
            for a_id, value in attrs.items():
                check_value(problems, where, a_id, value, lists)
            value = number(obs.value)
            conf = attrs.get("CONF_STATUS")
            if conf not in (None, "F") and value is not None:
                problems.add(where, f"{key} is confidential ({conf}) but has value {value}")
            period = key.pop(TIME, None)
            out.add((tuple(sorted(key.items())), period, value))
    return out


def observations_csv(problems, where, content, flow, dsd, lists):
    out = set()
    text = content.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        problems.add(where, "empty CSV")
        return out
    dims = [d.id for d in dsd.dimensions.components]
    if TIME in dims:  # TIME_PERIOD last, as marsad writes it
        dims.remove(TIME)
    dims.append(TIME)
    attrs = [a.id for a in dsd.attributes.components]
    expected = ["DATAFLOW", *dims, "OBS_VALUE", *attrs]
    if rows[0] != expected:
        problems.add(where, f"header {rows[0]} is not {expected}")
        return out
    flow_ref = f"{flow.maintainer.id}:{flow.id}({flow.version})"
    for n, row in enumerate(rows[1:], start=2):
        if len(row) != len(expected):
            problems.add(where, f"line {n} has {len(row)} fields, expected {len(expected)}")
            continue
        rec = dict(zip(expected, row))
        if rec["DATAFLOW"] != flow_ref:
            problems.add(where, f"line {n}: DATAFLOW '{rec['DATAFLOW']}' is not {flow_ref}")
        for comp_id in [*dims, *attrs]:
            if rec[comp_id] != "":
                check_value(problems, f"{where} line {n}", comp_id, rec[comp_id], lists)
        value = number(rec["OBS_VALUE"]) if rec["OBS_VALUE"] != "" else None
        conf = rec.get("CONF_STATUS") or None
        if conf not in (None, "F") and value is not None:
            problems.add(where, f"line {n} is confidential ({conf}) but has value {value}")
        key = tuple(sorted((d, rec[d]) for d in dims if d != TIME))
        out.add((key, rec[TIME], value))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--url", help="base URL of the SDMX API, e.g. http://127.0.0.1:8080/sdmx/2.1")
    group.add_argument("--dir", help="a directory written by `marsad export sdmx`")
    args = parser.parse_args()
    source = Source(url=args.url, directory=args.dir)
    problems = Problems()

    try:
        sm = source.structures()
    except Exception as e:  # noqa: BLE001 — any failure to read is the finding
        print(f"{source.describe()}: sdmx1 cannot read the structures: {type(e).__name__}: {str(e)[:500]}")
        return 1
    flows = list(sm.dataflow.values())
    if not flows:
        problems.add(source.describe(), "no dataflow")
    checked = 0
    expected = {}
    for flow in flows:
        where = f"dataflow {flow.id}"
        dsd = flow.structure
        if dsd is None or dsd.id not in sm.structure:
            problems.add(where, "its data structure is not in the structure message")
            continue
        dsd = sm.structure[dsd.id]
        lists = {}
        for comp in [*dsd.dimensions.components, *dsd.attributes.components]:
            codes = codes_of(comp)
            if codes is not None:
                if not codes:
                    problems.add(where, f"the codelist of {comp.id} is empty or missing")
                lists[comp.id] = codes
        for comp in dsd.dimensions.components:
            if comp.id != TIME and comp.id not in lists:
                problems.add(where, f"dimension {comp.id} has no codelist")
        found = {}
        variants = [("ss", ""), ("generic", ""), ("json", "")]
        if source.url:
            flat = "?dimensionAtObservation=AllDimensions"
            variants += [("ss", flat), ("generic", flat), ("json", flat)]
        for fmt, query in variants:
            name = fmt + (" flat" if query else "")
            fwhere = f"{where} [{name}]"
            try:
                content = source.data(flow, fmt, query)
                # SDMX-JSON describes itself; sdmx1 mis-handles a DSD whose attributes are
                # not all used, so it reads JSON without one.
                kwargs = {} if fmt == "json" else {"structure": dsd}
                msg = sdmx.read_sdmx(io.BytesIO(content), **kwargs)
            except Exception as e:  # noqa: BLE001
                problems.add(fwhere, f"sdmx1 cannot read it: {type(e).__name__}: {str(e)[:500]}")
                continue
            found[name] = observations_sdmx1(problems, fwhere, msg, lists)
        try:
            content = source.data(flow, "csv")
            found["csv"] = observations_csv(problems, f"{where} [csv]", content, flow, dsd, lists)
        except Exception as e:  # noqa: BLE001
            problems.add(f"{where} [csv]", f"cannot read it: {type(e).__name__}: {str(e)[:500]}")
        reference = found.get("ss")
        if reference is not None and not reference:
            problems.add(where, "no observations")
        for fmt, obs in found.items():
            if reference is not None and obs != reference:
                diff = sorted(obs ^ reference, key=repr)[:3]
                problems.add(where, f"{fmt} holds other observations than ss, e.g. {diff}")
        checked += 1
        expected[flow.id] = reference or set()
        print(f"{flow.id}: {len(reference or ())} observations read in {', '.join(found)}")

    if source.url:
        check_with_client(problems, source.url, flows, expected)

    if problems.items:
        print(f"{len(problems.items)} problem(s) in {source.describe()}:", file=sys.stderr)
        for p in problems.items:
            print(f"  {p}", file=sys.stderr)
        return 1
    print(f"ok: {checked} dataflow(s) accepted by sdmx1 {sdmx.__version__}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
