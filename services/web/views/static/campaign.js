/* A campaign's audit on its page: the scores and the note read from the form, photos taken as
 * on the auditor's checklist (photos.js), the submission queued with its idempotency key and
 * sent now or when the connection returns (queue.js: the photos uploaded first, then cited by
 * the audit). The page is shown again with the results once it is recorded; a refusal is said
 * in the service's words and the form kept. Without this script the form posts to the web
 * service (without photos). */
(function () {
  "use strict";
  var Q = window.Ward5sQueue, Photos = window.Ward5sPhotos;
  var csrf = document.querySelector('meta[name="csrf-token"]').content;

  function items(form) {
    return Array.prototype.map.call(form.querySelectorAll("fieldset.item"), function (fieldset) {
      var chosen = fieldset.querySelector("input[type=radio]:checked");
      return { code: fieldset.dataset.code, score: chosen.value === "na" ? null : Number(chosen.value) };
    });
  }

  document.querySelectorAll("form.campaign-audit").forEach(function (form) {
    var texts = JSON.parse(form.dataset.texts);
    var held = { photos: [], key: Q.newKey() };  /* this audit's key, however often it is sent */
    var status = form.querySelector(".campaign-status");
    var submit = form.querySelector("button[type=submit]");
    function current() { return held; }
    function say(message) { status.textContent = message || ""; status.hidden = !message; }
    Photos.attach(form, current, texts, function () {});

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var unit = form.querySelector("select[name=unit_id]");
      var note = form.querySelector("textarea[name=note]").value.trim();
      var entry = {
        kind: "campaign", key: held.key, csrf: csrf, owner: form.dataset.subject,
        label: unit.options[unit.selectedIndex].textContent, url: form.dataset.url,
        body: { unit_id: unit.value, performed_at: new Date().toISOString(), items: items(form), note: note || null },
        photos: held.photos.map(function (p) { return { key: p.key, item: null, blob: p.blob }; })
      };
      submit.disabled = true; say("");
      Q.enqueue(entry).then(Q.flush).then(Q.all).then(function (rows) {
        var sent = rows.filter(function (r) { return r.key === entry.key; })[0];
        if (sent && sent.status === "sent") { window.location.assign("/campaigns?done=audited"); return null; }
        if (sent && sent.status === "refused") {
          held.key = Q.newKey();  /* corrected, it is another submission */
          say(sent.error);
          return Q.remove(sent.key);
        }
        say(texts.queued);
        return null;
      }).finally(function () { submit.disabled = false; });
    });
  });
  window.addEventListener("online", function () { Q.onlineAgain(); });
  Q.flush();
})();
