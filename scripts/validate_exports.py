#!/usr/bin/env python3
"""Validates mscreg's standard exports with third-party libraries (scripts/validate-exports).

  validate_exports.py fhir BUNDLE.json --secret S [--secret S …] [--expect-head ID:HASH]
  validate_exports.py odm FILE.xml --secrets-file F [--expect-head ID:HASH]
      [--audit-file A] [--real-dates-file D] [--expect-reason amended …]

FHIR: parses the bundle with fhir.resources (R4B models): the Bundle as a whole and every
entry's resource through its own model class; checks that the bundle is a collection, that
fullUrls are unique, that every reference (any "reference" key, at any depth) resolves to an
entry of the bundle, that no calendar date other than a bare birth year appears, and that none
of the --secret strings (identifiers seeded into the identity schema) occurs anywhere in the
file. ODM: validates the file against the ODM 1.3.2 schema shipped with odmlib
(odmlib.odm_parser.ODMSchemaValidator; every error listed, zero allowed), checks FileType
Snapshot, one SubjectData per study ID, the audit head in StudyDescription, no calendar date
outside CreationDateTime and the study-time audit stamps, and no secret. Audit records: every
ItemData has one AuditRecord whose UserRef and LocationRef resolve to a User and a Location of
AdminData, whose DateTimeStamp is study time (YYYY-MM-DDTHH:MM:SSZ, year 1990–2100, and not
one of the cohort's real dates listed in --real-dates-file), whose SourceID is an audit.log
row of --audit-file (lines ID|ACTION|VOIDS) and whose ReasonForChange is the coded text of
that row's kind of change (none for an INSERT); each --expect-reason kind (amended, voided)
and each --expect-source audit.log row id must occur. Exits 1 listing every problem.
"""
import argparse
import json
import re
import sys


def walk(node, path=""):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, f"{path}.{key}")
            if key == "reference" and isinstance(value, str):
                yield ("reference", path, value)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{path}[{index}]")
    elif isinstance(node, str):
        yield ("string", path, node)


DATE = re.compile(r"\b(19|20)\d\d-\d\d-\d\d\b")
STUDY_TIME = re.compile(r"^(\d{4})-(\d\d)-(\d\d)T\d\d:\d\d:\d\dZ$")
STUDY_DAY0 = "2000-01-01T00:00:00Z is the patient's day 0"
CODED_REASONS = {
    kind: f"{kind} (reason recorded in the registry's audit trail)"
    for kind in ["amended", "voided", "deleted"]
}


def check_odm_audit(root, ns, audit_rows, real_dates, expect_reasons, expect_sources):
    """Every ItemData's AuditRecord: references, study time, source row, coded reason."""
    problems = []
    users = {u.get("OID") for u in root.iterfind("odm:AdminData/odm:User", ns)}
    locations = {u.get("OID") for u in root.iterfind("odm:AdminData/odm:Location", ns)}
    description = root.findtext("odm:Study/odm:GlobalVariables/odm:StudyDescription",
                                namespaces=ns) or ""
    if STUDY_DAY0 not in description:
        problems.append(f"StudyDescription does not say {STUDY_DAY0!r}")
    seen = {}
    sources = set()
    missing = 0
    for item in root.iterfind(".//odm:ItemData", ns):
        records = item.findall("odm:AuditRecord", ns)
        where = item.get("ItemOID")
        if len(records) != 1:
            missing += 1
            if missing <= 5:
                problems.append(f"ItemData {where} has {len(records)} AuditRecord(s), not 1")
            continue
        record = records[0]
        user = record.find("odm:UserRef", ns)
        if user is None or user.get("UserOID") not in users:
            problems.append(f"{where}: UserRef without a User in AdminData")
        location = record.find("odm:LocationRef", ns)
        if location is None or location.get("LocationOID") not in locations:
            problems.append(f"{where}: LocationRef without a Location in AdminData")
        stamp = record.findtext("odm:DateTimeStamp", default="", namespaces=ns)
        match = STUDY_TIME.match(stamp)
        if not match or not 1990 <= int(match.group(1)) <= 2100:
            problems.append(f"{where}: DateTimeStamp {stamp!r} is not study time")
        elif stamp[:10] in real_dates:
            problems.append(f"{where}: DateTimeStamp {stamp!r} is a real date of the cohort")
        source = record.findtext("odm:SourceID", default="", namespaces=ns)
        reason = record.findtext("odm:ReasonForChange", namespaces=ns)
        if not source.isdigit():
            problems.append(f"{where}: SourceID {source!r} is not an audit.log row id")
            continue
        sources.add(source)
        if audit_rows is not None:
            row = audit_rows.get(source)
            if row is None:
                problems.append(f"{where}: SourceID {source} is not a row of audit.log")
                continue
            action, voids = row
            kind = ("inserted" if action == "INSERT" else "deleted" if action == "DELETE"
                    else "voided" if voids else "amended")
            if reason != CODED_REASONS.get(kind):
                problems.append(f"{where}: audit.log#{source} ({kind}) has ReasonForChange "
                                f"{reason!r}, expected {CODED_REASONS.get(kind)!r}")
            seen[kind] = seen.get(kind, 0) + 1
        elif reason is not None and reason not in CODED_REASONS.values():
            problems.append(f"{where}: ReasonForChange {reason!r} is not a coded text")
    if missing > 5:
        problems.append(f"… {missing} ItemData without exactly one AuditRecord in all")
    for source in expect_sources:
        if source not in sources:
            problems.append(f"no AuditRecord with SourceID {source} (audit.log#{source})")
    for kind in expect_reasons:
        if not seen.get(kind):
            problems.append(f"no ItemData with a {kind} record (ReasonForChange {kind} …)")
    return problems, seen


def check_fhir(path, secrets, expect_head):
    from fhir.resources.R4B import get_fhir_model_class
    from fhir.resources.R4B.bundle import Bundle

    problems = []
    text = open(path, encoding="utf-8").read()
    for secret in secrets:
        if secret and secret in text:
            problems.append(f"identifier {secret!r} appears in the bundle")
    data = json.loads(text)
    try:
        Bundle.parse_obj(data)
    except Exception as error:  # noqa: BLE001 - report whatever the validator says
        problems.append(f"Bundle: {error}")
    if data.get("type") != "collection":
        problems.append(f"Bundle.type is {data.get('type')!r}, not collection")
    head = data.get("identifier", {})
    if head.get("system") != "urn:mscreg:audit-chain-head":
        problems.append("Bundle.identifier does not name the audit chain head")
    elif expect_head and head.get("value") != f"audit.log#{expect_head}":
        problems.append(f"audit head {head.get('value')!r}, expected audit.log#{expect_head}")
    entries = data.get("entry", [])
    full_urls = {}
    counts = {}
    for index, entry in enumerate(entries):
        resource = entry.get("resource", {})
        kind = resource.get("resourceType")
        counts[kind] = counts.get(kind, 0) + 1
        url = entry.get("fullUrl")
        if url in full_urls:
            problems.append(f"entry {index}: duplicate fullUrl {url}")
        full_urls[url] = index
        if not url or not url.endswith(f"/{kind}/{resource.get('id')}"):
            problems.append(f"entry {index}: fullUrl {url!r} does not end in {kind}/id")
        try:
            get_fhir_model_class(kind).parse_obj(resource)
        except Exception as error:  # noqa: BLE001
            problems.append(f"entry {index} ({kind}/{resource.get('id')}): {error}")
    bases = {url.rsplit("/", 2)[0] + "/" for url in full_urls if url}
    for index, entry in enumerate(entries):
        for kind, where, value in walk(entry.get("resource", {})):
            if kind == "reference":
                if not any(base + value in full_urls for base in bases) and value not in full_urls:
                    problems.append(f"entry {index}{where}: reference {value} does not resolve")
            elif DATE.search(value):
                problems.append(f"entry {index}{where}: calendar date in {value!r}")
    for required in ["ResearchStudy", "ResearchSubject", "Patient", "Consent", "Observation"]:
        if not counts.get(required):
            problems.append(f"no {required} in the bundle")
    summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    return problems, f"{path}: {len(entries)} entries ({summary})"


def check_odm(path, secrets, expect_head, audit_rows=None, real_dates=frozenset(),
              expect_reasons=(), expect_sources=()):
    import xml.etree.ElementTree as ET
    from odmlib.odm_parser import ODMSchemaValidator

    problems = []
    text = open(path, encoding="utf-8").read()
    for secret in secrets:
        if secret and secret in text:
            problems.append(f"identifier {secret!r} appears in the ODM file")
    validator = ODMSchemaValidator(standard="odm", version="1.3.2")
    for error in validator.xsd.iter_errors(path):
        problems.append(f"schema: {error.reason} at {error.path}")
    ns = {"odm": "http://www.cdisc.org/ns/odm/v1.3"}
    root = ET.parse(path).getroot()
    if root.get("FileType") != "Snapshot" or root.get("ODMVersion") != "1.3.2":
        problems.append("not an ODM 1.3.2 Snapshot")
    description = root.findtext("odm:Study/odm:GlobalVariables/odm:StudyDescription",
                                namespaces=ns) or ""
    if expect_head and f"audit.log#{expect_head}" not in description:
        problems.append(f"StudyDescription does not name audit.log#{expect_head}")
    keys = [s.get("SubjectKey") for s in root.iterfind(".//odm:SubjectData", ns)]
    if len(keys) != len(set(keys)):
        problems.append("a study ID has more than one SubjectData")
    if not keys:
        problems.append("no SubjectData")
    defined = {d.get("OID") for d in root.iterfind(".//odm:ItemDef", ns)}
    used = {d.get("ItemOID") for d in root.iterfind(".//odm:ItemData", ns)}
    if used - defined:
        problems.append(f"ItemData without ItemDef: {sorted(used - defined)[:5]}")
    units = {u.get("OID") for u in root.iterfind(".//odm:MeasurementUnit", ns)}
    refs = {u.get("MeasurementUnitOID") for u in root.iterfind(".//odm:MeasurementUnitRef", ns)}
    if refs - units:
        problems.append(f"MeasurementUnitRef without MeasurementUnit: {sorted(refs - units)}")
    lists = {c.get("OID") for c in root.iterfind(".//odm:CodeList", ns)}
    list_refs = {c.get("CodeListOID") for c in root.iterfind(".//odm:CodeListRef", ns)}
    if list_refs - lists:
        problems.append(f"CodeListRef without CodeList: {sorted(list_refs - lists)}")
    audit_problems, seen = check_odm_audit(root, ns, audit_rows, real_dates, expect_reasons,
                                          expect_sources)
    problems += audit_problems
    # Study time (checked above) is the only date-shaped text allowed besides the export time.
    body = text.replace(root.get("CreationDateTime", "\0"), "")
    body = re.sub(r"<DateTimeStamp>[^<]*</DateTimeStamp>", "", body)
    body = body.replace('EffectiveDate="2000-01-01"', "").replace("2000-01-01T00:00:00Z", "")
    if DATE.search(body):
        problems.append(f"calendar date in the ODM file: {DATE.search(body).group(0)}")
    items = sum(1 for _ in root.iterfind(".//odm:ItemData", ns))
    kinds = ", ".join(f"{v} {k}" for k, v in sorted(seen.items()))
    return problems, f"{path}: {len(keys)} subjects, {items} ItemData (audit records: {kinds})"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["fhir", "odm"])
    parser.add_argument("file")
    parser.add_argument("--secret", action="append", default=[])
    parser.add_argument("--secrets-file")
    parser.add_argument("--expect-head")
    parser.add_argument("--audit-file", help="ODM: audit.log rows, one ID|ACTION|VOIDS a line")
    parser.add_argument("--expect-source", action="append", default=[],
                        help="ODM: an audit.log row id some AuditRecord's SourceID must be")
    parser.add_argument("--real-dates-file", help="ODM: the cohort's real dates (YYYY-MM-DD)")
    parser.add_argument("--expect-reason", action="append", default=[],
                        choices=["amended", "voided", "deleted"],
                        help="ODM: a kind of change some ItemData's AuditRecord must carry")
    parser.add_argument("--expect", action="append", default=[],
                        help="a resource type that must occur (repeatable)")
    args = parser.parse_args()
    secrets = list(args.secret)
    if args.secrets_file:
        secrets += [line.strip() for line in open(args.secrets_file) if line.strip()]
    if args.kind == "odm":
        audit_rows = None
        if args.audit_file:
            audit_rows = {}
            for line in open(args.audit_file):
                if line.strip():
                    ident, action, voids = line.strip().split("|")
                    audit_rows[ident] = (action, voids == "t")
        real_dates = frozenset()
        if args.real_dates_file:
            real_dates = frozenset(l.strip() for l in open(args.real_dates_file) if l.strip())
        problems, summary = check_odm(args.file, secrets, args.expect_head, audit_rows,
                                      real_dates, args.expect_reason, args.expect_source)
        for problem in problems[:200]:
            print(f"error: {problem}", file=sys.stderr)
        if problems:
            print(f"{summary}: {len(problems)} problem(s)", file=sys.stderr)
            sys.exit(1)
        print(f"{summary}: valid against the ODM 1.3.2 schema (odmlib), "
              f"{len(secrets)} identifiers absent, every ItemData audited in study time")
        return
    problems, summary = check_fhir(args.file, secrets, args.expect_head)
    data = json.load(open(args.file))
    kinds = {e["resource"]["resourceType"] for e in data.get("entry", [])}
    for kind in args.expect:
        if kind not in kinds:
            problems.append(f"no {kind} in the bundle")
    if problems:
        for problem in problems[:200]:
            print(f"error: {problem}", file=sys.stderr)
        print(f"{summary}: {len(problems)} problem(s)", file=sys.stderr)
        sys.exit(1)
    print(f"{summary}: valid (fhir.resources R4B), every reference resolves, "
          f"{len(secrets)} identifiers absent")


if __name__ == "__main__":
    main()
