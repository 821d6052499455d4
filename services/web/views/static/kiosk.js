/* The citizen's rating screen (kiosk or QR page): a tap on a level queues the rating with the
 * moment it was given (captured_at) and its idempotency key, shows the thank-you screen and
 * resets after a few seconds; the queue is sent now, on the "online" event and by background
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
  form.querySelectorAll("button.level").forEach(function (button) {
    button.addEventListener("click", function () {
      if (busy) return;
      busy = true;
      var comment = form.comment.value.trim();
      var body = { unit_id: form.dataset.unit, level: Number(button.dataset.level), captured_at: new Date().toISOString() };
      if (comment) body.comment = comment;
      Q.enqueue({ kind: "feedback", key: Q.newKey(), csrf: csrf, owner: "kiosk", label: "",
                  url: form.dataset.post, body: body, photos: [] }).then(Q.flush);
      form.reset();
      rate.hidden = true; thanks.hidden = false;
      setTimeout(reset, RESET_MS);
    });
  });
  Q.onchange = showWaiting;
  window.addEventListener("online", function () { Q.onlineAgain(); });
  if (navigator.serviceWorker) navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
  setInterval(function () { if (navigator.onLine) Q.flush(); }, 20000);
  showWaiting(); Q.flush();
})();
