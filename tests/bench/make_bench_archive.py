#!/usr/bin/env python3
"""Writes a large synthetic CloudTrail archive in the real S3 layout, for benchmarks.

Deterministic (fixed seed). Mostly benign traffic in real record shapes (the
generator of the test data makes the templates), spread over many principals,
accounts and regions, ~700 records per file like busy real trails, plus one
instance of the 2025 campaign so the scan has something to find.

With --mixed-sizes, file sizes vary as in a real organization trail instead:
a quiet region still delivers a file every five minutes, so most files hold a
few records and a few hold thousands (records per file log-normal, median 20,
mean ~140, capped at 5,000; half the files hold 20 or fewer, most bytes are in
files of hundreds). The table's archive keeps 700 a file, so that its rows
stay comparable across sessions.

Usage: make_bench_archive.py OUTDIR [--size-mb 2000] [--principals 100000] [--jobs 2]
                             [--records-per-file 700 | --mixed-sizes]
"""
import argparse
import gzip
import hashlib
import json
import math
import multiprocessing
import os
import random
import sys
import uuid
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tools"))
import make_testdata as gen  # noqa: E402

ACCOUNTS = [f"{100000000000 + i * 7919:012d}" for i in range(8)]
REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-1"]
START = datetime(2025, 11, 1, tzinfo=timezone.utc)


def templates():
    """Benign records as JSON text with @NAME@ placeholders for what varies.

    What varies is what varies in real trails: each call has its own eventID
    and requestID (UUIDs), each role session its own access key, start time
    and address, each AssumeRole its own session name, credentials and
    sharedEventID. Templates that repeat those (as this archive's did until
    2026-11-27) compress 12.8x where real CloudTrail files compress ~8x (the
    public records in the project's corpus, minified: 7.9x), and a too
    compressible archive makes the inflate limit look faster than it is.
    """
    out = []
    for acct in ACCOUNTS[:1]:
        ident = [(gen.iam_user(acct, "PRINCIPAL"), "@PUBLICIP@", gen.CLI_UA),
                 (gen.assumed_role(acct, "app-role", "PRINCIPAL"), "@PRIVATEIP@", gen.BOTO)]
        for r in gen.benign_noise(acct, START, 4, 100, REGIONS, ident):
            host_region = f".{r['awsRegion']}.amazonaws.com"
            r["eventID"], r["requestID"] = "@EVENTID@", "@REQUESTID@"
            r["eventTime"], r["awsRegion"] = "@EVENTTIME@", "@REGION@"
            user = r["userIdentity"]
            if "accessKeyId" in user:
                user["accessKeyId"] = user["accessKeyId"][:4] + "@KEY@"
            if "sessionContext" in user:
                user["sessionContext"]["attributes"]["creationDate"] = "@SESSIONSTART@"
            if "sharedEventID" in r:
                r["sharedEventID"] = "@SHAREDID@"
            if r["eventName"] == "AssumeRole":
                r["requestParameters"]["roleSessionName"] = "@SESSIONNAME@"
                creds = r["responseElements"]["credentials"]
                creds["accessKeyId"] = "ASIA@NEWKEY@"
                creds["sessionToken"] = creds["sessionToken"][:17] + "@TOKEN@"
            text = json.dumps(r, separators=(",", ":"))
            out.append(text.replace(acct, "@ACCOUNT@").replace(host_region, ".@REGION@.amazonaws.com"))
    return out


KEY_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
TOKEN_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def uuid4(rng):
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def principal_values(p, cache={}):  # noqa: B006 (a per-process cache)
    """A principal's session: its access key, address and start, the same in every file."""
    if p not in cache:
        d = hashlib.sha256(f"principal-{p}".encode()).digest()
        cache[p] = {"@KEY@": "".join(KEY_CHARS[b % 32] for b in d[:16]),
                    "@PUBLICIP@": f"198.51.100.{d[16] % 254 + 1}",
                    "@PRIVATEIP@": f"10.{d[17]}.{d[18]}.{d[19] % 254 + 1}",
                    "@SESSIONSTART@": (START - timedelta(minutes=int.from_bytes(d[20:22], "big") % 720))
                    .strftime("%Y-%m-%dT%H:%M:%SZ")}
    return cache[p]


def fill(text, rng, acct, region, t, principals):
    """One record from a template: this call's IDs, a principal's session."""
    p = rng.randrange(principals)
    values = {"@ACCOUNT@": acct, "@REGION@": region, "@EVENTTIME@": t.strftime("%Y-%m-%dT%H:%M:%SZ"),
              "@EVENTID@": uuid4(rng), "@REQUESTID@": uuid4(rng), "PRINCIPAL": f"p{p:06d}",
              **principal_values(p)}
    if "@SHAREDID@" in text:
        values["@SHAREDID@"] = uuid4(rng)
    if "@SESSIONNAME@" in text:
        values["@SESSIONNAME@"] = f"{rng.getrandbits(64):016x}"
        values["@NEWKEY@"] = "".join(rng.choices(KEY_CHARS, k=16))
        values["@TOKEN@"] = "".join(rng.choices(TOKEN_CHARS, k=40))
    for name, value in values.items():
        text = text.replace(name, value)
    return text


MIXED_MEDIAN, MIXED_SIGMA, MIXED_CAP = 20, 2.0, 5000


def mixed_records(rng):
    return min(MIXED_CAP, max(1, round(math.exp(rng.gauss(math.log(MIXED_MEDIAN), MIXED_SIGMA)))))


def write_file(args):
    index, out_dir, records_per_file, principals, seed = args
    rng = random.Random(seed * 1_000_003 + index)
    if records_per_file is None:  # --mixed-sizes
        records_per_file = mixed_records(rng)
    acct = ACCOUNTS[index % len(ACCOUNTS)]
    region = REGIONS[(index // len(ACCOUNTS)) % len(REGIONS)]
    delivered = START + timedelta(minutes=5 * (index // (len(ACCOUNTS) * len(REGIONS))))
    parts = []
    for _ in range(records_per_file):
        t = delivered - timedelta(seconds=rng.randrange(300))
        parts.append(fill(rng.choice(TEMPLATES), rng, acct, region, t, principals))
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
    ap.add_argument("--mixed-sizes", action="store_true", help="records per file as in a real trail (see above)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count())
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    if a.records_per_file < 1:
        ap.error("--records-per-file must be at least 1")
    tpl = templates()
    sample = random.Random(0)
    avg = sum(len(fill(t, sample, ACCOUNTS[0], REGIONS[0], START, a.principals)) for t in tpl) / len(tpl)
    per_file = a.records_per_file
    if a.mixed_sizes:
        draw = random.Random(0)
        per_file = sum(mixed_records(draw) for _ in range(100_000)) / 100_000
    files = max(1, int(a.size_mb * 1e6 / (avg * per_file)))
    records_arg = None if a.mixed_sizes else a.records_per_file
    with multiprocessing.Pool(a.jobs, initializer=init, initargs=(tpl,)) as pool:
        total = sum(pool.imap_unordered(write_file, [(i, a.out, records_arg, a.principals, a.seed) for i in range(files)], chunksize=8))
    # One campaign instance, so the benchmark exercises the whole rule path.
    gen.rng.seed(a.seed)
    acct = ACCOUNTS[0]
    attack = gen.campaign(acct, gen.iam_user(acct, "ci-deployer"), START + timedelta(hours=2))
    gen.OUT = a.out
    gen.write_s3_archive(".", attack)
    print(f"{files + 1} files, {total / 1e6:.0f} MB uncompressed", file=sys.stderr)


if __name__ == "__main__":
    main()
