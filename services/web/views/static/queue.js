/* The offline queue, shared by the pages and the service worker (importScripts).
 *
 * A submission is written to IndexedDB ("outbox") with its idempotency key before anything is
 * sent; flush() sends what is queued, oldest first, one at a time (a Web Lock keeps two tabs
 * and the service worker from sending at once). A submission stays queued while the network or
 * the service is away (no answer, 5xx, 401, 429) and is sent again with the same key, so the
 * service records it once however often it is retried; it is "sent" on 2xx and "refused" with
 * the service's own message on any other 4xx. Photos go first to the evidence endpoint
 * (POST /v1/evidence, the photo as the body, each with a key of its own) and the ids it answers
 * are put on their item's evidence_ids (the body's, for a photo of no item). */
(function (scope) {
  "use strict";
  var DB = "ward5s", VERSION = 1, LOCK = "ward5s-outbox";
  var channel = typeof BroadcastChannel !== "undefined" ? new BroadcastChannel(LOCK) : null;

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB, VERSION);
      request.onupgradeneeded = function () {
        var db = request.result;
        if (!db.objectStoreNames.contains("outbox")) db.createObjectStore("outbox", { keyPath: "key" });
        if (!db.objectStoreNames.contains("drafts")) db.createObjectStore("drafts", { keyPath: "id" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function run(store, mode, action) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(store, mode), result;
        var request = action(tx.objectStore(store));
        if (request) request.onsuccess = function () { result = request.result; };
        tx.oncomplete = function () { db.close(); resolve(result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }

  var busy = false;
  function exclusively(work) {
    if (scope.navigator && navigator.locks) return navigator.locks.request(LOCK, work);
    if (busy) return Promise.resolve();
    busy = true;
    return work().finally(function () { busy = false; });
  }

  function retryable(status) {
    return status === 0 || status === 401 || status === 408 || status === 425 || status === 429 || status >= 500;
  }

  function post(url, entry, key, body, type) {
    /* The page's current CSRF token when a page sends; the one kept with the entry when the
     * service worker does (the cookie it repeats lasts a year). */
    var headers = { "Idempotency-Key": key, "X-CSRF-Token": Queue.csrf || entry.csrf };
    if (type) headers["Content-Type"] = type;
    return fetch(url, { method: "POST", headers: headers, body: body, credentials: "same-origin" })
      .then(function (answer) {
        return answer.text().then(function (text) {
          var json = null;
          try { json = text ? JSON.parse(text) : null; } catch (e) { json = null; }
          return { status: answer.status, json: json };
        });
      }, function () { return { status: 0, json: null }; });
  }

  /* What the list says went wrong: the service's own words; nothing when no answer came (no
   * connection: the entry just waits, and the page already says it is offline). */
  function refusal(answer) {
    if (!answer.status) return null;
    var error = answer.json && answer.json.error;
    return error ? error.message : "HTTP " + answer.status;
  }

  /* Upload the entry's photos that have no id yet; false when one must wait for a retry. */
  function uploadPhotos(entry) {
    var photos = entry.photos || [];
    var step = Promise.resolve(true);
    photos.forEach(function (photo) {
      step = step.then(function (going) {
        if (!going || photo.id) return going;
        return post(Queue.evidenceUrl, entry, photo.key, photo.blob, photo.blob.type).then(function (answer) {
          if (answer.status >= 200 && answer.status < 300 && answer.json) {
            photo.id = answer.json.evidence_id;
            return Queue.put(entry).then(function () { return true; });
          }
          if (retryable(answer.status)) { entry.error = refusal(answer); return false; }
          entry.status = "refused"; entry.error = refusal(answer);
          return false;
        });
      });
    });
    return step;
  }

  /* The body with each photo's id on its item's evidence_ids, or on the body's own for a photo
   * of the whole submission (no item: a campaign's audit). */
  function withEvidence(entry) {
    var body = JSON.parse(JSON.stringify(entry.body));
    (entry.photos || []).forEach(function (photo) {
      var cites = photo.item ? (body.items || []).filter(function (item) { return item.code === photo.item; }) : [body];
      cites.forEach(function (citing) {
        citing.evidence_ids = citing.evidence_ids || [];
        if (citing.evidence_ids.indexOf(photo.id) < 0) citing.evidence_ids.push(photo.id);
      });
    });
    return body;
  }

  function sendOne(entry) {
    return uploadPhotos(entry).then(function (ready) {
      if (!ready) return Queue.put(entry).then(function () { return entry.status !== "refused"; });
      return post(entry.url, entry, entry.key, JSON.stringify(withEvidence(entry)), "application/json")
        .then(function (answer) {
          if (answer.status >= 200 && answer.status < 300) {
            entry.status = "sent"; entry.result = answer.json; entry.error = null;
            entry.sent = new Date().toISOString();
          } else if (retryable(answer.status)) {
            entry.error = refusal(answer);
          } else {
            entry.status = "refused"; entry.error = refusal(answer);
          }
          entry.attempts = (entry.attempts || 0) + 1;
          return Queue.put(entry).then(function () { return entry.status !== "queued"; });
        });
    });
  }

  var Queue = {
    evidenceUrl: "/api/assessment/v1/evidence",
    csrf: null,
    put: function (entry) { return run("outbox", "readwrite", function (s) { return s.put(entry); }); },
    all: function () {
      return run("outbox", "readonly", function (s) { return s.getAll(); }).then(function (rows) {
        return (rows || []).sort(function (a, b) { return a.created < b.created ? -1 : 1; });
      });
    },
    draft: function (id) { return run("drafts", "readonly", function (s) { return s.get(id); }); },
    saveDraft: function (draft) { return run("drafts", "readwrite", function (s) { return s.put(draft); }); },
    dropDraft: function (id) { return run("drafts", "readwrite", function (s) { return s.delete(id); }); },
    newKey: function () { return crypto.randomUUID(); },
    remove: function (key) { return run("outbox", "readwrite", function (s) { return s.delete(key); }); },
    /* Queue ``entry`` under its key; a submission already queued or sent under that key (the
     * same draft submitted twice) is kept as it is, and sent once. */
    enqueue: function (entry) {
      return run("outbox", "readonly", function (s) { return s.get(entry.key); }).then(function (kept) {
        return kept || Queue.add(entry);
      });
    },
    add: function (entry) {
      entry.status = "queued";
      entry.created = new Date().toISOString();
      return Queue.put(entry).then(function () {
        Queue.changed();
        if (scope.navigator && navigator.serviceWorker && scope.SyncManager) {
          navigator.serviceWorker.ready.then(function (registration) {
            return registration.sync.register(LOCK);
          }).catch(function () { /* background sync is a bonus: the online event sends too */ });
        }
        return entry;
      });
    },
    /* Send every queued entry, oldest first; stop at the first that must wait. */
    flush: function () {
      return exclusively(function () {
        return Queue.all().then(function (rows) {
          var queued = rows.filter(function (row) { return row.status === "queued"; });
          var step = Promise.resolve(true);
          queued.forEach(function (entry) {
            step = step.then(function (going) { return going ? sendOne(entry) : false; });
          });
          return step.then(function () { Queue.changed(); });
        });
      });
    },
    /* The connection is back: send at once, and again after 1, 2, 4 and 8 s while something
     * is still waiting (the first requests after a reconnection may still fail), rather than
     * leaving it for the next 20-second round. */
    onlineAgain: function () {
      var delays = [1000, 2000, 4000, 8000];
      function attempt(i) {
        Queue.flush().then(Queue.all).then(function (rows) {
          var waiting = rows.some(function (r) { return r.status === "queued"; });
          if (waiting && i < delays.length && scope.navigator.onLine) setTimeout(function () { attempt(i + 1); }, delays[i]);
        });
      }
      attempt(0);
    },
    changed: function () { if (channel) channel.postMessage("changed"); if (Queue.onchange) Queue.onchange(); },
    onchange: null,
    LOCK: LOCK
  };
  if (channel) channel.onmessage = function () { if (Queue.onchange) Queue.onchange(); };
  if (scope.document) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) Queue.csrf = meta.content;
  }
  scope.Ward5sQueue = Queue;
})(self);
