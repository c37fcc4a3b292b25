// Delivery streams through the AWS SDK for JavaScript v3 (@aws-sdk/client-firehose), unchanged, against a
// real weir server: CreateDeliveryStream (DirectPut, GZIP, newline delimiter, a custom prefix with a
// timestamp expression, tags), DescribeDeliveryStream (the SDK's own parsing of the shape: status,
// VersionId, CreateTimestamp as a Date, the destination description), ListDeliveryStreams,
// PutRecord/PutRecordBatch with Uint8Array data, the objects read back from the warehouse directory and
// gunzipped (exact bytes), UpdateDestination (version checked: ConcurrentModificationException), tags,
// errors as the SDK's typed exceptions, DeleteDeliveryStream. Prints PASS/FAIL and "N passed, N failed".
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import {
  FirehoseClient, CreateDeliveryStreamCommand, DescribeDeliveryStreamCommand, ListDeliveryStreamsCommand,
  PutRecordCommand, PutRecordBatchCommand, UpdateDestinationCommand, TagDeliveryStreamCommand,
  UntagDeliveryStreamCommand, ListTagsForDeliveryStreamCommand, DeleteDeliveryStreamCommand,
} from '@aws-sdk/client-firehose'
import { Failure, check, runTest, sleep, startWeir, stopWeir } from './weirserver.mjs'

// every object key under a bucket of the warehouse (temporary files of a put in progress left out)
function objects (w, bucket) {
  const root = path.join(w.data, 'warehouse', bucket)
  const out = []
  const walk = (d) => {
    if (!fs.existsSync(d)) return
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) walk(p)
      else if (!(e.name.startsWith('.') && e.name.includes('.tmp-'))) out.push(path.relative(root, p))
    }
  }
  walk(root)
  return out.sort()
}

async function expectError (name, p) {
  try { await p } catch (e) {
    check(e.name === name, `expected ${name}, got ${e.name}: ${e.message}`)
    return e
  }
  throw new Failure(`expected ${name}`)
}

async function run () {
  const w = await startWeir('fhjs')
  let err = null
  try {
    const f = new FirehoseClient({ region: 'us-east-1', endpoint: `http://127.0.0.1:${w.port}`, maxAttempts: 1,
      credentials: { accessKeyId: 'AKIDWEIRFHJS00000000', secretAccessKey: 'fh-js-secret' } })
    const created = await f.send(new CreateDeliveryStreamCommand({
      DeliveryStreamName: 'js-events',
      DeliveryStreamType: 'DirectPut',
      ExtendedS3DestinationConfiguration: {
        RoleARN: 'arn:aws:iam::000000000000:role/firehose',
        BucketARN: 'arn:aws:s3:::js-lake',
        Prefix: 'events/day=!{timestamp:yyyy-MM-dd}/',
        ErrorOutputPrefix: 'errors/',
        BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 1 },
        CompressionFormat: 'GZIP',
        ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'AppendDelimiterToRecord' }] },
      },
      Tags: [{ Key: 'team', Value: 'web' }],
    }))
    check(created.DeliveryStreamARN === 'arn:aws:firehose:us-east-1:000000000000:deliverystream/js-events',
      `ARN ${created.DeliveryStreamARN}`)
    let d
    for (let i = 0; i < 300; i++) {
      d = (await f.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'js-events' }))).DeliveryStreamDescription
      if (d.DeliveryStreamStatus === 'ACTIVE') break
      await sleep(50)
    }
    check(d.DeliveryStreamStatus === 'ACTIVE', `status ${d.DeliveryStreamStatus}`)
    check(d.VersionId === '1', `VersionId ${d.VersionId}`)
    check(d.CreateTimestamp instanceof Date && Math.abs(d.CreateTimestamp - Date.now()) < 60000,
      `CreateTimestamp ${d.CreateTimestamp}`)
    const ext = d.Destinations[0].ExtendedS3DestinationDescription
    check(d.Destinations[0].DestinationId === 'destinationId-000000000001', 'destination id')
    check(ext.CompressionFormat === 'GZIP' && ext.Prefix === 'events/day=!{timestamp:yyyy-MM-dd}/', JSON.stringify(ext))
    const list = await f.send(new ListDeliveryStreamsCommand({}))
    check(JSON.stringify(list.DeliveryStreamNames) === '["js-events"]' && list.HasMoreDeliveryStreams === false,
      JSON.stringify(list))

    const lines = []
    const one = await f.send(new PutRecordCommand({ DeliveryStreamName: 'js-events',
      Record: { Data: new TextEncoder().encode('{"n":0}') } }))
    check(typeof one.RecordId === 'string' && one.RecordId.length > 0, 'RecordId')
    lines.push('{"n":0}')
    for (let lo = 1; lo < 1200; lo += 400) {
      const recs = []
      for (let i = lo; i < lo + 400; i++) {
        const s = JSON.stringify({ n: i, v: 'x'.repeat(i % 17) })
        lines.push(s)
        recs.push({ Data: Buffer.from(s) })
      }
      const r = await f.send(new PutRecordBatchCommand({ DeliveryStreamName: 'js-events', Records: recs }))
      check(r.FailedPutCount === 0 && r.RequestResponses.length === 400, `PutRecordBatch ${r.FailedPutCount}`)
    }
    const want = lines.join('\n') + '\n'
    const day = new Date().toISOString().slice(0, 10)
    let got = ''
    for (let i = 0; i < 300; i++) {
      const keys = objects(w, 'js-lake')
      got = keys.map((k) => zlib.gunzipSync(fs.readFileSync(path.join(w.data, 'warehouse', 'js-lake', k))).toString()).join('')
      if (got.length >= want.length) {
        for (const k of keys) {
          check(k.startsWith(`events/day=${day}/js-events-1-`) && k.endsWith('.gz'), `key ${k}`)
        }
        break
      }
      await sleep(100)
    }
    check(got === want, `delivered ${got.length} bytes, want ${want.length}`)

    await expectError('ConcurrentModificationException', f.send(new UpdateDestinationCommand({
      DeliveryStreamName: 'js-events', CurrentDeliveryStreamVersionId: '5', DestinationId: 'destinationId-000000000001',
      ExtendedS3DestinationUpdate: { CompressionFormat: 'UNCOMPRESSED' } })))
    await f.send(new UpdateDestinationCommand({
      DeliveryStreamName: 'js-events', CurrentDeliveryStreamVersionId: '1', DestinationId: 'destinationId-000000000001',
      ExtendedS3DestinationUpdate: { CompressionFormat: 'UNCOMPRESSED' } }))
    d = (await f.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'js-events' }))).DeliveryStreamDescription
    check(d.VersionId === '2' && d.Destinations[0].ExtendedS3DestinationDescription.CompressionFormat === 'UNCOMPRESSED',
      `after update: ${d.VersionId}`)

    await f.send(new TagDeliveryStreamCommand({ DeliveryStreamName: 'js-events', Tags: [{ Key: 'env', Value: 'test' }] }))
    await f.send(new UntagDeliveryStreamCommand({ DeliveryStreamName: 'js-events', TagKeys: ['team'] }))
    const tags = await f.send(new ListTagsForDeliveryStreamCommand({ DeliveryStreamName: 'js-events' }))
    check(JSON.stringify(tags.Tags) === '[{"Key":"env","Value":"test"}]' && tags.HasMoreTags === false, JSON.stringify(tags))

    await expectError('ResourceNotFoundException', f.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'nope' })))
    await expectError('ResourceInUseException', f.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: 'js-events',
      ExtendedS3DestinationConfiguration: { RoleARN: 'arn:aws:iam::000000000000:role/r', BucketARN: 'arn:aws:s3:::js-lake' } })))
    await expectError('InvalidArgumentException', f.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: 'bad',
      ExtendedS3DestinationConfiguration: { RoleARN: 'arn:aws:iam::000000000000:role/r', BucketARN: 'arn:aws:s3:::B' } })))
    await f.send(new DeleteDeliveryStreamCommand({ DeliveryStreamName: 'js-events' }))
    await expectError('ResourceNotFoundException', f.send(new PutRecordCommand({ DeliveryStreamName: 'js-events',
      Record: { Data: Buffer.from('x') } })))
  } catch (e) { err = e }
  const problems = await stopWeir(w)
  if (err) problems.unshift(err.stack || String(err))
  return problems
}

runTest('firehose_with_aws_sdk_js', 'the Firehose API', run)
