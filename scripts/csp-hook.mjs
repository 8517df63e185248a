// Trunk post-build hook:
// 1. moves Trunk's inline module loader into boot.js so the page runs under a strict
//    Content-Security-Policy (script-src 'self' 'wasm-unsafe-eval', no inline);
// 2. puts the prerendered first screen (`cargo run --features prerender --bin prerender`,
//    Yew's server renderer run natively) into <body>, so the diagram is drawn before the
//    wasm has loaded. MIP_NO_PRERENDER=1 skips step 2 (a faster edit loop in `trunk serve`);
// 3. minifies the style sheet and updates its SRI hash;
// 4. fills in the service worker's list of files to precache.
// Every URL it writes is relative (Trunk.toml sets public_url = "./"): the build runs from
// any sub-path, and the hook fails the build if index.html names an absolute path.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';

const dir = process.env.TRUNK_STAGING_DIR;
if (!dir) { console.error('csp-hook: TRUNK_STAGING_DIR not set'); process.exit(1); }
const index = path.join(dir, 'index.html');
let html = fs.readFileSync(index, 'utf8');
const re = /<script type="module">([\s\S]*?)<\/script>/;
const m = html.match(re);
if (!m) { console.error('csp-hook: no inline module script found'); process.exit(1); }
// Register the service worker (offline use) after the app has started. Relative to the
// page, so its scope is the folder the build is served from.
const register = "\nif ('serviceWorker' in navigator) navigator.serviceWorker.register('./sw.js').catch(() => {});\n";
// When the build-time first screen is showing, let it be painted before the wasm is
// compiled and started.
const yieldToPaint = "if (document.getElementById('prerender')) await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));\n";
let loader = m[1].trim();
if (!/const wasm = await init\(/.test(loader)) { console.error('csp-hook: unexpected Trunk loader'); process.exit(1); }
loader = loader.replace(/const wasm = await init\(/, (s) => yieldToPaint + s);
fs.writeFileSync(path.join(dir, 'boot.js'), loader + '\n' + register);
html = html.replace(re, '<script type="module" src="./boot.js"></script>');
// Drop Trunk's <link rel="preload"> of the wasm: measured in headless Chromium, the wasm
// then competes with the style sheet and pre.js for the first paint, and the app starts
// no sooner (boot.js fetches the wasm itself, streaming it into the compiler).
html = html.replace(/<link rel="preload" href="[^"]*\.wasm"[^>]*>/, '');
// Every URL in the page must be relative (hosting under a sub-path): fail the build if not.
const absolute = [...html.matchAll(/(?:href|src)="(\/[^"]*)"/g)].map((m) => m[1]);
if (absolute.length) { console.error(`csp-hook: absolute URLs in index.html: ${absolute.join(', ')}`); process.exit(1); }

if (process.env.MIP_NO_PRERENDER !== '1') {
  const root = process.env.TRUNK_SOURCE_DIR || path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
  const pre = execFileSync('cargo', ['run', '-q', '--locked', '--features', 'prerender', '--bin', 'prerender'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 });
  if (!pre.startsWith('<div id="prerender">')) { console.error('csp-hook: unexpected prerender output'); process.exit(1); }
  // As an inert <template>: static/pre.js (async) puts it on the page when it is the
  // screen this visit will show.
  html = html.replace(/<body>/, () => '<body>\n<template id="prerender-tpl">' + pre + '</template>\n<script async src="./pre.js"></script>');
}
// 3. Minifies the style sheet (comments and layout whitespace; quoted strings are kept
//    as they are) and updates its Subresource Integrity hash.
html = html.replace(/<link rel="stylesheet" href="(?:\.\/)?([^"/]+\.css)" integrity="sha384-[^"]*"/, (tag, file) => {
  const css = path.join(dir, file);
  const min = fs.readFileSync(css, 'utf8').split(/("(?:[^"\\]|\\.)*")/).map((part, i) => i % 2 ? part
    : part.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\s+/g, ' ').replace(/\s*([{};,])\s*/g, '$1').replace(/: /g, ':').replace(/;}/g, '}')).join('').trim();
  fs.writeFileSync(css, min);
  const sri = createHash('sha384').update(min).digest('base64');
  return `<link rel="stylesheet" href="./${file}" integrity="sha384-${sri}"`;
});
fs.writeFileSync(index, html);
// 4. The service worker precaches every file of the build (relative to its folder), under
//    a cache name that changes with them.
const files = fs.readdirSync(dir).filter((f) => f !== 'sw.js' && f !== 'index.html' && fs.statSync(path.join(dir, f)).isFile()).sort();
const assets = ['./', ...files.map((f) => './' + f)];
const version = createHash('sha256').update(files.join('\n') + html).digest('hex').slice(0, 12);
const swPath = path.join(dir, 'sw.js');
let sw = fs.readFileSync(swPath, 'utf8');
if (!sw.includes("const ASSETS = ['./'];") || !sw.includes("const CACHE = 'mip-playground-v1';")) { console.error('csp-hook: unexpected sw.js'); process.exit(1); }
sw = sw.replace("const ASSETS = ['./'];", `const ASSETS = ${JSON.stringify(assets)};`).replace("const CACHE = 'mip-playground-v1';", `const CACHE = 'mip-playground-${version}';`);
fs.writeFileSync(swPath, sw);
