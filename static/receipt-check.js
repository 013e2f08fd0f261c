/* A signer's receipts (issue 22): each receipt's audit path is checked here, in the browser, against the
   root its letter record publishes (fetched from the public API), as RFC 9162 section 2.1.3.2 says. */
(function () {
  "use strict";
  var list = document.querySelector(".receipts");
  if (!list || !window.crypto || !window.crypto.subtle || !window.fetch) { return; }

  function bytes(hex) {
    var out = new Uint8Array(hex.length / 2);
    for (var i = 0; i < out.length; i++) { out[i] = parseInt(hex.substr(i * 2, 2), 16); }
    return out;
  }

  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function sha256(prefix, a, b) {
    var out = new Uint8Array(1 + a.length + (b ? b.length : 0));
    out[0] = prefix;
    out.set(a, 1);
    if (b) { out.set(b, 1 + a.length); }
    return window.crypto.subtle.digest("SHA-256", out).then(function (d) { return new Uint8Array(d); });
  }

  async function rootFromPath(index, size, leaf, path) {
    if (index < 0 || index >= size) { return null; }
    var fn = index, sn = size - 1;
    var r = await sha256(0, leaf);
    for (var i = 0; i < path.length; i++) {
      if (sn === 0) { return null; }
      if ((fn & 1) || fn === sn) {
        r = await sha256(1, path[i], r);
        if (!(fn & 1)) { while (!(fn & 1) && fn !== 0) { fn >>= 1; sn >>= 1; } }
      } else {
        r = await sha256(1, r, path[i]);
      }
      fn >>= 1; sn >>= 1;
    }
    return sn === 0 ? hex(r) : null;
  }

  Array.prototype.forEach.call(list.querySelectorAll(".receipt"), function (item) {
    var status = item.querySelector(".receipt-status");
    var number = item.getAttribute("data-number");
    var say = function (ok) {
      status.textContent = list.getAttribute(ok ? "data-ok" : "data-bad").replace("{num}", number);
      status.className = "receipt-status " + (ok ? "check-ok" : "check-bad");
    };
    status.textContent = list.getAttribute("data-checking");
    var path = (item.getAttribute("data-path") || "").split(" ").filter(Boolean).map(bytes);
    var index = parseInt(item.getAttribute("data-index"), 10);
    var leaf = bytes(item.getAttribute("data-leaf"));
    fetch(item.getAttribute("data-api"), { credentials: "omit" }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (published) {
      if (!published) { say(false); return; }
      return rootFromPath(index, published.tree_size, leaf, path).then(function (root) {
        say(root !== null && root === published.root);
      });
    }).catch(function () { say(false); });
  });
}());
