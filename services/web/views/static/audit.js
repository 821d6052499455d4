/* The auditor's checklist: the draft kept in IndexedDB on every change (it survives a reload and
 * a lost connection), photos shrunk on a canvas before they are kept (photos.js), the
 * submission queued with its idempotency key and sent now or when the connection returns, the
 * queue shown with
 * each submission's state, and amend and withdraw of a sent audit with a reason.
 *
 * The idempotency key belongs to the draft: made with it and sent with it however often it is
 * submitted (a double tap, a retry), so the service records it once. The submission keeps the
 * draft until the service accepts it: a refused one is opened again, corrected and resent (a
 * new draft, so a new key). The moment of the audit is checked here first (a real day and
 * time, not ahead of now, in a month still open) and said in words an official reads. */
(function () {
  "use strict";
  var Q = window.Ward5sQueue, Photos = window.Ward5sPhotos;
  var form = document.getElementById("audit-form");
  var texts = JSON.parse(form.dataset.texts);
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var draftId = "audit:" + form.dataset.subject;
  var draft = blank();
  function blank() { return { id: draftId, key: Q.newKey(), unit: "", performed: "", scores: {}, notes: {}, photos: [], amend: null }; }
  var openMonths = JSON.parse(form.dataset.openMonths || "null");
  var submit = form.querySelector("button[type=submit]");

  function codes() {
    return Array.prototype.map.call(form.querySelectorAll("fieldset.item"), function (f) { return f.dataset.code; });
  }
  function unitName(id) {
    var option = form.unit.querySelector('option[value="' + id + '"]');
    return option ? option.textContent : id;
  }
  function monthLabel(key) { var p = (key || "").split("-"); return p.length === 2 ? p[1] + "/" + p[0] : key; }
  /* The moment of the audit is written dd/mm/yyyy hh:mm in Vietnam time, whatever the phone's
   * own locale (a date picker would follow the phone's); Vietnam keeps +07:00 all year. */
  var WRITTEN = /^(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2})$/;
  function nowInVietnam() {
    var parts = {};
    new Intl.DateTimeFormat("en-GB", { timeZone: "Asia/Ho_Chi_Minh", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
      .formatToParts(new Date()).forEach(function (p) { parts[p.type] = p.value; });
    return parts.day + "/" + parts.month + "/" + parts.year + " " + parts.hour + ":" + parts.minute;
  }
  /* "dd/mm/yyyy hh:mm" -> "yyyy-mm-ddThh:mm" (Vietnam time), or null when not so written. */
  function isoOf(written) {
    var m = WRITTEN.exec((written || "").trim());
    return m ? m[3] + "-" + m[2] + "-" + m[1] + "T" + m[4] + ":" + m[5] : null;
  }
  function writtenOf(iso) { return iso.slice(8, 10) + "/" + iso.slice(5, 7) + "/" + iso.slice(0, 4) + " " + iso.slice(11, 16); }
  function periodOf(written) { var iso = isoOf(written); return iso ? iso.slice(0, 7) : ""; }
  function said(key, values) {
    return texts[key].replace(/\{(\w+)\}/g, function (_, name) { return values[name]; });
  }
  /* Why the written moment cannot be the audit's (in the page's words), or null when it can:
   * written as dd/mm/yyyy hh:mm, a day the calendar has, a time of day, not ahead of now (a
   * minute's grace for clocks), in a month that still takes audits. */
  function momentProblem(written) {
    var m = WRITTEN.exec((written || "").trim());
    if (!m) return texts.performed_format;
    var day = +m[1], month = +m[2], year = +m[3], hour = +m[4], minute = +m[5];
    var probe = new Date(Date.UTC(year, month - 1, day));
    if (month < 1 || month > 12 || probe.getUTCDate() !== day || probe.getUTCMonth() !== month - 1) {
      return said("performed_no_day", { day: m[1] + "/" + m[2] + "/" + m[3] });
    }
    if (hour > 23 || minute > 59) return said("performed_no_time", { time: m[4] + ":" + m[5] });
    if (Date.parse(isoOf(written) + ":00+07:00") > Date.now() + 60000) {
      return said("performed_future", { now: nowInVietnam() });
    }
    var period = isoOf(written).slice(0, 7);
    if (openMonths && openMonths.indexOf(period) < 0) return said("performed_closed", { month: monthLabel(period) });
    return null;
  }
  function showPeriod() {
    var label = document.getElementById("period-label");
    var period = periodOf(form.performed.value);
    label.textContent = period ? label.dataset.text + " " + monthLabel(period) : "";
  }
  function localTime(iso) {
    return new Intl.DateTimeFormat("vi-VN", { timeZone: "Asia/Ho_Chi_Minh", day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit" }).format(new Date(iso));
  }

  /* --- the draft ------------------------------------------------------------------------ */
  function readForm() {
    draft.unit = form.unit.value;
    draft.performed = form.performed.value;
    codes().forEach(function (code) {
      var checked = form.querySelector('input[name="score-' + code + '"]:checked');
      if (checked) draft.scores[code] = checked.value; else delete draft.scores[code];
      var note = form.querySelector('[name="note-' + code + '"]').value;
      if (note) draft.notes[code] = note; else delete draft.notes[code];
    });
    if (draft.amend) draft.amend.reason = document.getElementById("amend-reason").value;
  }
  function save() { readForm(); return Q.saveDraft(draft); }
  function fill() {
    form.unit.value = draft.unit || "";
    form.performed.value = draft.performed || nowInVietnam();
    showPeriod();
    codes().forEach(function (code) {
      form.querySelectorAll('input[name="score-' + code + '"]').forEach(function (input) {
        input.checked = draft.scores[code] === input.value;
      });
      form.querySelector('[name="note-' + code + '"]').value = draft.notes[code] || "";
    });
    var amending = document.getElementById("amending");
    amending.hidden = !draft.amend;
    form.unit.disabled = form.performed.disabled = !!draft.amend;
    if (draft.amend) {
      document.getElementById("amending-what").textContent = draft.amend.label;
      document.getElementById("amend-reason").value = draft.amend.reason || "";
    }
    drawPhotos();
  }
  /* The photos: taken, shrunk and listed as on every page that takes them (photos.js). */
  function current() { return draft; }
  function drawPhotos() { Photos.draw(form, current, texts, save); }
  Photos.attach(form, current, texts, save);
  form.addEventListener("change", save);
  form.performed.addEventListener("input", showPeriod);
  form.addEventListener("input", save);

  /* --- submitting ------------------------------------------------------------------------- */
  function fail(message) {
    var error = document.getElementById("form-error");
    error.textContent = message; error.hidden = false; error.focus();
  }
  /* A field the form refuses here says so beside it, as the pages' forms do (forms.html). */
  function refuseField(id, message) {
    var field = document.getElementById(id), error = document.getElementById(id + "-error");
    error.textContent = message; error.hidden = false;
    field.setAttribute("aria-invalid", "true"); field.setAttribute("aria-describedby", error.id);
    field.focus();
  }
  function clearField(id) {
    document.getElementById(id + "-error").hidden = true;
    document.getElementById(id).removeAttribute("aria-invalid");
    document.getElementById(id).removeAttribute("aria-describedby");
  }
  var sending = false;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (sending) return;
    readForm();
    document.getElementById("form-error").hidden = true;
    clearField("amend-reason");
    if (!draft.unit) return fail(texts.choose_unit);
    var problem = draft.amend ? null : momentProblem(draft.performed);
    if (problem) { form.performed.focus(); return fail(problem); }
    var missing = codes().filter(function (code) { return !(code in draft.scores); });
    if (missing.length) return fail(texts.missing + " " + missing.join(", "));
    var items = codes().map(function (code) {
      var kept = draft.amend ? (draft.amend.evidence[code] || []) : [];
      return {
        code: code,
        score: draft.scores[code] === "na" ? null : Number(draft.scores[code]),
        note: draft.notes[code] || null,
        evidence_ids: kept.slice()
      };
    });
    var entry;
    if (draft.amend) {
      if (!draft.amend.reason.trim()) return refuseField("amend-reason", texts.amend_reason_needed);
      entry = {
        kind: "amend", audit_id: draft.amend.audit_id, label: draft.amend.label,
        url: "/api/assessment/v1/audits/" + draft.amend.audit_id + "/amend",
        body: { items: items, reason: draft.amend.reason }
      };
    } else {
      entry = {
        kind: "audit", label: unitName(draft.unit) + " · " + monthLabel(periodOf(draft.performed)),
        url: "/api/assessment/v1/audits",
        body: { unit_id: draft.unit, period: periodOf(draft.performed), performed_at: isoOf(draft.performed) + ":00+07:00",
                catalog_version: form.dataset.catalog, items: items }
      };
    }
    entry.key = draft.key; entry.csrf = csrf; entry.owner = form.dataset.subject;
    entry.unit = draft.unit; entry.performed = draft.performed;
    entry.photos = draft.photos.map(function (p) { return { key: p.key, item: p.item, blob: p.blob, id: p.id }; });
    /* What was typed, kept with the submission until the service accepts it. */
    entry.draft = { unit: draft.unit, performed: draft.performed, scores: draft.scores, notes: draft.notes, amend: draft.amend };
    sending = true; submit.disabled = true;
    Q.enqueue(entry).then(function () {
      draft = blank();
      return Q.dropDraft(draftId);
    }).then(function () {
      fill(); window.scrollTo(0, document.getElementById("outbox-title").offsetTop);
      return Q.flush();
    }).finally(function () { sending = false; submit.disabled = false; });
  });

  /* --- the queue -------------------------------------------------------------------------- */
  /* The queue's entries this page lists (a rating or a campaign's audit is another page's). */
  var KINDS = ["audit", "amend", "withdraw"];
  function drawOutbox() {
    Q.all().then(function (rows) {
      var list = document.getElementById("outbox");
      list.textContent = "";
      rows = rows.filter(function (r) { return r.owner === form.dataset.subject && KINDS.indexOf(r.kind) >= 0; });
      if (!rows.length) { var none = document.createElement("li"); none.textContent = texts.none; list.appendChild(none); }
      /* Amend or withdraw an audit from its newest sent version only, never once withdrawn. */
      var withdrawn = {}, newest = {};
      rows.forEach(function (r) {
        if (r.kind === "withdraw" && r.status !== "refused") withdrawn[r.audit_id] = true;
        if (r.status === "sent" && r.result && r.result.audit_id && r.kind !== "withdraw") newest[r.result.audit_id] = r.key;
      });
      rows.slice().reverse().forEach(function (row) {
        var li = document.createElement("li");
        li.className = "entry status-" + row.status;
        li.dataset.status = row.status;
        li.dataset.key = row.key;
        var what = document.createElement("span");
        what.textContent = texts[row.kind] + " · " + row.label + " · " + localTime(row.created) + " — ";
        var state = document.createElement("strong");
        state.className = "state";
        state.textContent = texts[row.status] + (row.status !== "sent" && row.error ? ": " + row.error : "");
        li.appendChild(what); li.appendChild(state);
        var auditId = row.result && row.result.audit_id;
        if (row.status === "sent" && auditId && newest[auditId] === row.key && !withdrawn[auditId]) {
          li.appendChild(button(texts.amend_button, function () { startAmend(row, auditId); }));
          li.appendChild(button(texts.withdraw_button, function () { askWithdraw(row, auditId); }));
        }
        if (row.status === "refused" && row.draft) {
          li.appendChild(button(texts.reopen_button, function () { reopen(row); }));
        }
        list.appendChild(li);
      });
    });
  }
  function button(label, action) {
    var b = document.createElement("button");
    b.type = "button"; b.className = "secondary"; b.textContent = label;
    b.addEventListener("click", action);
    return b;
  }
  function startAmend(row, auditId) {
    var source = row.body;
    draft = blank();
    draft.unit = row.body.unit_id || row.unit || "";
    draft.performed = row.body.performed_at ? writtenOf(row.body.performed_at) : row.performed;
    draft.amend = { audit_id: auditId, label: row.label, reason: "", evidence: {} };
    (source.items || []).forEach(function (item) {
      draft.scores[item.code] = item.score === null ? "na" : String(item.score);
      if (item.note) draft.notes[item.code] = item.note;
      draft.amend.evidence[item.code] = (item.evidence_ids || []).slice();
    });
    (row.photos || []).forEach(function (p) {
      if (p.id) (draft.amend.evidence[p.item] = draft.amend.evidence[p.item] || []).push(p.id);
    });
    fill(); save();
    document.getElementById("amend-reason").focus();
  }
  /* A refused submission back in the form as it was typed, photos included (those uploaded
   * keep their ids), under a new key: it is a new submission once corrected. */
  function reopen(row) {
    draft = blank();
    Object.keys(row.draft).forEach(function (name) { draft[name] = row.draft[name]; });
    draft.photos = (row.photos || []).slice();
    Q.remove(row.key).then(function () { fill(); return save(); }).then(function () {
      drawOutbox(); form.performed.focus();
    });
  }
  document.getElementById("amend-cancel").addEventListener("click", function () {
    draft = blank();
    Q.dropDraft(draftId).then(fill);
  });
  function askWithdraw(row, auditId) {
    var dialog = document.getElementById("withdraw-dialog");
    var reason = document.getElementById("withdraw-reason");
    var key = Q.newKey();  /* this withdrawal's, however often it is confirmed */
    reason.value = "";
    dialog.onclose = function () {
      if (dialog.returnValue !== "confirm" || !reason.value.trim()) return;
      dialog.onclose = null;
      Q.enqueue({ kind: "withdraw", audit_id: auditId, label: row.label, key: key, csrf: csrf,
                  owner: form.dataset.subject, photos: [],
                  url: "/api/assessment/v1/audits/" + auditId + "/withdraw",
                  body: { reason: reason.value.trim() } }).then(Q.flush);
    };
    dialog.showModal();
  }

  /* --- the network ------------------------------------------------------------------------- */
  var network = document.getElementById("network");
  function showNetwork() { network.textContent = navigator.onLine ? "" : texts.offline; }
  window.addEventListener("online", function () { showNetwork(); Q.onlineAgain(); });
  window.addEventListener("offline", showNetwork);
  Q.onchange = drawOutbox;
  if (navigator.serviceWorker) navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
  setInterval(function () { if (navigator.onLine) Q.flush(); }, 20000);

  Q.draft(draftId).then(function (kept) {
    if (kept) draft = kept;
    if (!draft.photos) draft.photos = [];
    if (!draft.key) draft.key = Q.newKey();
    fill(); showNetwork(); drawOutbox();
    return Q.flush();
  });
})();
