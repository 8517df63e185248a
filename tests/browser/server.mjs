// A tiny static server for dist/ on 127.0.0.1 (random port), with the strict
// Content-Security-Policy the app must work under. Used by the browser tests.
// `prefix` serves the build under a sub-path (e.g. '/some/path/'), as a docs site would:
// anything outside it is a 404.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.json': 'application/json', '.svg': 'image/svg+xml', '.webmanifest': 'application/manifest+json' };
export const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors *";

export function serve(root, prefix = '/') {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const pathname = decodeURIComponent(url.pathname);
    if (!pathname.startsWith(prefix)) { res.writeHead(404, { 'Content-Security-Policy': CSP }).end('not found'); return; }
    let p = path.normalize(pathname.slice(prefix.length)).replace(/^([/\\])+/, '');
    let file = path.join(root, p || 'index.html');
    if (!file.startsWith(path.resolve(root))) { res.writeHead(403).end(); return; }
    if (!fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      // A missing file with an extension is a 404 (a favicon, an asset); a path without one is the app.
      if (path.extname(p) && p !== '.') { res.writeHead(404, { 'Content-Security-Policy': CSP }).end('not found'); return; }
      file = path.join(root, 'index.html');
    }
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream', 'Content-Security-Policy': CSP, 'Cache-Control': 'no-store' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${server.address().port}${prefix}` })));
}
