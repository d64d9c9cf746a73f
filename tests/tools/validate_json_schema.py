#!/usr/bin/env python3
"""Validates a JSON document against a JSON schema; prints the first error.

Usage: validate_json_schema.py SCHEMA DOCUMENT   (exit 0 valid, 1 invalid, 2 no jsonschema)
"""
import json
import sys

try:
    import jsonschema
except ImportError:
    print("python3-jsonschema is not installed", file=sys.stderr)
    sys.exit(2)

schema = json.load(open(sys.argv[1]))
document = json.load(open(sys.argv[2]))
validator = jsonschema.validators.validator_for(schema)(schema)
errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
for e in errors[:5]:
    print(f"{'/'.join(str(p) for p in e.path)}: {e.message}", file=sys.stderr)
sys.exit(1 if errors else 0)
