// Reverse proxy that only rewrites response header names to Title-Case
// (content-type -> Content-Type), to show what Kassa would need to send for
// kco_rest_php's GuzzleConnector. Location values are re-pointed at the proxy.
// Usage: node titlecase-proxy.js <listen port> <kassa url>
'use strict';
const http = require('http');
const [port, target] = [Number(process.argv[2]), new URL(process.argv[3])];
const title = (n) => n.replace(/(^|-)([a-z])/g, (m) => m.toUpperCase());
http.createServer((req, res) => {
  const up = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url,
    headers: { ...req.headers, host: target.host } }, (r) => {
    const raw = [];
    for (let i = 0; i < r.rawHeaders.length; i += 2) {
      const name = title(r.rawHeaders[i]);
      const value = name === 'Location'
        ? r.rawHeaders[i + 1].replace(target.origin, `http://127.0.0.1:${port}`) : r.rawHeaders[i + 1];
      raw.push([name, value]);
    }
    res.writeHead(r.statusCode, raw.flat());
    r.pipe(res);
  });
  up.on('error', (e) => { res.writeHead(502); res.end(String(e)); });
  req.pipe(up);
}).listen(port, '127.0.0.1');
