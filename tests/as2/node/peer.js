// An AS2 trading partner built on libas2 (an AS2 implementation in TypeScript, independent of
// pyas2lib), for edigate's interoperability tests. Reads one JSON job from the file named
// by its argument:
//   {"mode": "send", url, partnerId, ourId, key, cert, edigateCert, payload (base64), filename}
//     signs and encrypts the payload for edigate, POSTs it, verifies the signed MDN that
//     comes back; prints {"status", "messageId", "mdn": {...}} on stdout.
//   {"mode": "serve", partnerId, ourId, key, cert, edigateCert, signMdn}
//     listens on 127.0.0.1 (any free port, printed as {"port": N}); decrypts and verifies
//     each POST, answers with an MDN (signed unless signMdn is false), and prints
//     {"received": ...} per message.
'use strict'

const http = require('http')
const { AS2Composer, AS2Parser, request } = require('libas2')

const fs = require('fs')

async function readJob () {
  return JSON.parse(fs.readFileSync(process.argv[2], 'utf8'))
}

function agreement (job, url) {
  return {
    host: {
      name: job.partnerId, id: job.partnerId, url: url || 'http://127.0.0.1/',
      certificate: job.cert, privateKey: job.key, decrypt: true, sign: 'sha-256',
      mdn: { async: false, signing: 'sha-256' }
    },
    partner: {
      name: job.ourId, id: job.ourId, url: url || 'http://127.0.0.1/', file: 'EDIX12',
      certificate: job.edigateCert, encrypt: 'aes256-CBC', verify: true,
      mdn: { async: false, signing: job.signMdn === false ? false : 'sha-256' }
    }
  }
}

function print (value) {
  process.stdout.write(JSON.stringify(value) + '\n')
}

async function send (job) {
  const composer = new AS2Composer({
    message: {
      filename: job.filename,
      contentType: 'application/edi-x12',
      sign: undefined,
      content: Buffer.from(job.payload, 'base64')
    },
    agreement: agreement(job, job.url)
  })
  const options = await composer.toRequestOptions(job.url)
  const messageId = composer.message.messageId()
  const response = await request(options)
  const body = Buffer.isBuffer(response.rawBody) ? response.rawBody : Buffer.from(response.rawBody || '')
  const result = { status: response.statusCode, messageId, mdn: null }
  if (response.statusCode === 200 && body.length > 0) {
    const node = await AS2Parser.parse({ headers: response.rawHeaders, content: body })
    const disposition = await node.dispositionIn({ cert: job.edigateCert })
    result.mdn = {
      originalMessageId: disposition.notification.originalMessageId,
      disposition: disposition.notification.disposition.toString(),
      processed: disposition.notification.disposition.processed,
      mic: disposition.notification.receivedContentMic
        ? disposition.notification.receivedContentMic.mic : null,
      explanation: disposition.explanation,
      reportingUa: disposition.notification.reportingUa,
      verified: true
    }
  }
  print(result)
}

async function answer (job, req, res) {
  const chunks = []
  for await (const chunk of req) chunks.push(chunk)
  const message = await AS2Parser.parse({ headers: req.rawHeaders, content: Buffer.concat(chunks) })
  const { contentNode, dispositionNode } = await message.dispositionOut({
    agreement: agreement(job), returnNode: false
  })
  print({
    received: {
      messageId: message.messageId(),
      from: req.headers['as2-from'],
      filename: contentNode.filename || null,
      payload: Buffer.from(contentNode.content).toString('base64')
    }
  })
  const { headers, body } = await dispositionNode.buildObject()
  res.writeHead(200, headers)
  res.end(body)
}

function serve (job) {
  const server = http.createServer((req, res) => {
    answer(job, req, res).catch(error => {
      print({ error: String(error && error.message ? error.message : error) })
      res.writeHead(500)
      res.end()
    })
  })
  server.listen(0, '127.0.0.1', () => print({ port: server.address().port }))
  process.stdin.resume() // the test ends the peer by closing its stdin
  process.stdin.on('end', () => server.close())
}

readJob().then(job => {
  if (job.mode === 'serve') return serve(job)
  return send(job)
}).catch(error => {
  print({ error: String(error && error.stack ? error.stack : error) })
  process.exitCode = 1
})
