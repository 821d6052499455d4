/* Every page: a form that posts is sent once (its buttons disabled while it is sent, a second
 * tap ignored), so a double tap never sends it twice; and signing out forgets the pages kept
 * for offline use (they show the person's name and units), so the next person on a shared
 * phone never sees them; queued submissions stay and are sent with their own keys once their
 * author signs in again. */
(function () {
  "use strict";
  /* Delegated, so forms a page draws later (the alert inbox) are covered too; a form a script
   * sends itself (it prevents the default) is the script's to guard. */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || (form.getAttribute("method") || "").toLowerCase() !== "post") return;
    if (form.dataset.sending) { event.preventDefault(); return; }
    form.dataset.sending = "1";
    /* After this event: a button disabled now would drop its own name and value. */
    setTimeout(function () {
      form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (b) { b.disabled = true; });
    }, 0);
  });
  /* A page shown again from the back-forward cache takes its forms again. */
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-sending]").forEach(function (form) {
      delete form.dataset.sending;
      form.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
    });
  });

  /* A create form's idempotency key belongs to the form the browser keeps, not to the page's
   * rendering: the page's key (meta form-key, in each form's hidden "key") is kept in this
   * history entry's state the first time it is shown; shown again (back, refresh, the page
   * fetched anew), its forms carry the kept key, so sending the kept form again is the same
   * command and records nothing new. */
  var rendered = document.querySelector("meta[name='form-key']");
  if (rendered && rendered.content && window.history) {
    var state = history.state || {};
    var kept = state.formKey;
    if (!kept) {
      state.formKey = rendered.content;
      history.replaceState(state, "");
    } else if (kept !== rendered.content) {
      document.querySelectorAll("input[name='key']").forEach(function (input) {
        input.value = input.value.split(rendered.content).join(kept);
      });
    }
  }

  /* A page drawn again after a refusal answers the form's POST: its address becomes the page's
   * own (meta page-address), which can be opened again, and the refused field (else the
   * refusal) takes the focus, so the person lands where to correct it. */
  var address = document.querySelector("meta[name='page-address']");
  if (address && address.content && window.history) {
    history.replaceState(history.state, "", address.content);
  }
  var refused = document.querySelector("[aria-invalid='true']") || document.querySelector(".refused[tabindex]");
  if (refused) refused.focus();

  var signOut = document.querySelector("form[action='/sign-out']");
  if (!signOut || !window.caches) return;
  signOut.addEventListener("submit", function (event) {
    event.preventDefault();
    caches.keys()
      .then(function (names) { return Promise.all(names.map(function (n) { return caches.delete(n); })); })
      .catch(function () {})
      .then(function () { signOut.submit(); });
  });
})();
