#!/usr/bin/env python3
"""Writes a JSON-lines export of long-lived role sessions, for memory benchmarks.

The table's archive gives each AssumedRole session ~1.4 calls, so the actors
that SigmaHQ's AssumeRole rule makes (one per session) hold one or two evidence
records each. Real sessions (an instance profile, a CI role) make hundreds of
calls, and then each of the --max-tracked-principals actors kept holds its
--max-evidence records: this file is that shape, SESSIONS sessions of one role
each making CALLS calls, interleaved in time order, in the record shape the
table's archive uses. Deterministic (fixed seed).

Usage: make_long_sessions.py OUT.jsonl [--sessions 30000] [--calls 40]
"""
import argparse
import random

RECORD = (
    '{"eventVersion":"1.11","userIdentity":{"type":"AssumedRole",'
    '"principalId":"AROABTM53PDPFI8L02S5G:s%(s)06d",'
    '"arn":"arn:aws:sts::100000000000:assumed-role/app-role/s%(s)06d","accountId":"100000000000",'
    '"accessKeyId":"ASIAZUQZNONIDC%(s)06d","sessionContext":{"sessionIssuer":{"type":"Role",'
    '"principalId":"AROABTM53PDPFI8L02S5G","arn":"arn:aws:iam::100000000000:role/app-role",'
    '"accountId":"100000000000","userName":"app-role"},"webIdFederationData":{},'
    '"attributes":{"creationDate":"2025-10-31T14:46:00Z","mfaAuthenticated":"false"}}},'
    '"eventTime":"2025-11-01T%(h)02d:%(m)02d:%(sec)02dZ","eventSource":"ecs.amazonaws.com",'
    '"eventName":"DescribeServices","awsRegion":"ap-southeast-1","sourceIPAddress":"10.227.%(a)d.%(b)d",'
    '"userAgent":"Boto3/1.40.61 md/Botocore#1.40.61 ua/2.0 os/linux#5.15.0-1084-aws md/arch#x86_64 '
    'lang/python#3.12.3 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.40.61",'
    '"requestParameters":{"cluster":"prod","services":["web"]},"responseElements":null,'
    '"requestID":"c559ab93-b132-4c0d-ac15-%(i)012d","eventID":"0ef5df25-6c2f-482b-9dca-%(i)012d",'
    '"readOnly":true,"eventType":"AwsApiCall","managementEvent":true,'
    '"recipientAccountId":"100000000000","eventCategory":"Management"}\n'
)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--sessions", type=int, default=30000)
    parser.add_argument("--calls", type=int, default=40)
    args = parser.parse_args()
    rng = random.Random(7)
    with open(args.out, "w") as f:
        for i in range(args.sessions * args.calls):
            s, second = i % args.sessions, i // args.sessions
            f.write(RECORD % {"s": s, "h": second // 3600 % 24, "m": second // 60 % 60, "sec": second % 60,
                              "a": rng.randrange(256), "b": rng.randrange(256), "i": i})


if __name__ == "__main__":
    main()
