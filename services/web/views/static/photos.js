/* Photos taken as evidence, the same on every page that takes them (the auditor's checklist, a
 * campaign's audit): a photo input (input.photo-input, its data-code naming the item it is of;
 * empty for the whole submission) shrinks each photo taken on a canvas, lists it in the
 * ul.photos of the same data-code with a button to remove it, and says a file that is not a
 * photo in the p.photo-error of that data-code. The photos are kept in the holder's ``photos``
 * as {key, item, blob}; the queue (queue.js) uploads them first and cites their ids. */
(function () {
  "use strict";
  var MAX_SIDE = 1600, QUALITY = 0.8, MAX_BYTES = 900 * 1024;

  /* A phone photo (3–12 MB) drawn at most 1600 px on its long side and kept as JPEG, at a
   * lower quality while it is over MAX_BYTES (what the gateway takes in one request). The canvas
   * keeps none of the file's metadata (GPS position, camera); the server strips it again. */
  function shrink(file) {
    return createImageBitmap(file).then(function (bitmap) {
      var ratio = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * ratio);
      canvas.height = Math.round(bitmap.height * ratio);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      function encode(quality) {
        return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", quality); })
          .then(function (blob) { return blob.size > MAX_BYTES && quality > 0.3 ? encode(quality - 0.15) : blob; });
      }
      return encode(QUALITY);
    });
  }
  /* A file that is not a photo (a PDF, a broken image) is null: said beside its item and left
   * out; the form and the photos already taken stay. */
  function shrunk(file) {
    if (!/^image\//.test(file.type || "image/")) return Promise.resolve(null);
    return shrink(file).catch(function () { return null; });
  }

  /* Draw the holder's photos in the form's lists. ``holder()`` answers the object whose
   * ``photos`` are kept now; ``texts``: remove_photo, not_a_photo ("{files}"); ``changed`` is
   * called after each change. */
  function draw(form, holder, texts, changed) {
    form.querySelectorAll("ul.photos").forEach(function (list) {
      list.textContent = "";
      holder().photos.filter(function (p) { return (p.item || "") === list.dataset.code; }).forEach(function (photo) {
        var li = document.createElement("li");
        var img = document.createElement("img");
        img.src = URL.createObjectURL(photo.blob);
        img.alt = list.getAttribute("aria-label");
        var remove = document.createElement("button");
        remove.type = "button"; remove.className = "secondary"; remove.textContent = texts.remove_photo;
        remove.addEventListener("click", function () {
          holder().photos = holder().photos.filter(function (p) { return p !== photo; });
          draw(form, holder, texts, changed); changed();
        });
        li.appendChild(img); li.appendChild(remove); list.appendChild(li);
      });
    });
  }

  /* Take photos from the form's photo inputs into the holder's ``photos``. */
  function attach(form, holder, texts, changed) {
    form.querySelectorAll("input.photo-input").forEach(function (input) {
      input.addEventListener("change", function () {
        var files = Array.prototype.slice.call(input.files);
        var code = input.dataset.code || "";
        var problem = form.querySelector('p.photo-error[data-code="' + code + '"]');
        Promise.all(files.map(shrunk)).then(function (blobs) {
          var refused = [];
          blobs.forEach(function (blob, i) {
            if (blob) holder().photos.push({ key: window.Ward5sQueue.newKey(), item: code || null, blob: blob });
            else refused.push(files[i].name);
          });
          problem.textContent = refused.length ? texts.not_a_photo.replace("{files}", refused.join(", ")) : "";
          problem.hidden = !refused.length;
          input.value = "";
          draw(form, holder, texts, changed);
          return changed();
        });
      });
    });
  }

  window.Ward5sPhotos = { attach: attach, draw: draw };
})();
