# Runs the examples in the user docs against a real server, so the docs stay true:
#  - docs/kinesis.md: every ```sh block, in order, in one bash session where `k` is the AWS CLI
#    (Debian's /usr/bin/aws) pointed at the server; each block must exit 0.
#  - README.md: the AWS CLI block and the boto3 block (with the port rewritten), in order; the boto3
#    block must print the record the CLI block wrote.
import os
import re
import subprocess

import weirtest as wt

DOCS = os.path.join(wt.REPO, "docs", "kinesis.md")
README = os.path.join(wt.REPO, "README.md")


def blocks(path, lang):
    text = open(path, encoding="utf-8").read()
    return re.findall(r"```%s\n(.*?)```" % lang, text, flags=re.S)


def bash(script, port):
    env = dict(os.environ)
    env.update(AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x", AWS_DEFAULT_REGION="us-east-1",
               AWS_PAGER="", PATH="/usr/bin:/bin:" + env.get("PATH", ""))
    script = script.replace("127.0.0.1:4567", "127.0.0.1:%d" % port)
    return subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=120)


@wt.test(weir_only="docs describe weir")
def test_docs_kinesis_examples(srv):
    sh = blocks(DOCS, "sh")
    wt.check(len(sh) >= 15, "expected the docs to hold an example per operation, found %d blocks" % len(sh))
    preamble = "set -e\nk() { /usr/bin/aws --endpoint-url http://127.0.0.1:4567 kinesis \"$@\"; }\n"
    for i, b in enumerate(sh):
        if b.lstrip().startswith("export AWS_ACCESS_KEY_ID"):
            continue  # the settings block: the preamble stands in for it
        r = bash(preamble + b, srv.port)
        wt.check(r.returncode == 0, "docs block %d failed (exit %d):\n%s\nstdout:\n%s\nstderr:\n%s"
                 % (i, r.returncode, b, r.stdout[-2000:], r.stderr[-2000:]))
    # The examples leave a known state behind: check it through boto3.
    c = srv.client()
    tags = c.list_tags_for_stream(StreamName="orders")["Tags"]
    wt.eq(tags, [{"Key": "team", "Value": "payments"}], "tags after the docs examples")
    wt.eq(c.describe_stream_summary(StreamName="orders")["StreamDescriptionSummary"]["OpenShardCount"], 2,
          "open shards after UpdateShardCount")
    wt.eq(c.list_streams()["StreamNames"], ["orders"], "streams after the docs examples")


@wt.test(weir_only="docs describe weir")
def test_readme_examples(srv):
    sh = blocks(README, "sh")
    cli = [b for b in sh if "create-stream" in b]
    wt.check(len(cli) == 1, "README should have one AWS CLI example block")
    r = bash("set -e\n" + cli[0], srv.port)
    wt.check(r.returncode == 0, "README CLI block failed:\n%s\n%s" % (r.stdout, r.stderr))
    py = blocks(README, "python")
    wt.check(len(py) == 1, "README should have one boto3 example block")
    code = py[0].replace("127.0.0.1:4567", "127.0.0.1:%d" % srv.port)
    r = subprocess.run(["/usr/bin/python3", "-c", code], capture_output=True, text=True, timeout=120)
    wt.check(r.returncode == 0, "README boto3 block failed:\n%s" % r.stderr)
    wt.check("/home" in r.stdout and "'PartitionKey': 'u1'" in r.stdout,
             "README boto3 block did not print the record the CLI wrote:\n%s" % r.stdout)


if __name__ == "__main__":
    wt.main()
