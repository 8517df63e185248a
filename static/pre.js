// The build-time first screen. index.html carries, in <template id="prerender-tpl">, the
// playground's first screen for a first visit (the first built-in scenario at step 1),
// rendered by the same Yew components natively (src/bin/prerender.rs). This script (async,
// so it never holds up parsing, and allowed by a strict CSP) puts it on the page when it
// is the screen this visit will show, so the diagram is drawn before the WebAssembly has
// loaded; the app replaces it when it starts. A link to another scenario or step, saved
// work, or ?present / ?embed shows nothing until the app draws the right screen.
(function () {
  var FIRST = 'scenario=vm-keyvault&step=1'; // the first built-in at step 1 (checked by tests/prerender.rs)
  var tpl = document.getElementById('prerender-tpl');
  if (!tpl || document.documentElement.hasAttribute('data-live')) return; // the app is already up
  try {
    var hash = location.hash.replace(/^#/, '');
    if (location.search.length > 1) return;
    if (hash) {
      if (hash !== FIRST) return;
    } else {
      var saved = localStorage.getItem('mip.playground.v1');
      var s = saved === null ? null : JSON.parse(saved);
      if (s !== null && 'scenario=' + s.builtin + '&step=' + (s.step + 1) !== FIRST) return;
    }
  } catch (e) {
    return;
  }
  tpl.parentNode.insertBefore(tpl.content.cloneNode(true), tpl);
})();
