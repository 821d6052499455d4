/* Signing out forgets the pages kept for offline use (they show the person's name and units),
 * so the next person on a shared phone never sees them; queued submissions stay and are sent
 * with their own keys once their author signs in again. */
(function () {
  "use strict";
  var form = document.querySelector("form[action='/sign-out']");
  if (!form || !window.caches) return;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    caches.keys()
      .then(function (names) { return Promise.all(names.map(function (n) { return caches.delete(n); })); })
      .catch(function () {})
      .then(function () { form.submit(); });
  });
})();
