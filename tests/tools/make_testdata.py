#!/usr/bin/env python3
"""Generates trailsweep's bundled test archive under testdata/.

Deterministic (fixed seed, fixed clock): running it twice gives identical bytes,
so the checked-in output can be regenerated and diffed. Record shapes follow real
CloudTrail records (native key order, userIdentity variants, EC2 "...Set"/"items"
lists, Lambda's versioned event names, IAM's locale dates); see the
CloudTrail reference the project keeps for the sources.

Usage: python3 tests/tools/make_testdata.py [OUTDIR]   (default: testdata)
"""
import gzip
import io
import json
import os
import random
import shutil
import sys
import uuid
from datetime import datetime, timedelta, timezone

OUT = sys.argv[1] if len(sys.argv) > 1 else "testdata"
rng = random.Random(20251102)


def uid():
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def hexid(n):
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def alnum(n):
    return "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(n))


def ts(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def iam_date(dt):
    return dt.strftime("%b %-d, %Y %-I:%M:%S %p")


# ---------------------------------------------------------------- identities

def iam_user(account, name, key=None):
    return {"type": "IAMUser", "principalId": "AIDA" + alnum(17), "arn": f"arn:aws:iam::{account}:user/{name}",
            "accountId": account, "accessKeyId": key or ("AKIA" + alnum(16)), "userName": name}


def assumed_role(account, role, session, key=None, created=None):
    rid = "AROA" + alnum(17)
    return {"type": "AssumedRole", "principalId": f"{rid}:{session}",
            "arn": f"arn:aws:sts::{account}:assumed-role/{role}/{session}", "accountId": account,
            "accessKeyId": key or ("ASIA" + alnum(16)),
            "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": rid,
                                                 "arn": f"arn:aws:iam::{account}:role/{role}",
                                                 "accountId": account, "userName": role},
                               "webIdFederationData": {},
                               "attributes": {"creationDate": created or "2025-11-02T00:00:00Z",
                                              "mfaAuthenticated": "false"}}}


def autoscaling_slr(account):
    ident = assumed_role(account, "AWSServiceRoleForAutoScaling", "AutoScaling")
    ident["sessionContext"]["sessionIssuer"]["arn"] = (
        f"arn:aws:iam::{account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling")
    ident["invokedBy"] = "autoscaling.amazonaws.com"
    return ident


def aws_service(service):
    return {"type": "AWSService", "invokedBy": service}


# ---------------------------------------------------------------- records

def record(when, identity, source, name, region, ip, ua, req=None, resp=None, error=None,
           read_only=False, account=None, event_type="AwsApiCall", extra=None):
    acct = account or identity.get("accountId")
    r = {"eventVersion": "1.11" if source != "signin.amazonaws.com" else "1.08",
         "userIdentity": identity, "eventTime": ts(when), "eventSource": source, "eventName": name,
         "awsRegion": region, "sourceIPAddress": ip, "userAgent": ua}
    if error:
        r["errorCode"], r["errorMessage"] = error
    r["requestParameters"] = req
    r["responseElements"] = resp
    r["requestID"] = uid()
    r["eventID"] = uid()
    r["readOnly"] = read_only
    r["eventType"] = event_type
    r["managementEvent"] = True
    r["recipientAccountId"] = acct
    r["eventCategory"] = "Management"
    if extra:
        r.update(extra)
    if ip and ip[0].isdigit():
        r["tlsDetails"] = {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256",
                           "clientProvidedHostHeader": f"{source.split('.')[0]}.{region}.amazonaws.com"}
    return r


BOTO = "Boto3/1.40.61 md/Botocore#1.40.61 ua/2.0 os/linux#5.15.0-1084-aws md/arch#x86_64 lang/python#3.12.3 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.40.61"
CLI_UA = "aws-cli/2.27.41 md/awscrt#0.26.1 ua/2.0 os/macos#24.5.0 md/arch#arm64 lang/python#3.13.4 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/prompt#off md/command#{}"
CONSOLE_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36"
TERRAFORM_UA = "APN/1.0 HashiCorp/1.0 Terraform/1.13.4 (+https://www.terraform.io) terraform-provider-aws/6.19.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.39.5 ua/2.1 os/linux lang/go#1.24.8 md/GOOS#linux md/GOARCH#amd64 api/ecs#1.66.0"


# ---------------------------------------------------------------- benign noise

def benign_noise(account, start, hours, per_hour, regions, principals):
    """Describe/List/Get traffic, console work, service AssumeRole: what fills real trails."""
    out = []
    reads = [("ec2.amazonaws.com", "DescribeInstances", {"filterSet": {}, "instancesSet": {}}),
             ("ec2.amazonaws.com", "DescribeSecurityGroups", {"filterSet": {}, "securityGroupSet": {}}),
             ("ec2.amazonaws.com", "DescribeVolumes", {"volumeSet": {}, "filterSet": {}}),
             ("s3.amazonaws.com", "ListBuckets", {"Host": "s3.amazonaws.com"}),
             ("s3.amazonaws.com", "GetBucketPolicy", {"bucketName": "acme-logs", "Host": "acme-logs.s3.amazonaws.com", "policy": ""}),
             ("iam.amazonaws.com", "ListRoles", {"maxItems": 100}),
             ("iam.amazonaws.com", "GetRole", {"roleName": "app-runtime"}),
             ("sts.amazonaws.com", "GetCallerIdentity", None),
             ("ecs.amazonaws.com", "ListClusters", {"maxResults": 100}),
             ("ecs.amazonaws.com", "DescribeServices", {"cluster": "prod", "services": ["web"]}),
             ("lambda.amazonaws.com", "ListFunctions20150331", {"maxItems": 50}),
             ("autoscaling.amazonaws.com", "DescribeAutoScalingGroups", {"maxRecords": 100}),
             ("cloudwatch.amazonaws.com", "DescribeAlarms", {"maxRecords": 100}),
             ("kms.amazonaws.com", "Decrypt", {"encryptionAlgorithm": "SYMMETRIC_DEFAULT"}),
             ("ssm.amazonaws.com", "GetParameters", {"names": ["/app/db/host"], "withDecryption": False})]
    for h in range(hours):
        for _ in range(per_hour):
            when = start + timedelta(hours=h, seconds=rng.randrange(3600))
            ident, ip, ua = rng.choice(principals)
            src, name, req = rng.choice(reads)
            region = rng.choice(regions) if src != "iam.amazonaws.com" else "us-east-1"
            out.append(record(when, ident, src, name, region, ip, ua.format(name.lower()) if "{}" in ua else ua,
                              req=req, resp=None, read_only=True, account=account))
        # Services assume their roles all day long.
        for _ in range(per_hour // 4):
            when = start + timedelta(hours=h, seconds=rng.randrange(3600))
            svc = rng.choice(["ecs-tasks.amazonaws.com", "lambda.amazonaws.com", "ec2.amazonaws.com"])
            out.append(record(when, aws_service(svc), "sts.amazonaws.com", "AssumeRole", rng.choice(regions), svc, svc,
                              req={"roleArn": f"arn:aws:iam::{account}:role/app-runtime", "roleSessionName": hexid(16)},
                              resp={"credentials": {"accessKeyId": "ASIA" + alnum(16), "sessionToken": "IQoJb3JpZ2luX2VjE" + alnum(40),
                                                    "expiration": iam_date(when + timedelta(hours=1))}},
                              read_only=True, account=account,
                              extra={"resources": [{"accountId": account, "type": "AWS::IAM::Role",
                                                    "ARN": f"arn:aws:iam::{account}:role/app-runtime"}],
                                     "sharedEventID": uid()}))
    return out


# ---------------------------------------------------------------- the campaign

def campaign(account, ident, start, region="us-east-1", ip="203.0.113.77", ua=BOTO, clusters=30,
             groups=14, protected=40, image="yenik65958/secret:user", spot_prefix="SPOT", od_prefix="OD",
             stages=("recon", "roles", "ecs", "ec2", "persist", "lambda", "ses"), regions=None):
    """The November 2025 campaign as the public write-up describes it."""
    out = []
    t = start
    regions = regions or [region]

    def step(seconds=2):
        nonlocal t
        t = t + timedelta(seconds=seconds)
        return t

    def rec(src, name, req, resp, error=None, read_only=False, reg=None):
        out.append(record(step(rng.randint(1, 4)), ident, src, name,
                          reg or (region if src != "iam.amazonaws.com" else "us-east-1"),
                          ip, ua, req=req, resp=resp, error=error, read_only=read_only, account=account))

    instances = ["i-0" + hexid(16) for _ in range(max(protected, 1))]
    if "recon" in stages:
        rec("servicequotas.amazonaws.com", "GetServiceQuota", {"serviceCode": "ec2", "quotaCode": "L-1216C47A"}, None, read_only=True)
        rec("servicequotas.amazonaws.com", "GetServiceQuota", {"serviceCode": "ec2", "quotaCode": "L-34B43A08"}, None, read_only=True)
        for itype in ("p3.16xlarge", "c5.24xlarge"):
            rec("ec2.amazonaws.com", "RunInstances",
                {"instancesSet": {"items": [{"imageId": "ami-0" + hexid(16), "minCount": 1, "maxCount": 1}]},
                 "instanceType": itype, "blockDeviceMapping": {}, "monitoring": {"enabled": False},
                 "disableApiTermination": False, "disableApiStop": False, "clientToken": uid()},
                None, error=("Client.DryRunOperation", "Request would have succeeded, but DryRun flag is set."))
    if "roles" in stages:
        rec("iam.amazonaws.com", "CreateServiceLinkedRole", {"aWSServiceName": "autoscaling.amazonaws.com"},
            {"role": {"path": "/aws-service-role/autoscaling.amazonaws.com/", "roleName": "AWSServiceRoleForAutoScaling",
                      "roleId": "AROA" + alnum(17), "arn": f"arn:aws:iam::{account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling",
                      "createDate": iam_date(t)}})
        trust = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
        rec("iam.amazonaws.com", "CreateRole", {"roleName": "lambda-exec-" + hexid(6), "assumeRolePolicyDocument": trust},
            {"role": {"path": "/", "roleName": "lambda-exec", "roleId": "AROA" + alnum(17),
                      "arn": f"arn:aws:iam::{account}:role/lambda-exec", "createDate": iam_date(t),
                      "assumeRolePolicyDocument": "%7B%22Version%22%3A%222012-10-17%22%7D"}})
        rec("iam.amazonaws.com", "AttachRolePolicy", {"roleName": "lambda-exec",
                                                       "policyArn": "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}, None)
    if "ecs" in stages:
        for i in range(clusters):
            reg = regions[i % len(regions)]
            name = alnum(10).lower()
            out.append(record(step(), ident, "ecs.amazonaws.com", "CreateCluster", reg, ip, ua, account=account,
                              req={"clusterName": name, "capacityProviders": ["FARGATE", "FARGATE_SPOT"]},
                              resp={"cluster": {"clusterArn": f"arn:aws:ecs:{reg}:{account}:cluster/{name}", "clusterName": name,
                                                "status": "ACTIVE", "registeredContainerInstancesCount": 0, "runningTasksCount": 0,
                                                "pendingTasksCount": 0, "activeServicesCount": 0, "statistics": []}}))
            fam = name
            out.append(record(step(), ident, "ecs.amazonaws.com", "RegisterTaskDefinition", reg, ip, ua, account=account,
                              req={"family": fam, "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"], "cpu": "16384",
                                   "memory": "32768", "containerDefinitions": [{"name": fam, "image": image, "essential": True,
                                                                               "command": ["/bin/sh", "-c", "./start.sh"]}]},
                              resp={"taskDefinition": {"taskDefinitionArn": f"arn:aws:ecs:{reg}:{account}:task-definition/{fam}:1",
                                                       "family": fam, "revision": 1, "cpu": "16384", "memory": "32768",
                                                       "requiresCompatibilities": ["FARGATE"], "status": "ACTIVE",
                                                       "containerDefinitions": [{"name": fam, "image": image, "cpu": 0, "essential": True}]}}))
            out.append(record(step(), ident, "ecs.amazonaws.com", "CreateService", reg, ip, ua, account=account,
                              req={"cluster": name, "serviceName": name, "taskDefinition": f"{fam}:1", "desiredCount": 10,
                                   "launchType": "FARGATE", "networkConfiguration": {"awsvpcConfiguration": {
                                       "subnets": ["subnet-0" + hexid(16)], "securityGroups": ["sg-0" + hexid(16)], "assignPublicIp": "ENABLED"}}},
                              resp={"service": {"serviceArn": f"arn:aws:ecs:{reg}:{account}:service/{name}/{name}", "serviceName": name,
                                                "clusterArn": f"arn:aws:ecs:{reg}:{account}:cluster/{name}", "desiredCount": 10,
                                                "launchType": "FARGATE", "status": "ACTIVE"}}))
    if "ec2" in stages:
        templates = []
        for k in range(2):
            lt = "lt-0" + hexid(16)
            tname = f"{'spot' if k == 0 else 'od'}-{hexid(8)}"
            templates.append(lt)
            rec("ec2.amazonaws.com", "CreateLaunchTemplate",
                {"CreateLaunchTemplateRequest": {"LaunchTemplateName": tname, "LaunchTemplateData": {
                    "UserData": "<sensitiveDataRemoved>", "ImageId": "ami-0" + hexid(16), "InstanceType": "g4dn.xlarge"},
                    "ClientToken": uid()}},
                {"CreateLaunchTemplateResponse": {"xmlns": "http://ec2.amazonaws.com/doc/2016-11-15/", "requestId": uid(),
                                                  "launchTemplate": {"launchTemplateId": lt, "launchTemplateName": tname,
                                                                     "defaultVersionNumber": 1, "latestVersionNumber": 1,
                                                                     "createTime": ts(t), "createdBy": ident["arn"]}}})
        group_names = []
        for g in range(groups):
            spot = g % 2 == 0
            gname = f"{spot_prefix if spot else od_prefix}-{region}-G{g // 2 + 1}-{alnum(6)}"
            group_names.append(gname)
            overrides = ([{"instanceType": x} for x in ("g4dn.xlarge", "g5.2xlarge", "p3.2xlarge")] if spot else
                         [{"instanceType": x} for x in ("c5.4xlarge", "m5.4xlarge", "r5.4xlarge")])
            rec("autoscaling.amazonaws.com", "CreateAutoScalingGroup",
                {"autoScalingGroupName": gname, "minSize": 20, "maxSize": 999, "desiredCapacity": 20,
                 "vPCZoneIdentifier": "subnet-0" + hexid(16),
                 "mixedInstancesPolicy": {"launchTemplate": {"launchTemplateSpecification": {"launchTemplateId": templates[0 if spot else 1], "version": "$Latest"},
                                                             "overrides": overrides},
                                          "instancesDistribution": {"onDemandPercentageAboveBaseCapacity": 0 if spot else 100,
                                                                    "spotAllocationStrategy": "price-capacity-optimized"}}},
                None)
        # Auto Scaling launches the instances on the groups' behalf.
        slr = autoscaling_slr(account)
        for n, inst in enumerate(instances):
            gname = group_names[n % len(group_names)] if group_names else "unknown"
            out.append(record(step(1), slr, "ec2.amazonaws.com", "RunInstances", region, "autoscaling.amazonaws.com",
                              "autoscaling.amazonaws.com", account=account,
                              req={"instancesSet": {"items": [{"minCount": 1, "maxCount": 1}]}, "launchTemplate": {"launchTemplateId": templates[0], "version": "1"},
                                   "clientToken": "fleet-" + uid(), "disableApiTermination": False, "disableApiStop": False},
                              resp={"requestId": uid(), "reservationId": "r-0" + hexid(16), "ownerId": account, "requesterId": "940372691376",
                                    "groupSet": {}, "instancesSet": {"items": [{"instanceId": inst, "instanceType": "g4dn.xlarge",
                                                                                "instanceState": {"code": 0, "name": "pending"},
                                                                                "launchTime": int(t.timestamp() * 1000),
                                                                                "tagSet": {"items": [{"key": "aws:autoscaling:groupName", "value": gname}]}}]}}))
        # ...and the actor starts a few itself.
        rec("ec2.amazonaws.com", "RunInstances",
            {"instancesSet": {"items": [{"imageId": "ami-0" + hexid(16), "minCount": 5, "maxCount": 5}]}, "instanceType": "c5.24xlarge",
             "blockDeviceMapping": {}, "monitoring": {"enabled": False}, "disableApiTermination": False, "disableApiStop": False,
             "clientToken": uid()},
            {"requestId": uid(), "reservationId": "r-0" + hexid(16), "ownerId": account, "groupSet": {},
             "instancesSet": {"items": [{"instanceId": "i-0" + hexid(16), "instanceType": "c5.24xlarge",
                                         "instanceState": {"code": 0, "name": "pending"}} for _ in range(5)]}})
    if "persist" in stages:
        for inst in instances[:protected]:
            rec("ec2.amazonaws.com", "ModifyInstanceAttribute",
                {"instanceId": inst, "disableApiTermination": {"value": True}}, {"requestId": uid(), "_return": True})
    if "lambda" in stages:
        fn = "api-" + hexid(8)
        rec("lambda.amazonaws.com", "CreateFunction20150331",
            {"functionName": fn, "runtime": "python3.12", "role": f"arn:aws:iam::{account}:role/lambda-exec", "handler": "index.handler",
             "code": {}, "publish": False, "environment": {}},
            {"functionName": fn, "functionArn": f"arn:aws:lambda:{region}:{account}:function:{fn}", "runtime": "python3.12",
             "role": f"arn:aws:iam::{account}:role/lambda-exec", "state": "Pending", "version": "$LATEST"})
        url_id = alnum(32).lower()
        rec("lambda.amazonaws.com", "CreateFunctionUrlConfig20211031", {"functionName": fn, "authType": "NONE"},
            {"functionUrl": f"https://{url_id}.lambda-url.{region}.on.aws/",
             "functionArn": f"arn:aws:lambda:{region}:{account}:function:{fn}", "authType": "NONE", "creationTime": ts(t)})
        for action, extra in (("lambda:InvokeFunctionUrl", {"functionUrlAuthType": "NONE"}), ("lambda:InvokeFunction", {})):
            req = {"functionName": fn, "statementId": "FunctionURLAllowPublicAccess" + ("" if extra else "Invoke"),
                   "action": action, "principal": "*"}
            req.update(extra)
            stmt = {"Sid": req["statementId"], "Effect": "Allow", "Principal": "*", "Action": action,
                    "Resource": f"arn:aws:lambda:{region}:{account}:function:{fn}"}
            rec("lambda.amazonaws.com", "AddPermission20150331v2", req, {"statement": json.dumps(stmt, separators=(",", ":"))})
    if "ses" in stages:
        user = "user-x1x2x3x4"
        rec("iam.amazonaws.com", "CreateUser", {"userName": user},
            {"user": {"path": "/", "userName": user, "userId": "AIDA" + alnum(17), "arn": f"arn:aws:iam::{account}:user/{user}",
                      "createDate": iam_date(t)}})
        rec("iam.amazonaws.com", "AttachUserPolicy", {"userName": user, "policyArn": "arn:aws:iam::aws:policy/AmazonSESFullAccess"}, None)
        rec("iam.amazonaws.com", "CreateAccessKey", {"userName": user},
            {"accessKey": {"userName": user, "accessKeyId": "AKIA" + alnum(16), "status": "Active", "createDate": iam_date(t)}})
        rec("iam.amazonaws.com", "CreateLoginProfile", {"userName": user, "passwordResetRequired": False},
            {"loginProfile": {"userName": user, "createDate": iam_date(t), "passwordResetRequired": False}})
    return out


# ---------------------------------------------------------------- writers

def native_bytes(records):
    return json.dumps({"Records": records}, separators=(",", ":")).encode()


def gz(data, mtime=0):
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=mtime, filename="") as f:
        f.write(data)
    return buf.getvalue()


def write(path, data):
    full = os.path.join(OUT, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "wb") as f:
        f.write(data)


def write_s3_archive(root, records, org=None):
    """Native delivery: one file per account, region and 5-minute window."""
    buckets = {}
    for r in records:
        t = datetime.strptime(r["eventTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        delivered = t - timedelta(minutes=t.minute % 5, seconds=t.second) + timedelta(minutes=5)
        buckets.setdefault((r["recipientAccountId"], r["awsRegion"], delivered), []).append(r)
    for (acct, region, delivered), recs in sorted(buckets.items()):
        rng.shuffle(recs)  # CloudTrail does not order records within a file
        prefix = f"{root}/AWSLogs/" + (f"{org}/" if org else "") + f"{acct}/CloudTrail/{region}/{delivered:%Y/%m/%d}"
        name = f"{acct}_CloudTrail_{region}_{delivered:%Y%m%dT%H%MZ}_{alnum(16)}.json.gz"
        write(f"{prefix}/{name}", gz(native_bytes(recs)))


def main():
    if os.path.isdir(OUT):
        for sub in ("archive", "exports", "broken"):
            shutil.rmtree(os.path.join(OUT, sub), ignore_errors=True)
    day = datetime(2025, 11, 2, 6, 0, tzinfo=timezone.utc)

    # Account 111122223333: a normal day, and the campaign run with a stolen IAM user key.
    acct = "111122223333"
    admins = [(iam_user(acct, "alice"), "198.51.100.10", CLI_UA),
              (iam_user(acct, "ci-deployer"), "198.51.100.20", TERRAFORM_UA),
              (assumed_role(acct, "AWSReservedSSO_AdministratorAccess_5f2e8c1a9b", "bob@example.com"), "198.51.100.31", CONSOLE_UA)]
    noise = benign_noise(acct, day, 10, 60, ["us-east-1", "us-west-2", "eu-west-1"], admins)
    stolen = iam_user(acct, "ci-deployer", key="AKIA3XAMPLEST0LENKEY")
    attack = campaign(acct, stolen, day + timedelta(hours=3, minutes=12))
    write_s3_archive("archive", noise + attack)
    # An organization trail for a second account: only benign work.
    org_acct = "444455556666"
    org_admins = [(iam_user(org_acct, "alice"), "198.51.100.40", CLI_UA)]
    write_s3_archive("archive", benign_noise(org_acct, day, 4, 30, ["us-east-1"], org_admins), org="o-a1b2c3d4e5")
    # Digest files are skipped by name before any I/O.
    digest = {"awsAccountId": acct, "digestStartTime": "2025-11-02T06:00:00Z", "digestEndTime": "2025-11-02T07:00:00Z",
              "digestS3Bucket": "acme-trail", "digestS3Object": "AWSLogs/...", "logFiles": [],
              "previousDigestSignature": hexid(64), "digestSignatureAlgorithm": "SHA256withRSA"}
    write(f"archive/AWSLogs/{acct}/CloudTrail-Digest/us-east-1/2025/11/02/{acct}_CloudTrail-Digest_us-east-1_acme-trail_us-east-1_20251102T070000Z.json.gz",
          gz(json.dumps(digest).encode()))

    # Other export forms, one benign account each.
    exp_acct = "777788889999"
    exp_admins = [(iam_user(exp_acct, "carol"), "198.51.100.50", CLI_UA)]
    lake = benign_noise(exp_acct, day, 2, 20, ["eu-central-1"], exp_admins)
    write("exports/cloudtrail-lake.jsonl", b"".join(json.dumps(r, separators=(",", ":")).encode() + b"\n" for r in lake))
    cw = benign_noise(exp_acct, day + timedelta(hours=2), 2, 20, ["eu-central-1"], exp_admins)
    write("exports/cloudwatch-export.ndjson.gz", gz(b"".join(json.dumps(r, separators=(",", ":")).encode() + b"\n" for r in cw)))
    arr = benign_noise(exp_acct, day + timedelta(hours=4), 1, 20, ["eu-central-1"], exp_admins)
    write("exports/records-array.json", json.dumps(arr, indent=3, sort_keys=True).encode())
    a = benign_noise(exp_acct, day + timedelta(hours=5), 1, 20, ["eu-central-1"], exp_admins)
    b = benign_noise(exp_acct, day + timedelta(hours=6), 1, 20, ["eu-central-1"], exp_admins)
    write("exports/multi-member.json.gz", gz(native_bytes(a)) + gz(native_bytes(b)))

    # Broken input: every file must be reported with a location, and the rest still read.
    good = benign_noise(exp_acct, day + timedelta(hours=7), 1, 12, ["eu-central-1"], exp_admins)
    whole = gz(native_bytes(good))
    write("broken/truncated.json.gz", whole[: len(whole) * 2 // 3])
    bad_crc = bytearray(whole)
    bad_crc[-8] ^= 0xFF
    write("broken/bad-crc.json.gz", bytes(bad_crc))
    lines = [json.dumps(r, separators=(",", ":")) for r in good[:6]]
    lines[2] = lines[2][: len(lines[2]) // 2]  # cut inside the record
    write("broken/cut-line.jsonl", ("\n".join(lines) + "\n").encode())
    wrong = [dict(r) for r in good[:3]]
    wrong[1]["eventTime"] = 1762063200
    write("broken/wrong-type.json", native_bytes(wrong))
    write("broken/empty.json.gz", b"")
    write("broken/not-json.log", b"this is not CloudTrail\n")


if __name__ == "__main__":
    main()
