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
             groups=14, protected=40, image="yenik65958/secret:user", group_name=None,
             stages=("recon", "roles", "ecs", "ec2", "persist", "lambda", "ses"), regions=None, stage_gap_s=0):
    """The November 2025 campaign as the public write-up describes it."""
    out = []
    t = start
    regions = regions or [region]
    group_name = group_name or (lambda g, spot: f"{'SPOT' if spot else 'OD'}-{region}-G{g // 2 + 1}-{alnum(6)}")

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
        step(stage_gap_s)
        rec("iam.amazonaws.com", "CreateServiceLinkedRole", {"aWSServiceName": "autoscaling.amazonaws.com"},
            {"role": {"path": "/aws-service-role/autoscaling.amazonaws.com/", "roleName": "AWSServiceRoleForAutoScaling",
                      "roleId": "AROA" + alnum(17), "arn": f"arn:aws:iam::{account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling",
                      "createDate": iam_date(t)}})
        trust = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
        rec("iam.amazonaws.com", "CreateRole", {"roleName": "lambda-exec", "assumeRolePolicyDocument": trust},
            {"role": {"path": "/", "roleName": "lambda-exec", "roleId": "AROA" + alnum(17),
                      "arn": f"arn:aws:iam::{account}:role/lambda-exec", "createDate": iam_date(t),
                      "assumeRolePolicyDocument": "%7B%22Version%22%3A%222012-10-17%22%7D"}})
        rec("iam.amazonaws.com", "AttachRolePolicy", {"roleName": "lambda-exec",
                                                       "policyArn": "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}, None)
    if "ecs" in stages:
        step(stage_gap_s)
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
        step(stage_gap_s)
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
            gname = group_name(g, spot)
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
        step(stage_gap_s)
        for inst in instances[:protected]:
            rec("ec2.amazonaws.com", "ModifyInstanceAttribute",
                {"instanceId": inst, "disableApiTermination": {"value": True}}, {"requestId": uid(), "_return": True})
    if "lambda" in stages:
        step(stage_gap_s)
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
        step(stage_gap_s)
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


def write_s3_archive(root, records, org=None, late_delivery=False):
    """Native delivery: one file per account, region and 5-minute window. With
    late_delivery, records land in files up to 40 minutes later, so file order
    and event order disagree, as they do in real archives."""
    buckets = {}
    for r in records:
        t = datetime.strptime(r["eventTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        delivered = t - timedelta(minutes=t.minute % 5, seconds=t.second) + timedelta(minutes=5)
        if late_delivery:
            delivered += timedelta(minutes=5 * rng.randrange(8))
        buckets.setdefault((r["recipientAccountId"], r["awsRegion"], delivered), []).append(r)
    for (acct, region, delivered), recs in sorted(buckets.items()):
        rng.shuffle(recs)  # CloudTrail does not order records within a file
        prefix = f"{root}/AWSLogs/" + (f"{org}/" if org else "") + f"{acct}/CloudTrail/{region}/{delivered:%Y/%m/%d}"
        name = f"{acct}_CloudTrail_{region}_{delivered:%Y%m%dT%H%MZ}_{alnum(16)}.json.gz"
        write(f"{prefix}/{name}", gz(native_bytes(recs)))


def write_expected(scenario, findings):
    """The scenario's specification: severity, rule, account, principal per line."""
    lines = ["# severity\trule_name\taccount\tprincipal (one finding per line; none expected if empty)"]
    lines += ["\t".join(f) for f in findings]
    write(f"scenarios/{scenario}/expected-findings.txt", ("\n".join(lines) + "\n").encode())


def jsonl_gz(records):
    return gz(b"".join(json.dumps(r, separators=(",", ":")).encode() + b"\n" for r in records))


def scenarios(day):
    # 1. An assumed-role session over three regions, crossing midnight, delivered out of order.
    acct = "222233334444"
    sess = assumed_role(acct, "ops-automation", "botocore-session-1762210000", created="2025-11-03T23:30:00Z")
    recs = campaign(acct, sess, datetime(2025, 11, 3, 23, 40, tzinfo=timezone.utc), clusters=24, groups=6,
                    protected=12, regions=["us-east-1", "us-west-2", "eu-west-1"], stage_gap_s=300)
    recs += benign_noise(acct, datetime(2025, 11, 3, 22, 0, tzinfo=timezone.utc), 3, 20, ["us-east-1", "us-west-2", "eu-west-1"],
                         [(assumed_role(acct, "ReadOnly", "auditor"), "198.51.100.60", CLI_UA)])
    write_s3_archive("scenarios/assumed-role-multiregion", recs, late_delivery=True)
    write_expected("assumed-role-multiregion", [("critical", "aws_cryptomining_campaign", acct, sess["arn"])])

    # 2. ECS flood with a renamed image (no IoC), no EC2 stage.
    acct = "333344445555"
    user = iam_user(acct, "build-bot")
    recs = campaign(acct, user, day + timedelta(hours=1), clusters=15, image="cpuload/stress:2.1",
                    stages=("recon", "roles", "ecs", "lambda", "ses"), ua="python-requests/2.32.3")
    write_s3_archive("scenarios/ecs-only-renamed-image", recs)
    write_expected("ecs-only-renamed-image", [("critical", "aws_cryptomining_campaign", acct, user["arn"])])

    # 3. EC2 flood with renamed groups, no ECS stage.
    acct = "444400001111"
    user = iam_user(acct, "svc-legacy")
    recs = campaign(acct, user, day + timedelta(hours=2), groups=8, protected=16,
                    group_name=lambda g, spot: f"web-tier-{g}-{alnum(4).lower()}",
                    stages=("recon", "roles", "ec2", "persist", "ses"))
    write_s3_archive("scenarios/ec2-only-renamed-groups", recs)
    write_expected("ec2-only-renamed-groups", [("critical", "aws_cryptomining_campaign", acct, user["arn"])])

    # 4. JSON-lines delivery (CloudTrail Lake export) of three stages: the partial sequence.
    acct = "555566667777"
    user = iam_user(acct, "reporting")
    recs = campaign(acct, user, day + timedelta(hours=3), stages=("recon", "roles", "lambda"))
    recs += benign_noise(acct, day + timedelta(hours=3), 1, 20, ["us-east-1"], [(iam_user(acct, "dana"), "198.51.100.70", CLI_UA)])
    rng.shuffle(recs)
    write("scenarios/jsonl-delivery/lake-export.jsonl.gz", jsonl_gz(recs))
    write_expected("jsonl-delivery", [("high", "aws_cryptomining_campaign_partial", acct, user["arn"])])

    # 5. Organization trail: user "deploy" exists in two accounts; each ran three stages.
    org = "o-zz9y8x7w6v"
    a, b = "666677778888", "888899990000"
    ua_, ub = iam_user(a, "deploy"), iam_user(b, "deploy")
    recs_a = campaign(a, ua_, day + timedelta(hours=4), clusters=12, stages=("recon", "roles", "ecs"))
    recs_b = campaign(b, ub, day + timedelta(hours=4, minutes=20), groups=6, protected=6, stages=("ec2", "lambda", "ses"))
    write_s3_archive("scenarios/org-trail-same-username", recs_a + recs_b, org=org)
    write_expected("org-trail-same-username", [("high", "aws_cryptomining_campaign_partial", a, ua_["arn"]),
                                               ("high", "aws_cryptomining_campaign_partial", b, ub["arn"])])

    # 6. Benign look-alikes in one account: none may give a campaign finding.
    acct = "999900001111"
    t0 = day + timedelta(hours=5)
    benign = []
    tf = assumed_role(acct, "terraform-ci", "GitHubActions")
    for i in range(3):
        name = f"prod-{['api', 'worker', 'cron'][i]}"
        benign.append(record(t0 + timedelta(seconds=10 * i), tf, "ecs.amazonaws.com", "CreateCluster", "us-east-1", "198.51.100.80", TERRAFORM_UA,
                             req={"clusterName": name}, resp={"cluster": {"clusterArn": f"arn:aws:ecs:us-east-1:{acct}:cluster/{name}", "clusterName": name, "status": "ACTIVE"}}))
    benign.append(record(t0 + timedelta(seconds=40), tf, "ecs.amazonaws.com", "RegisterTaskDefinition", "us-east-1", "198.51.100.80", TERRAFORM_UA,
                         req={"family": "api", "requiresCompatibilities": ["FARGATE"], "cpu": "1024", "memory": "2048", "networkMode": "awsvpc",
                              "containerDefinitions": [{"name": "api", "image": f"{acct}.dkr.ecr.us-east-1.amazonaws.com/api:9f2c1e7", "essential": True}]},
                         resp={"taskDefinition": {"taskDefinitionArn": f"arn:aws:ecs:us-east-1:{acct}:task-definition/api:42", "revision": 42}}))
    benign.append(record(t0 + timedelta(seconds=50), tf, "ecs.amazonaws.com", "CreateService", "us-east-1", "198.51.100.80", TERRAFORM_UA,
                         req={"cluster": "prod-api", "serviceName": "api", "taskDefinition": "api:42", "desiredCount": 2, "launchType": "FARGATE"},
                         resp={"service": {"serviceArn": f"arn:aws:ecs:us-east-1:{acct}:service/prod-api/api", "desiredCount": 2}}))
    benign.append(record(t0 + timedelta(seconds=60), tf, "ec2.amazonaws.com", "CreateLaunchTemplate", "us-east-1", "198.51.100.80", TERRAFORM_UA,
                         req={"CreateLaunchTemplateRequest": {"LaunchTemplateName": "workers", "LaunchTemplateData": {"UserData": "<sensitiveDataRemoved>", "InstanceType": "m6i.large"}}},
                         resp={"CreateLaunchTemplateResponse": {"launchTemplate": {"launchTemplateId": "lt-0" + hexid(16), "launchTemplateName": "workers"}}}))
    benign.append(record(t0 + timedelta(seconds=70), tf, "autoscaling.amazonaws.com", "CreateAutoScalingGroup", "us-east-1", "198.51.100.80", TERRAFORM_UA,
                         req={"autoScalingGroupName": "workers", "minSize": 2, "maxSize": 10, "desiredCapacity": 2,
                              "launchTemplate": {"launchTemplateName": "workers", "version": "$Latest"}}, resp=None))
    benign.append(record(t0 + timedelta(seconds=80), tf, "iam.amazonaws.com", "CreateRole", "us-east-1", "198.51.100.80", TERRAFORM_UA,
                         req={"roleName": "thumbnailer", "assumeRolePolicyDocument": '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}'},
                         resp={"role": {"roleName": "thumbnailer", "arn": f"arn:aws:iam::{acct}:role/thumbnailer"}}))
    benign.append(record(t0 + timedelta(seconds=85), tf, "iam.amazonaws.com", "AttachRolePolicy", "us-east-1", "198.51.100.80", TERRAFORM_UA,
                         req={"roleName": "thumbnailer", "policyArn": "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}, resp=None))
    # Karpenter's capacity probes and console DryRun checks.
    karp = assumed_role(acct, "KarpenterControllerRole-prod", "1762070000123456789")
    for i in range(40):
        benign.append(record(t0 + timedelta(minutes=i), karp, "ec2.amazonaws.com", "RunInstances", "us-east-1", "10.0.12.7",
                             "karpenter.sh-v1.8.1 aws-sdk-go-v2/1.36.3 ua/2.1 os/linux lang/go#1.24.5",
                             req={"instancesSet": {"items": [{"minCount": 1, "maxCount": 1}]}, "launchTemplate": {"launchTemplateName": "karpenter-default", "version": "$Latest"}},
                             resp=None, error=("Client.DryRunOperation", "Request would have succeeded, but DryRun flag is set.")))
    console = assumed_role(acct, "AWSReservedSSO_PowerUser_0a1b2c3d4e", "erin@example.com")
    console["invokedBy"] = "AWS Internal"
    benign.append(record(t0 + timedelta(minutes=3), console, "ec2.amazonaws.com", "RunInstances", "us-east-1", "AWS Internal", "AWS Internal",
                         req={"instancesSet": {"items": [{"imageId": "ami-0" + hexid(16), "minCount": 1, "maxCount": 1}]}, "instanceType": "m5.xlarge"},
                         resp=None, error=("Client.DryRunOperation", "Request would have succeeded, but DryRun flag is set.")))
    # A Lambda URL with IAM auth, a permission for one account.
    dev = iam_user(acct, "frank")
    benign.append(record(t0 + timedelta(minutes=5), dev, "lambda.amazonaws.com", "CreateFunctionUrlConfig20211031", "us-east-1", "198.51.100.81", CLI_UA.format("lambda.create-function-url-config"),
                         req={"functionName": "internal-report", "authType": "AWS_IAM"},
                         resp={"functionUrl": "https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws/", "authType": "AWS_IAM"}))
    benign.append(record(t0 + timedelta(minutes=6), dev, "lambda.amazonaws.com", "AddPermission20150331v2", "us-east-1", "198.51.100.81", CLI_UA.format("lambda.add-permission"),
                         req={"functionName": "internal-report", "statementId": "reporting", "action": "lambda:InvokeFunctionUrl",
                              "principal": f"arn:aws:iam::{acct}:root", "functionUrlAuthType": "AWS_IAM"},
                         resp={"statement": "{}"}))
    # An administrator creating one SES user.
    admin = iam_user(acct, "grace")
    for name, req, resp in (("CreateUser", {"userName": "ses-mailer"}, {"user": {"userName": "ses-mailer"}}),
                            ("AttachUserPolicy", {"userName": "ses-mailer", "policyArn": "arn:aws:iam::aws:policy/AmazonSESFullAccess"}, None),
                            ("CreateAccessKey", {"userName": "ses-mailer"}, {"accessKey": {"userName": "ses-mailer", "accessKeyId": "AKIA" + alnum(16), "status": "Active"}})):
        benign.append(record(t0 + timedelta(minutes=8, seconds=len(benign)), admin, "iam.amazonaws.com", name, "us-east-1", "198.51.100.82", CONSOLE_UA, req=req, resp=resp))
    # The campaign's stages, but each run by a different principal.
    for i, stage in enumerate(("recon", "roles", "ecs", "lambda", "ses")):
        who = iam_user(acct, f"split-{stage}")
        benign += campaign(acct, who, t0 + timedelta(minutes=20 + i), clusters=12, stages=(stage,), ip=f"198.51.100.{90 + i}")
    # Auto Scaling launching hundreds of instances for a normal group.
    slr = autoscaling_slr(acct)
    benign.append(record(t0 + timedelta(minutes=30), tf, "autoscaling.amazonaws.com", "CreateAutoScalingGroup", "us-east-1", "198.51.100.80", TERRAFORM_UA,
                         req={"autoScalingGroupName": "batch", "minSize": 0, "maxSize": 400, "desiredCapacity": 300}, resp=None))
    for i in range(300):
        benign.append(record(t0 + timedelta(minutes=31, seconds=i), slr, "ec2.amazonaws.com", "RunInstances", "us-east-1", "autoscaling.amazonaws.com", "autoscaling.amazonaws.com",
                             req={"instancesSet": {"items": [{"minCount": 1, "maxCount": 1}]}, "clientToken": "fleet-" + uid()},
                             resp={"instancesSet": {"items": [{"instanceId": "i-0" + hexid(16), "tagSet": {"items": [{"key": "aws:autoscaling:groupName", "value": "batch"}]}}]}}))
    write_s3_archive("scenarios/benign-lookalikes", benign)
    write_expected("benign-lookalikes", [])


def eventbridge_event(r):
    """An EventBridge event of a CloudTrail record, as an EventBridge rule hands it to Firehose."""
    if r.get("eventType") == "AwsServiceEvent":
        detail_type = "AWS Service Event via CloudTrail"
    elif r["eventName"] == "ConsoleLogin":
        detail_type = "AWS Console Sign In via CloudTrail"
    else:
        detail_type = "AWS API Call via CloudTrail"
    return {"version": "0", "id": uid(), "detail-type": detail_type, "source": "aws." + r["eventSource"].split(".")[0],
            "account": r["recipientAccountId"], "time": r["eventTime"], "region": r["awsRegion"], "resources": [],
            "detail": r}


def epoch_ms(r):
    t = datetime.strptime(r["eventTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    return int(t.timestamp() * 1000)


def wrapped_deliveries(day):
    """The campaign as other AWS delivery paths wrap CloudTrail records: an
    EventBridge rule into Firehose, `aws cloudtrail lookup-events` (event
    history), a CloudWatch Logs export task and a CloudWatch Logs subscription
    into Firehose. One account and stolen user each; all must give the
    campaign finding."""
    compact = dict(separators=(",", ":"))

    # EventBridge -> Firehose -> S3: events back to back, no delimiter, gzip;
    # the bus also carries events that are no CloudTrail record.
    acct = "121212121212"
    user = iam_user(acct, "ops-pipeline")
    recs = campaign(acct, user, day + timedelta(hours=6), clusters=12, groups=6, protected=6)
    events = [eventbridge_event(r) for r in recs]
    for i in range(3):
        instance = "i-0" + hexid(16)
        events.insert(7 * i + 3, {"version": "0", "id": uid(), "detail-type": "EC2 Instance State-change Notification",
                                  "source": "aws.ec2", "account": acct, "time": recs[0]["eventTime"], "region": "us-east-1",
                                  "resources": [f"arn:aws:ec2:us-east-1:{acct}:instance/{instance}"],
                                  "detail": {"instance-id": instance, "state": "running"}})
    half = len(events) // 2
    for part, chunk in enumerate((events[:half], events[half:])):
        # Gzipped (Firehose adds .gz), then uncompressed (no extension at all).
        data = b"".join(json.dumps(e, **compact).encode() for e in chunk)
        name = f"eventbridge-delivery/2025/11/02/12/ct-to-s3-1-2025-11-02-12-{10 + part * 5:02d}-00-{uid()}"
        write(f"scenarios/{name}.gz" if part == 0 else f"scenarios/{name}", gz(data) if part == 0 else data)
    write_expected("eventbridge-delivery", [("critical", "aws_cryptomining_campaign", acct, user["arn"])])

    # Event history: what `aws cloudtrail lookup-events --output json` prints,
    # newest first, each record a JSON string.
    acct = "131313131313"
    user = iam_user(acct, "backup-agent")
    recs = campaign(acct, user, day + timedelta(hours=7), clusters=12, groups=6, protected=6)
    recs.sort(key=lambda r: r["eventTime"], reverse=True)
    history = {"Events": [{"EventId": r["eventID"], "EventName": r["eventName"], "ReadOnly": str(r.get("readOnly", False)).lower(),
                           "AccessKeyId": r["userIdentity"].get("accessKeyId", ""), "EventTime": r["eventTime"].replace("Z", "+00:00"),
                           "EventSource": r["eventSource"], "Username": r["userIdentity"].get("userName", ""), "Resources": [],
                           "CloudTrailEvent": json.dumps(r, **compact)} for r in recs]}
    write("scenarios/lookup-events/event-history.json", json.dumps(history, indent=4).encode() + b"\n")
    write_expected("lookup-events", [("critical", "aws_cryptomining_campaign", acct, user["arn"])])

    # CloudWatch Logs export task: <task>/<stream>/000000.gz, each line the
    # event's time and the record.
    acct = "141414141414"
    user = iam_user(acct, "etl-runner")
    recs = campaign(acct, user, day + timedelta(hours=8), clusters=12, groups=6, protected=6)
    lines = b"".join(f"{r['eventTime'][:-1]}.000Z ".encode() + json.dumps(r, **compact).encode() + b"\n" for r in recs)
    write(f"scenarios/cloudwatch-logs-export/{uid()}/{acct}_CloudTrail_us-east-1/000000.gz", gz(lines))
    write_expected("cloudwatch-logs-export", [("critical", "aws_cryptomining_campaign", acct, user["arn"])])

    # CloudWatch Logs subscription -> Firehose -> S3: each delivery a gzip
    # member holding one subscription message, records as "message" strings;
    # the health check's control message first.
    acct = "151515151515"
    user = iam_user(acct, "report-builder")
    recs = campaign(acct, user, day + timedelta(hours=9), clusters=12, groups=6, protected=6)
    group = f"aws-cloudtrail-logs-{acct}-{hexid(8)}"
    members = [gz(json.dumps({"messageType": "CONTROL_MESSAGE", "owner": "CloudwatchLogs", "logGroup": "", "logStream": "",
                              "subscriptionFilters": [], "logEvents": [{"id": "", "timestamp": epoch_ms(recs[0]),
                              "message": "CWL CONTROL MESSAGE: Checking health of destination Firehose."}]}, **compact).encode())]
    for start in range(0, len(recs), 40):
        batch = recs[start:start + 40]
        members.append(gz(json.dumps({"messageType": "DATA_MESSAGE", "owner": acct, "logGroup": group,
                                      "logStream": f"{acct}_CloudTrail_us-east-1", "subscriptionFilters": ["to-firehose"],
                                      "logEvents": [{"id": str(rng.getrandbits(120)), "timestamp": epoch_ms(r), "message": json.dumps(r, **compact)}
                                                    for r in batch]}, **compact).encode()))
    write(f"scenarios/cloudwatch-logs-subscription/2025/11/02/15/cwl-to-s3-1-2025-11-02-15-00-00-{uid()}.gz", b"".join(members))
    write_expected("cloudwatch-logs-subscription", [("critical", "aws_cryptomining_campaign", acct, user["arn"])])


def main():
    if os.path.isdir(OUT):
        for sub in ("archive", "exports", "broken", "scenarios"):
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
    write("archive/expected-findings.txt", ("# severity\trule_name\taccount\tprincipal\n" + "\t".join(
        ("critical", "aws_cryptomining_campaign", acct, stolen["arn"])) + "\n").encode())
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

    scenarios(day)
    wrapped_deliveries(day)


if __name__ == "__main__":
    main()
