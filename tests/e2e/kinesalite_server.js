// Starts kinesalite (the reference emulator used to validate the e2e tests when TARGET=kinesalite)
// on 127.0.0.1 only; `node_modules/.bin/kinesalite` would bind every interface. Short state
// transitions keep the tests fast; a high shard limit lets the resharding tests run.
//   --path DIR  keep the data in LevelDB (used with E2E_FORCE=1 to exercise the restart tests' code)
//   --h2        also accept HTTP/2 prior-knowledge (h2c) on the same port, relayed to kinesalite over
//               HTTP/1.1 (E2E_KINESALITE_H2=1: validates the JS tests' own h2 code paths)
'use strict'
const http = require('http')
const http2 = require('http2')
const net = require('net')
const path = require('path')
const kinesalite = require(path.join(__dirname, '..', '..', 'node_modules', 'kinesalite'))
const argv = process.argv.slice(2)
const arg = (name) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined }
const port = Number(arg('--port'))
if (!(port > 0)) { console.error('usage: kinesalite_server.js --port N [--path DIR] [--h2]'); process.exit(2) }
const server = kinesalite({ createStreamMs: 20, deleteStreamMs: 20, updateStreamMs: 20, shardLimit: 1000,
  path: arg('--path') })
const ready = () => console.log('kinesalite listening on 127.0.0.1:' + port)

if (!argv.includes('--h2')) {
  server.listen(port, '127.0.0.1', ready)
} else {
  // kinesalite on a private port; the public port sniffs the h2 preface
  server.listen(0, '127.0.0.1', () => {
    const inner = server.address().port
    const h2 = http2.createServer()
    h2.on('stream', (stream, headers) => {
      const chunks = []
      stream.on('data', (d) => chunks.push(d))
      stream.on('end', () => {
        const body = Buffer.concat(chunks)
        const h = {}
        for (const [k, v] of Object.entries(headers)) if (!k.startsWith(':')) h[k] = v
        h.host = headers[':authority'] || '127.0.0.1'
        h['content-length'] = body.length
        const req = http.request({ host: '127.0.0.1', port: inner, method: headers[':method'], path: headers[':path'], headers: h }, (res) => {
          const out = []
          res.on('data', (d) => out.push(d))
          res.on('end', () => {
            const rh = { ':status': res.statusCode }
            for (const [k, v] of Object.entries(res.headers)) {
              if (!['connection', 'keep-alive', 'transfer-encoding'].includes(k)) rh[k] = v
            }
            stream.respond(rh)
            stream.end(Buffer.concat(out))
          })
        })
        req.on('error', () => stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR))
        req.end(body)
      })
    })
    h2.listen(0, '127.0.0.1', () => {
      const h2port = h2.address().port
      // a byte-level TCP relay: h2 connections go to the h2 server, everything else to kinesalite
      const front = net.createServer((sock) => {
        sock.on('error', () => {})
        sock.once('data', (first) => {
          const to = first.toString('latin1').startsWith('PRI * HTTP/2.0') ? h2port : inner
          const up = net.connect(to, '127.0.0.1', () => { up.write(first); sock.pipe(up); up.pipe(sock) })
          up.on('error', () => sock.destroy())
          sock.on('close', () => up.destroy())
          up.on('close', () => sock.destroy())
        })
      })
      front.listen(port, '127.0.0.1', ready)
    })
  })
}
const bye = () => server.close(() => process.exit(0))
process.on('SIGTERM', bye)
process.on('SIGINT', bye)
