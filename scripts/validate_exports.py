#!/usr/bin/env python3
"""Validates mscreg's standard exports with third-party libraries (scripts/validate-exports).

  validate_exports.py fhir BUNDLE.json --secret S [--secret S …] [--expect-head ID:HASH]
  validate_exports.py odm FILE.xml --secrets-file F [--expect-head ID:HASH]

FHIR: parses the bundle with fhir.resources (R4B models): the Bundle as a whole and every
entry's resource through its own model class; checks that the bundle is a collection, that
fullUrls are unique, that every reference (any "reference" key, at any depth) resolves to an
entry of the bundle, that no calendar date other than a bare birth year appears, and that none
of the --secret strings (identifiers seeded into the identity schema) occurs anywhere in the
file. ODM: validates the file against the ODM 1.3.2 schema shipped with odmlib
(odmlib.odm_parser.ODMSchemaValidator; every error listed, zero allowed), checks FileType
Snapshot, one SubjectData per study ID, the audit head in StudyDescription, no calendar date
outside CreationDateTime and no secret. Exits 1 listing every problem.
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


def check_odm(path, secrets, expect_head):
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
    body = text.replace(root.get("CreationDateTime", "\0"), "")
    if DATE.search(body):
        problems.append(f"calendar date in the ODM file: {DATE.search(body).group(0)}")
    items = sum(1 for _ in root.iterfind(".//odm:ItemData", ns))
    return problems, f"{path}: {len(keys)} subjects, {items} ItemData"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["fhir", "odm"])
    parser.add_argument("file")
    parser.add_argument("--secret", action="append", default=[])
    parser.add_argument("--secrets-file")
    parser.add_argument("--expect-head")
    parser.add_argument("--expect", action="append", default=[],
                        help="a resource type that must occur (repeatable)")
    args = parser.parse_args()
    secrets = list(args.secret)
    if args.secrets_file:
        secrets += [line.strip() for line in open(args.secrets_file) if line.strip()]
    if args.kind == "odm":
        problems, summary = check_odm(args.file, secrets, args.expect_head)
        for problem in problems[:200]:
            print(f"error: {problem}", file=sys.stderr)
        if problems:
            print(f"{summary}: {len(problems)} problem(s)", file=sys.stderr)
            sys.exit(1)
        print(f"{summary}: valid against the ODM 1.3.2 schema (odmlib), "
              f"{len(secrets)} identifiers absent")
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
