// Starts kinesalite (the reference emulator used to validate the e2e tests when TARGET=kinesalite)
// on 127.0.0.1 only; `node_modules/.bin/kinesalite` would bind every interface. Short state
// transitions keep the tests fast; a high shard limit lets the resharding tests run.
'use strict'
const path = require('path')
const kinesalite = require(path.join(__dirname, '..', '..', 'node_modules', 'kinesalite'))
const argv = process.argv.slice(2)
const port = Number(argv[argv.indexOf('--port') + 1])
if (!(port > 0)) { console.error('usage: kinesalite_server.js --port N'); process.exit(2) }
const server = kinesalite({ createStreamMs: 20, deleteStreamMs: 20, updateStreamMs: 20, shardLimit: 1000 })
server.listen(port, '127.0.0.1', () => console.log('kinesalite listening on 127.0.0.1:' + port))
process.on('SIGTERM', () => process.exit(0))
process.on('SIGINT', () => process.exit(0))
