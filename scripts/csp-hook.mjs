// Trunk post-build hook: moves Trunk's inline module loader into boot.js so the page runs
// under a strict Content-Security-Policy (script-src 'self' 'wasm-unsafe-eval', no inline).
import fs from 'node:fs';
import path from 'node:path';

const dir = process.env.TRUNK_STAGING_DIR;
if (!dir) { console.error('csp-hook: TRUNK_STAGING_DIR not set'); process.exit(1); }
const index = path.join(dir, 'index.html');
let html = fs.readFileSync(index, 'utf8');
const re = /<script type="module">([\s\S]*?)<\/script>/;
const m = html.match(re);
if (!m) { console.error('csp-hook: no inline module script found'); process.exit(1); }
// Register the service worker (offline use) after the app has started.
const register = "\nif ('serviceWorker' in navigator) navigator.serviceWorker.register('/sw.js').catch(() => {});\n";
fs.writeFileSync(path.join(dir, 'boot.js'), m[1].trim() + '\n' + register);
html = html.replace(re, '<script type="module" src="/boot.js"></script>');
fs.writeFileSync(index, html);
