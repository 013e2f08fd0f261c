/* Stories and support, enhanced. Our own script, loaded from our own host; nothing else is loaded.

   "Leave this page quickly", after GOV.UK's "Exit this page" component: the button, or Shift pressed 3
   times within 5 seconds (each press announced to screen readers; any other key in between, or a Shift
   held for a capital letter, starts the count again), hides the page at once and replaces it with a
   neutral site through location.replace, so that Back does not lead to it. While a page shows the quick
   exit, a link followed from it replaces it in the history too (the visit stays out of the history: Back
   after leaving skips the campaign page and every story page that came before). A form sent on the way
   leaves an entry of its own, which no script can take out: Back to such a page in the same tab leaves
   again at once (sessionStorage remembers the exit until this site is opened any other way).

   The private code: a button copies it (the code stays selectable by hand without this script). */
(function () {
  "use strict";

  var bar = document.querySelector("[data-quick-exit-bar]");
  var exitLink = document.querySelector("[data-quick-exit]");
  var status = bar && bar.querySelector("[data-quick-exit-status]");
  var TIMEOUT = 5000;
  var presses = 0;
  var lastKeyWasModified = false;
  var pressTimer = null;
  var messageTimer = null;

  function say(message) {
    if (status) { status.textContent = message || ""; }
  }

  var LEFT = "petitions-left-quickly";

  function remember(value) {
    try {
      if (value) { window.sessionStorage.setItem(LEFT, "1"); } else { window.sessionStorage.removeItem(LEFT); }
    } catch (error) { /* storage off: links and the exit still replace their page */ }
  }

  function leftQuickly() {
    try { return window.sessionStorage.getItem(LEFT) === "1"; } catch (error) { return false; }
  }

  function leave() {
    if (!exitLink) { return; }
    document.body.classList.add("leaving");
    say("");
    remember(true);
    window.location.replace(exitLink.href);
  }

  /* Back (or Forward) into one of these pages in a tab that left quickly (a form sent on the way left an
     entry of its own in the history): leave again at once. Coming here any other way starts afresh. */
  function bounceBack(persisted) {
    if (!exitLink || !leftQuickly()) { return false; }
    var navigation = window.performance && window.performance.getEntriesByType
      ? window.performance.getEntriesByType("navigation")[0] : null;
    if (persisted || (navigation && navigation.type === "back_forward")) {
      document.body.classList.add("leaving");
      window.location.replace(exitLink.href);
      return true;
    }
    remember(false);
    return false;
  }

  if (bounceBack(false)) { return; }

  function resetPresses(expired) {
    if (pressTimer) { window.clearTimeout(pressTimer); pressTimer = null; }
    presses = 0;
    if (expired && bar) {
      say(bar.getAttribute("data-expired"));
      messageTimer = window.setTimeout(function () { say(""); }, TIMEOUT);
    }
  }

  if (exitLink) {
    document.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest("a[href]");
      if (!link || event.defaultPrevented) { return; }
      if (link.hasAttribute("data-quick-exit")) {
        event.preventDefault();
        leave();
        return;
      }
      // any other link of this site, opened in this tab: replace this page in the history
      if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) { return; }
      if (link.target && link.target !== "_self") { return; }
      if (link.hasAttribute("download") || link.origin !== window.location.origin) { return; }
      if (link.pathname === window.location.pathname && link.search === window.location.search && link.hash) { return; }
      event.preventDefault();
      window.location.replace(link.href);
    });

    document.addEventListener("keyup", function (event) {
      if (event.key === "Shift" && !lastKeyWasModified) {
        presses += 1;
        if (messageTimer) { window.clearTimeout(messageTimer); messageTimer = null; }
        if (presses >= 3) {
          resetPresses(false);
          leave();
          return;
        }
        say(bar && bar.getAttribute(presses === 1 ? "data-press-two" : "data-press-one"));
        if (pressTimer) { window.clearTimeout(pressTimer); }
        pressTimer = window.setTimeout(function () { resetPresses(true); }, TIMEOUT);
      } else if (pressTimer) {
        resetPresses(true);
      }
      lastKeyWasModified = event.shiftKey;
    }, true);

    window.addEventListener("pageshow", function (event) {
      if (event.persisted && bounceBack(true)) { return; }
      document.body.classList.remove("leaving");
      resetPresses(false);
      say("");
    });
  }

  // ------------------------------------------------------------ the private code

  document.querySelectorAll("[data-copy-code]").forEach(function (button) {
    var code = document.getElementById(button.getAttribute("data-copy-code"));
    var done = document.querySelector("[data-copy-code-status]");
    if (!code) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = code.textContent.trim();
      var range = document.createRange();
      range.selectNodeContents(code);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      var copied = navigator.clipboard && window.isSecureContext
        ? navigator.clipboard.writeText(text)
        : new Promise(function (resolve, reject) {
          try {
            if (document.execCommand("copy")) { resolve(); } else { reject(new Error("copy refused")); }
          } catch (error) {
            reject(error);
          }
        });
      copied.then(function () {
        if (done) {
          done.textContent = "";
          window.setTimeout(function () { done.textContent = button.getAttribute("data-copied"); }, 50);
        }
      }, function () { /* the code stays selected: it can be copied by hand */ });
    });
  });
})();
