/* The citizen's rating screen (kiosk or QR page): a tap on a level queues the rating with the
 * moment it was given (captured_at) and its idempotency key, shows the thank-you screen and
 * resets after a few seconds (after a dissatisfied rating it first offers, optionally, to leave
 * a contact to be called back); the queue is sent now, on the "online" event and by background
 * sync, so a rating given offline counts on the day and in the month it was given. */
(function () {
  "use strict";
  var Q = window.Ward5sQueue;
  var form = document.getElementById("rating-form");
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var RESET_MS = 5000;
  var rate = document.getElementById("rate"), thanks = document.getElementById("thanks");
  var waiting = document.getElementById("waiting");

  function showWaiting() {
    Q.all().then(function (rows) {
      var queued = rows.filter(function (r) { return r.kind === "feedback" && r.status === "queued"; }).length;
      waiting.textContent = queued ? queued + " " + waiting.dataset.text : "";
    });
  }

  /* Back to the citizen's first screen, in Vietnamese: a citizen who switched to English does
   * not leave it so for the next one. */
  function reset() {
    if (document.documentElement.lang !== "vi") {
      fetch("/language", { method: "POST", credentials: "same-origin", redirect: "manual",
                           headers: { "Content-Type": "application/x-www-form-urlencoded" },
                           body: "csrf=" + encodeURIComponent(csrf) + "&lang=vi&next=/" })
        .then(function () { location.reload(); }, function () { location.reload(); });
      return;
    }
    thanks.hidden = true; rate.hidden = false; busy = false; showWaiting();
  }
  var busy = false;  /* one rating per tap: a double tap gives one */
  var contact = document.getElementById("contact"), contactForm = document.getElementById("contact-form");
  var contactError = document.getElementById("contact-error");
  var CONTACT_MS = 90000, pending = null, contactTimer = null;

  function send(body) {
    Q.enqueue({ kind: "feedback", key: Q.newKey(), csrf: csrf, owner: "kiosk", label: "",
                url: form.dataset.post, body: body, photos: [] }).then(Q.flush);
    form.reset(); contactForm.reset(); contactError.hidden = true;
    rate.hidden = true; contact.hidden = true; thanks.hidden = false;
    setTimeout(reset, RESET_MS);
  }
  /* After "Không hài lòng" or "Rất không hài lòng": the citizen may leave a phone number or an
   * e-mail address, with their consent, to be called back; skipping (or leaving the screen
   * alone) sends the rating without it. */
  function askContact(body) {
    pending = body;
    rate.hidden = true; contact.hidden = false;
    document.getElementById("contact-value").focus();
    contactTimer = setTimeout(function () { finish(false); }, CONTACT_MS);
  }
  function finish(withContact) {
    if (!pending) return;
    var body = pending, value = contactForm.contact.value.trim();
    if (withContact && value) {
      if (!contactForm.consent.checked) { contactError.hidden = false; return; }
      body.contact = value; body.contact_consent = true;
    }
    clearTimeout(contactTimer); pending = null;
    send(body);
  }
  contactForm.addEventListener("submit", function (event) { event.preventDefault(); finish(true); });
  document.getElementById("contact-skip").addEventListener("click", function () { finish(false); });

  form.querySelectorAll("button.level").forEach(function (button) {
    button.addEventListener("click", function () {
      if (busy) return;
      busy = true;
      var comment = form.comment.value.trim();
      var body = { unit_id: form.dataset.unit, level: Number(button.dataset.level), captured_at: new Date().toISOString() };
      if (comment) body.comment = comment;
      if (button.dataset.followUp) askContact(body); else send(body);
    });
  });
  /* A citizen's contact stays on the device no longer than it takes to send it. */
  function forgetContacts(rows) {
    rows.forEach(function (r) {
      if (r.kind === "feedback" && r.status === "sent" && r.body && r.body.contact) Q.remove(r.key);
    });
  }
  Q.onchange = function () { showWaiting(); Q.all().then(forgetContacts); };
  window.addEventListener("online", function () { Q.onlineAgain(); });
  if (navigator.serviceWorker) navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
  setInterval(function () { if (navigator.onLine) Q.flush(); }, 20000);
  showWaiting(); Q.flush();
})();
