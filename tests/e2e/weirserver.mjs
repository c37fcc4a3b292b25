// weirserver.mjs: what the single-test node files of tests/e2e share (not a test itself: run.sh runs
// test_*.mjs only): a weir server on free loopback ports with a temp data dir, stopped with SIGTERM and
// checked for its exit status and sanitizer reports, and the PASS/FAIL/SKIP lines run.sh reads.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
export const WEIR_BIN = process.env.WEIR_BIN || path.join(REPO, 'build', 'debug', 'weir')
const SANITIZER = ['ERROR: AddressSanitizer', 'ERROR: LeakSanitizer', 'runtime error:', 'SUMMARY: UndefinedBehaviorSanitizer']

export class Failure extends Error {}
export function check (cond, msg) { if (!cond) throw new Failure(msg) }
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

function freePort () {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.on('error', reject)
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)) })
  })
}

function listening (port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1')
    s.once('connect', () => { s.destroy(); resolve(true) })
    s.once('error', () => resolve(false))
  })
}

// weir with the HTTP API on a free loopback port (and, with pg, the PostgreSQL protocol on another), its
// data in a temp dir: { dir, data, log, port, pgPort, proc, exited }
export async function startWeir (prefix, { pg = false } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `weir-e2e-${prefix}-`))
  const w = { dir, data: path.join(dir, 'data'), log: path.join(dir, 'server.log'), port: await freePort() }
  if (pg) w.pgPort = await freePort()
  const fd = fs.openSync(w.log, 'a')
  w.proc = spawn(WEIR_BIN, ['server', '--data', w.data, '--listen', `127.0.0.1:${w.port}`,
    '--pg-listen', pg ? `127.0.0.1:${w.pgPort}` : 'none'], { stdio: ['ignore', fd, fd], cwd: REPO })
  fs.closeSync(fd)
  w.exited = new Promise((resolve) => w.proc.once('exit', (code, sig) => resolve(code ?? `signal ${sig}`)))
  for (let i = 0; i < 600; i++) {
    if (await listening(w.port) && (!pg || await listening(w.pgPort))) return w
    await sleep(50)
  }
  throw new Failure(`weir not listening after 30 s:\n${fs.readFileSync(w.log, 'utf8')}`)
}

// SIGTERM; the problems found (exit status, sanitizer reports), and the temp dir removed
export async function stopWeir (w) {
  const problems = []
  process.kill(w.proc.pid, 'SIGTERM')
  const kill = setTimeout(() => { try { process.kill(w.proc.pid, 'SIGKILL') } catch {} }, 30000)
  const code = await w.exited
  clearTimeout(kill)
  const log = fs.readFileSync(w.log, 'utf8')
  if (code !== 0) problems.push(`weir exited ${code} after SIGTERM:\n${log.slice(-3000)}`)
  const m = SANITIZER.find((s) => log.includes(s))
  if (m) problems.push(`sanitizer report:\n${log.slice(Math.max(0, log.indexOf(m) - 200), log.indexOf(m) + 3000)}`)
  fs.rmSync(w.dir, { recursive: true, force: true })
  return problems
}

// Run one test: run() returns its problems (none: PASS). Weir-only tests SKIP against kinesalite.
export function runTest (name, weirOnly, run) {
  const main = async () => {
    if ((process.env.TARGET || 'weir') === 'kinesalite') {
      console.log(`SKIP ${name} (weir-only: ${weirOnly})`)
      console.log('0 passed, 0 failed')
      return
    }
    if (!fs.existsSync(WEIR_BIN)) {
      console.log(`FAIL setup: WEIR_BIN ${WEIR_BIN} does not exist`)
      console.log('0 passed, 1 failed')
      process.exit(1)
    }
    const t0 = Date.now()
    const problems = await run()
    const dt = ((Date.now() - t0) / 1000).toFixed(1)
    if (problems.length) console.log(`FAIL ${name} (${dt}s)\n  ${problems.join('\n').replace(/\n/g, '\n  ')}`)
    else console.log(`PASS ${name} (${dt}s)`)
    console.log(`${problems.length ? 0 : 1} passed, ${problems.length ? 1 : 0} failed`)
    process.exit(problems.length ? 1 : 0)
  }
  main().catch((e) => { console.log(`FAIL harness: ${e.stack || e}`); console.log('0 passed, 1 failed'); process.exit(1) })
}
