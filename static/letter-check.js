/* The record page's "check a letter" box (issue 22): the PDF is hashed here, in the browser, with
   WebCrypto's SHA-256 and compared with the files on record. Nothing is uploaded. */
(function () {
  "use strict";
  var box = document.getElementById("letter-check");
  if (!box || !window.crypto || !window.crypto.subtle) { return; }
  var field = document.getElementById("letter-file-field");
  var input = document.getElementById("letter-file");
  var pasted = document.getElementById("letter-sha256");
  var result = document.getElementById("check-result");
  var form = box.querySelector("form");
  var files = {};
  Array.prototype.forEach.call(document.querySelectorAll("[data-sha256]"), function (el) {
    files[el.getAttribute("data-sha256")] = el.getAttribute("data-label");
  });
  field.hidden = false;

  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function say(ok, text) {
    result.textContent = text;
    result.className = "check-result " + (ok ? "check-ok" : "check-bad");
  }

  function check(value) {
    var sha = value.trim().toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(sha)) { say(false, box.getAttribute("data-invalid")); return; }
    if (Object.prototype.hasOwnProperty.call(files, sha)) {
      say(true, box.getAttribute("data-found").replace("{file}", files[sha]));
    } else {
      say(false, box.getAttribute("data-not-found"));
    }
  }

  function hashFile(file) {
    if (!file) { return; }
    file.arrayBuffer().then(function (bytes) {
      return window.crypto.subtle.digest("SHA-256", bytes);
    }).then(function (digest) {
      pasted.value = hex(digest);
      check(pasted.value);
    });
  }

  input.addEventListener("change", function () { hashFile(input.files[0]); });
  field.addEventListener("dragover", function (event) { event.preventDefault(); field.classList.add("dragging"); });
  field.addEventListener("dragleave", function () { field.classList.remove("dragging"); });
  field.addEventListener("drop", function (event) {
    event.preventDefault();
    field.classList.remove("dragging");
    if (event.dataTransfer && event.dataTransfer.files.length) { hashFile(event.dataTransfer.files[0]); }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    check(pasted.value);
  });
}());
