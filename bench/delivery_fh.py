#!/usr/bin/python3
# bench/delivery_fh.py: the Firehose side of bench/delivery_parquet.sh (`make bench-delivery`), with boto3
# against a running weir. Debian's boto3 loads only under /usr/bin/python3.
#
#   delivery_fh.py setup --endpoint URL --stream S --shards K --stalled BUCKET NAME...
#       CreateStream S (K shards, until ACTIVE), then for each NAME a KinesisStreamAsSource delivery stream
#       on S writing uncompressed JSON into BUCKET (the caller made it unwritable: a plain file where the
#       bucket's directory would go), 128 MiB / 900 s buffers; waits until each is ACTIVE.
#   delivery_fh.py deliver --endpoint URL --name NAME --pid PID --log FILE --records N --bucket BUCKET
#                          (--parquet TABLE | --gzip)
#       UpdateDestination: NAME now writes into BUCKET, as Parquet (Snappy, schema: the weir table TABLE) or
#       as GZIP JSON lines, same buffers. The clock starts with that call. It ends when the server's log
#       (WEIR_LOG=debug: "firehose NAME: delivered K records in ...") adds up to N records.
#       Prints "RESULT key=value" lines: seconds, records, objects (Parquet objects; an error object
#       would come on top), server CPU seconds (the whole process, /proc/PID/stat: the server does
#       nothing else meanwhile), drains (see below).
#
# Why the detour through an unwritable bucket: Firehose reads a Kinesis source from the delivery stream's
# creation on (DeliveryStartTimestamp), so a delivery stream created after the records were loaded would
# deliver none, and one created before delivers while they are still being loaded (the load, not the
# delivery, would set the pace). A delivery stream whose store refuses its objects keeps its position
# (docs/internals/delivery.md): after the load it has the whole stream to catch up on, as after a store
# outage, and UpdateDestination (a new bucket) starts that catch-up at a known moment.
#
# The last buffer. Buffers go out at 128 MiB or after IntervalInSeconds (900); the last one of a stream is
# partial and would wait for the interval, which measures the interval, not the delivery. So once the
# delivery thread has read everything (the server is idle: no CPU used for 200 ms and no thread in state R
# or D in /proc/PID/task/*/stat)
# a second UpdateDestination (same hints) makes weir deliver what is buffered before the configuration
# changes, as Firehose does on an update. The idle detection adds up to about 250 ms to the time.
import argparse
import glob
import os
import re
import sys
import time

import boto3

WAIT_S = 1800  # a delivery that has not finished after 30 minutes is a failure


def clients(endpoint):
    kw = dict(endpoint_url=endpoint, region_name='us-east-1', aws_access_key_id='x', aws_secret_access_key='x')
    return boto3.client('kinesis', **kw), boto3.client('firehose', **kw)


def wait_active(describe, what):
    for _ in range(600):
        if describe() == 'ACTIVE':
            return
        time.sleep(0.05)
    sys.exit(f'delivery_fh: {what} did not become ACTIVE')


def setup(a):
    kin, fh = clients(a.endpoint)
    kin.create_stream(StreamName=a.stream, ShardCount=a.shards)
    wait_active(lambda: kin.describe_stream_summary(StreamName=a.stream)['StreamDescriptionSummary']['StreamStatus'],
                a.stream)
    arn = kin.describe_stream_summary(StreamName=a.stream)['StreamDescriptionSummary']['StreamARN']
    role = 'arn:aws:iam::000000000000:role/firehose'
    for name in a.names:
        fh.create_delivery_stream(
            DeliveryStreamName=name, DeliveryStreamType='KinesisStreamAsSource',
            KinesisStreamSourceConfiguration={'KinesisStreamARN': arn, 'RoleARN': role},
            ExtendedS3DestinationConfiguration={
                'RoleARN': role, 'BucketARN': 'arn:aws:s3:::' + a.stalled, 'CompressionFormat': 'UNCOMPRESSED',
                'BufferingHints': {'SizeInMBs': 128, 'IntervalInSeconds': 900}})
        wait_active(lambda: fh.describe_delivery_stream(DeliveryStreamName=name)
                    ['DeliveryStreamDescription']['DeliveryStreamStatus'], name)


def proc_cpu(pid):
    """utime + stime in clock ticks of the process, and per thread (tid -> (ticks, state))."""
    def parse(path):
        with open(path) as f:
            s = f.read()
        f = s[s.rindex(')') + 2:].split()
        return int(f[11]) + int(f[12]), f[0]
    total, _ = parse(f'/proc/{pid}/stat')
    threads = {}
    for p in glob.glob(f'/proc/{pid}/task/*/stat'):
        try:
            threads[int(p.split('/')[4])] = parse(p)
        except (OSError, ValueError, IndexError):
            pass  # a thread that ended while we looked
    return total, threads


class LogTail:
    """The delivered records of one delivery stream, from the server's debug log as it grows."""

    def __init__(self, path, name):
        self.f = open(path, 'rb')
        self.f.seek(0, os.SEEK_END)
        self.rx = re.compile(rb'firehose ' + re.escape(name.encode()) + rb': delivered (\d+) records in (.*)$')
        self.rest = b''
        self.records = 0
        self.objects = 0

    def poll(self):
        data = self.rest + self.f.read()
        lines = data.split(b'\n')
        self.rest = lines.pop()
        for ln in lines:
            m = self.rx.search(ln)
            if m:
                self.records += int(m.group(1))
                self.objects += m.group(2) != b'-'


def update(fh, name, dest):
    v = fh.describe_delivery_stream(DeliveryStreamName=name)['DeliveryStreamDescription']['VersionId']
    fh.update_destination(DeliveryStreamName=name, CurrentDeliveryStreamVersionId=v,
                          DestinationId='destinationId-000000000001', ExtendedS3DestinationUpdate=dest)


def deliver(a):
    _, fh = clients(a.endpoint)
    role = 'arn:aws:iam::000000000000:role/firehose'
    dest = {'BucketARN': 'arn:aws:s3:::' + a.bucket, 'BufferingHints': {'SizeInMBs': 128, 'IntervalInSeconds': 900}}
    if a.parquet:
        dest['ErrorOutputPrefix'] = 'errors/'
        dest['DataFormatConversionConfiguration'] = {
            'Enabled': True,
            'SchemaConfiguration': {'DatabaseName': 'weir', 'TableName': a.parquet, 'RoleARN': role},
            'InputFormatConfiguration': {'Deserializer': {'OpenXJsonSerDe': {}}},
            'OutputFormatConfiguration': {'Serializer': {'ParquetSerDe': {'Compression': 'SNAPPY'}}}}
    else:
        dest['CompressionFormat'] = 'GZIP'
        dest['ProcessingConfiguration'] = {'Enabled': True, 'Processors': [{'Type': 'AppendDelimiterToRecord'}]}
    log = LogTail(a.log, a.name)
    cpu0, _ = proc_cpu(a.pid)
    t0 = time.monotonic()
    update(fh, a.name, dest)
    idle_since, last, drains = None, None, 0
    hz = os.sysconf('SC_CLK_TCK')
    while True:
        time.sleep(0.05)
        had = log.records
        log.poll()
        now = time.monotonic()
        total, threads = proc_cpu(a.pid)
        if log.records != had:  # a timeline on stderr: where the wall clock goes beside the CPU
            print(f'delivery_fh: {a.name}: {log.records} records delivered at {now - t0:.2f} s, server CPU '
                  f'{(total - cpu0) / hz:.2f} s', file=sys.stderr)
        if log.records >= a.records:
            break
        if now - t0 > WAIT_S:
            sys.exit(f'delivery_fh: {a.name}: {log.records} of {a.records} records delivered after {WAIT_S} s')
        # idle: no CPU used since the last sample and no thread running or in the kernel (an fsync uses
        # no CPU either, but its thread is in state D)
        if last == total and all(st not in 'RD' for _, st in threads.values()):
            idle_since = idle_since or now
        else:
            idle_since = None
        last = total
        if idle_since and now - idle_since >= 0.2:
            # everything read, a partial buffer left: deliver it (an update delivers what is buffered first)
            update(fh, a.name, {'BufferingHints': {'IntervalInSeconds': 900}})
            drains += 1
            idle_since = last = None
    secs = time.monotonic() - t0
    cpu1, _ = proc_cpu(a.pid)
    print(f'RESULT seconds={secs:.3f}')
    print(f'RESULT records={log.records}')
    print(f'RESULT objects={log.objects}')
    print(f'RESULT server_cpu_s={(cpu1 - cpu0) / hz:.2f}')
    print(f'RESULT drains={drains}')


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest='cmd', required=True)
    s = sub.add_parser('setup')
    s.add_argument('--endpoint', required=True)
    s.add_argument('--stream', required=True)
    s.add_argument('--shards', type=int, default=4)
    s.add_argument('--stalled', required=True)
    s.add_argument('names', nargs='+')
    d = sub.add_parser('deliver')
    d.add_argument('--endpoint', required=True)
    d.add_argument('--name', required=True)
    d.add_argument('--pid', type=int, required=True)
    d.add_argument('--log', required=True)
    d.add_argument('--records', type=int, required=True)
    d.add_argument('--bucket', required=True)
    g = d.add_mutually_exclusive_group(required=True)
    g.add_argument('--parquet', metavar='TABLE')
    g.add_argument('--gzip', action='store_true')
    a = p.parse_args()
    setup(a) if a.cmd == 'setup' else deliver(a)


if __name__ == '__main__':
    main()
