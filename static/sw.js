// Offline support: the app's own files are cached, so a workshop survives a dead Wi-Fi.
// Network first (updates are picked up on the next online visit), cache as fallback.
// Every path is relative to this file's folder, which is also the worker's scope, so the
// build works from any sub-path (https://docs.example/playground/ as well as /).
// On install it caches the page and every file of the build: scripts/csp-hook.mjs fills
// in ASSETS (and the cache name, which changes with them) when it writes dist/.
const ASSETS = ['./']; // filled in by scripts/csp-hook.mjs
const CACHE = 'mip-playground-v1';

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await Promise.all(ASSETS.map(async (a) => {
      const url = new URL(a, self.registration.scope);
      const r = await fetch(url, { cache: 'no-store' });
      if (r.ok) await cache.put(url, r);
    }));
    self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const k of await caches.keys()) if (k.startsWith('mip-playground-') && k !== CACHE) await caches.delete(k);
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin || !url.href.startsWith(self.registration.scope)) return;
  // `mip serve`'s live session (polled every second under ?live) is never cached.
  if (url.pathname.includes('/_mip/')) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    try {
      const res = await fetch(event.request);
      if (res.ok) cache.put(event.request, res.clone());
      return res;
    } catch (e) {
      const hit = await cache.match(event.request, { ignoreSearch: true });
      if (hit) return hit;
      if (event.request.mode === 'navigate') return (await cache.match(new URL('./', self.registration.scope))) || Response.error();
      return Response.error();
    }
  })());
});
