/* Live enough: an element with data-live="<url>" is refreshed from that address every few
 * seconds while the page is visible (the server renders the same fragment as on load), so a
 * leader's open page shows new alerts and figures without a reload. A form being filled in
 * (focus inside the element) is never replaced under the person's hands. */
(function () {
  "use strict";
  var PERIOD_MS = 4000;
  var parts = document.querySelectorAll("[data-live]");
  function refresh(part) {
    if (document.hidden || part.contains(document.activeElement)) return;
    fetch(part.dataset.live, { headers: { accept: "text/html-fragment" }, credentials: "same-origin" })
      .then(function (answer) { return answer.ok ? answer.text() : null; })
      .then(function (html) {
        if (html === null || part.contains(document.activeElement)) return;
        if (part.dataset.html !== html) { part.innerHTML = html; part.dataset.html = html; }
        part.dataset.updated = new Date().toISOString();
        document.dispatchEvent(new CustomEvent("ward5s:live", { detail: part }));
      })
      .catch(function () {});
  }
  Array.prototype.forEach.call(parts, function (part) {
    setInterval(function () { refresh(part); }, PERIOD_MS);
  });
})();
