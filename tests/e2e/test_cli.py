# The AWS CLI against the server: Debian's /usr/bin/aws (v2; the `aws` first on PATH may be a pyenv
# shim) with --endpoint-url and credentials from the environment only. Covers create-stream,
# describe-stream-summary, list-streams, list-shards, put-record (raw data via
# --cli-binary-format raw-in-base64-out on v2), put-records from a file, get-shard-iterator, get-records
# (base64 Data decoded and compared), add/remove/list tags, retention, split-shard, the stream-exists
# waiter, delete-stream, and CLI error reporting (exit code and error code on stderr).
import base64
import json
import os
import shutil
import subprocess
import tempfile
import time

from weirtest import TestFailure, check, eq, main, shard_id, test

AWS = "/usr/bin/aws"


class Cli:
    def __init__(self, srv):
        self.srv = srv
        self.home = tempfile.mkdtemp(prefix="weir-e2e-cli-")
        self.env = {
            "PATH": "/usr/bin:/bin", "HOME": self.home, "LANG": "C.UTF-8",
            "AWS_ACCESS_KEY_ID": "AKIDWEIRCLITEST00000", "AWS_SECRET_ACCESS_KEY": "cli-secret",
            "AWS_DEFAULT_REGION": "us-east-1", "AWS_PAGER": "", "AWS_MAX_ATTEMPTS": "1",
            "AWS_RETRY_MODE": "standard", "AWS_CONFIG_FILE": os.path.join(self.home, "none"),
            "AWS_SHARED_CREDENTIALS_FILE": os.path.join(self.home, "none"), "AWS_CLI_AUTO_PROMPT": "off",
        }
        v = subprocess.run([AWS, "--version"], env=self.env, capture_output=True, text=True, timeout=60)
        check(v.returncode == 0, "%s --version failed: %s" % (AWS, v.stderr))
        self.v2 = (v.stdout + v.stderr).startswith("aws-cli/2")

    def run(self, *args, ok=True):
        cmd = [AWS, "--endpoint-url", self.srv.endpoint, "--output", "json", "kinesis"] + list(args)
        if self.v2 and args and args[0] in ("put-record", "put-records"):
            cmd += ["--cli-binary-format", "raw-in-base64-out"]
        r = subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=120)
        if ok:
            check(r.returncode == 0, "`aws kinesis %s` exited %d:\n%s" % (" ".join(args), r.returncode, r.stderr[-1500:]))
            return json.loads(r.stdout) if r.stdout.strip() else {}
        return r

    def fail(self, code, *args):
        r = self.run(*args, ok=False)
        check(r.returncode != 0, "`aws kinesis %s` should fail with %s, exited 0: %s" % (" ".join(args), code, r.stdout))
        check(code in r.stderr, "`aws kinesis %s`: expected %s on stderr, got: %s" % (" ".join(args), code, r.stderr[-800:]))

    def wait_active(self, name):
        for _ in range(200):
            s = self.run("describe-stream-summary", "--stream-name", name)["StreamDescriptionSummary"]
            if s["StreamStatus"] == "ACTIVE":
                return s
            time.sleep(0.1)
        raise TestFailure("stream %s never became ACTIVE via the CLI" % name)

    def close(self):
        shutil.rmtree(self.home, ignore_errors=True)


@test
def cli_stream_lifecycle(srv):
    cli = Cli(srv)
    try:
        cli.run("create-stream", "--stream-name", "cli", "--shard-count", "2")
        s = cli.wait_active("cli")
        eq(s["OpenShardCount"], 2, "OpenShardCount")
        eq(s["RetentionPeriodHours"], 24, "RetentionPeriodHours")
        check(s["StreamARN"].endswith(":stream/cli"), "StreamARN %r" % s["StreamARN"])
        subprocess.run([AWS, "--endpoint-url", srv.endpoint, "kinesis", "wait", "stream-exists", "--stream-name",
                        "cli"], env=cli.env, check=True, capture_output=True, timeout=120)
        check("cli" in cli.run("list-streams")["StreamNames"], "list-streams")
        shards = cli.run("list-shards", "--stream-name", "cli")["Shards"]
        eq([x["ShardId"] for x in shards], [shard_id(0), shard_id(1)], "list-shards")

        r = cli.run("put-record", "--stream-name", "cli", "--partition-key", "k1", "--data", "hello cli",
                    "--explicit-hash-key", "0")
        eq(r["ShardId"], shard_id(0), "put-record ShardId")
        check(r["SequenceNumber"].isdigit(), "SequenceNumber %r" % r["SequenceNumber"])
        recs_file = os.path.join(cli.home, "records.json")
        with open(recs_file, "w") as f:
            json.dump([{"Data": "batch-%d" % i, "PartitionKey": "p%d" % i, "ExplicitHashKey": "0"} for i in range(5)], f)
        r = cli.run("put-records", "--stream-name", "cli", "--records", "file://" + recs_file)
        eq(r.get("FailedRecordCount", 0), 0, "put-records FailedRecordCount")
        eq([x["ShardId"] for x in r["Records"]], [shard_id(0)] * 5, "put-records ShardIds")

        it = cli.run("get-shard-iterator", "--stream-name", "cli", "--shard-id", shard_id(0),
                     "--shard-iterator-type", "TRIM_HORIZON")["ShardIterator"]
        g = cli.run("get-records", "--shard-iterator", it)
        got = [(x["PartitionKey"], base64.b64decode(x["Data"])) for x in g["Records"]]
        eq(got, [("k1", b"hello cli")] + [("p%d" % i, b"batch-%d" % i) for i in range(5)], "get-records")
        check(g.get("NextShardIterator"), "get-records NextShardIterator")
        it = cli.run("get-shard-iterator", "--stream-name", "cli", "--shard-id", shard_id(0),
                     "--shard-iterator-type", "AFTER_SEQUENCE_NUMBER",
                     "--starting-sequence-number", r["Records"][3]["SequenceNumber"])["ShardIterator"]
        g = cli.run("get-records", "--shard-iterator", it, "--limit", "5")
        eq([base64.b64decode(x["Data"]) for x in g["Records"]], [b"batch-4"], "AFTER_SEQUENCE_NUMBER")

        cli.run("add-tags-to-stream", "--stream-name", "cli", "--tags", "env=test,team=data")
        eq(cli.run("list-tags-for-stream", "--stream-name", "cli")["Tags"],
           [{"Key": "env", "Value": "test"}, {"Key": "team", "Value": "data"}], "list-tags-for-stream")
        cli.run("remove-tags-from-stream", "--stream-name", "cli", "--tag-keys", "env")
        eq(cli.run("list-tags-for-stream", "--stream-name", "cli")["Tags"], [{"Key": "team", "Value": "data"}],
           "tags after remove")

        cli.run("increase-stream-retention-period", "--stream-name", "cli", "--retention-period-hours", "48")
        eq(cli.wait_active("cli")["RetentionPeriodHours"], 48, "retention after increase")

        cli.run("split-shard", "--stream-name", "cli", "--shard-to-split", shard_id(1),
                "--new-starting-hash-key", str(3 << 126))
        eq(cli.wait_active("cli")["OpenShardCount"], 3, "OpenShardCount after split-shard")
        eq(len(cli.run("list-shards", "--stream-name", "cli")["Shards"]), 4, "list-shards after split")

        cli.run("delete-stream", "--stream-name", "cli")
        for _ in range(200):
            r = cli.run("describe-stream-summary", "--stream-name", "cli", ok=False)
            if r.returncode != 0:
                break
            time.sleep(0.1)
        check(r.returncode != 0 and "ResourceNotFoundException" in r.stderr,
              "describe after delete-stream: %d %s" % (r.returncode, r.stderr[-500:]))
        check("cli" not in cli.run("list-streams")["StreamNames"], "deleted stream still listed")
    finally:
        cli.close()


@test
def cli_errors(srv):
    cli = Cli(srv)
    try:
        cli.fail("ResourceNotFoundException", "describe-stream-summary", "--stream-name", "nope")
        cli.fail("ResourceNotFoundException", "put-record", "--stream-name", "nope", "--partition-key", "k",
                 "--data", "x")
        cli.fail("ValidationException", "create-stream", "--stream-name", "bad name!", "--shard-count", "1")
        cli.run("create-stream", "--stream-name", "dup", "--shard-count", "1")
        cli.wait_active("dup")
        cli.fail("ResourceInUseException", "create-stream", "--stream-name", "dup", "--shard-count", "1")
        cli.fail("InvalidArgumentException", "get-records", "--shard-iterator", "bogus-iterator")
    finally:
        cli.close()


if __name__ == "__main__":
    main()
