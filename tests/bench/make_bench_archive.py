#!/usr/bin/env python3
"""Writes a large synthetic CloudTrail archive in the real S3 layout, for benchmarks.

Deterministic (fixed seed). Mostly benign traffic in real record shapes (the
generator of the test data makes the templates), spread over many principals,
accounts and regions, ~700 records per file like busy real trails, plus one
instance of the 2025 campaign so the scan has something to find.

Usage: make_bench_archive.py OUTDIR [--size-mb 2000] [--principals 100000] [--jobs 2]
"""
import argparse
import gzip
import json
import multiprocessing
import os
import random
import sys
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools"))
import make_testdata as gen  # noqa: E402

ACCOUNTS = [f"{100000000000 + i * 7919:012d}" for i in range(8)]
REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-1"]
START = datetime(2025, 11, 1, tzinfo=timezone.utc)


def templates():
    """Benign records as JSON text with placeholders for what varies."""
    out = []
    for acct in ACCOUNTS[:1]:
        ident = [(gen.iam_user(acct, "PRINCIPAL"), "198.51.100.10", gen.CLI_UA),
                 (gen.assumed_role(acct, "app-role", "PRINCIPAL"), "10.1.2.3", gen.BOTO)]
        for r in gen.benign_noise(acct, START, 4, 100, REGIONS, ident):
            text = json.dumps(r, separators=(",", ":"))
            text = text.replace(acct, "ACCOUNT").replace(r["eventID"], "EVENTID").replace(r["eventTime"], "EVENTTIME")
            text = text.replace(f'"awsRegion":"{r["awsRegion"]}"', '"awsRegion":"REGION"')
            out.append(text)
    return out


def write_file(args):
    index, out_dir, records_per_file, principals, seed = args
    rng = random.Random(seed * 1_000_003 + index)
    tpl = TEMPLATES
    acct = ACCOUNTS[index % len(ACCOUNTS)]
    region = REGIONS[(index // len(ACCOUNTS)) % len(REGIONS)]
    delivered = START + timedelta(minutes=5 * (index // (len(ACCOUNTS) * len(REGIONS))))
    parts = []
    for k in range(records_per_file):
        t = delivered - timedelta(seconds=rng.randrange(300))
        text = rng.choice(tpl)
        text = (text.replace("ACCOUNT", acct).replace("REGION", region)
                .replace("EVENTTIME", t.strftime("%Y-%m-%dT%H:%M:%SZ"))
                .replace("EVENTID", f"{rng.getrandbits(64):016x}-{index:08x}-{k:06x}")
                .replace("PRINCIPAL", f"p{rng.randrange(principals):06d}"))
        parts.append(text)
    data = ('{"Records":[' + ",".join(parts) + "]}").encode()
    folder = os.path.join(out_dir, "AWSLogs", acct, "CloudTrail", region, delivered.strftime("%Y/%m/%d"))
    os.makedirs(folder, exist_ok=True)
    name = f"{acct}_CloudTrail_{region}_{delivered:%Y%m%dT%H%MZ}_{index:016X}.json.gz"
    with open(os.path.join(folder, name), "wb") as f:
        f.write(gzip.compress(data, compresslevel=6, mtime=0))
    return len(data)


def init(tpl):
    global TEMPLATES
    TEMPLATES = tpl


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--size-mb", type=int, default=2000, help="uncompressed size to reach")
    ap.add_argument("--principals", type=int, default=100000)
    ap.add_argument("--records-per-file", type=int, default=700)
    ap.add_argument("--jobs", type=int, default=os.cpu_count())
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    tpl = templates()
    avg = sum(len(t) for t in tpl) / len(tpl) + 40
    files = max(1, int(a.size_mb * 1e6 / (avg * a.records_per_file)))
    with multiprocessing.Pool(a.jobs, initializer=init, initargs=(tpl,)) as pool:
        total = sum(pool.imap_unordered(write_file, [(i, a.out, a.records_per_file, a.principals, a.seed) for i in range(files)], chunksize=8))
    # One campaign instance, so the benchmark exercises the whole rule path.
    gen.rng.seed(a.seed)
    acct = ACCOUNTS[0]
    attack = gen.campaign(acct, gen.iam_user(acct, "ci-deployer"), START + timedelta(hours=2))
    gen.OUT = a.out
    gen.write_s3_archive(".", attack)
    print(f"{files + 1} files, {total / 1e6:.0f} MB uncompressed", file=sys.stderr)


if __name__ == "__main__":
    main()
